"""The dependency audit (.ci/audit_dependencies.py) checks every installed package, says plainly
when nothing could be checked, and fails on any finding nobody has reviewed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_audit():
    spec = importlib.util.spec_from_file_location(
        "ci_audit_dependencies", ROOT / ".ci" / "audit_dependencies.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


audit = _load_audit()
VULN = {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2026-1"], "fix_versions": ["5.2.20"]}


def checked(name: str, *vulns) -> dict:
    return {"name": name, "version": "1.0", "vulns": list(vulns)}


def skipped(name: str) -> dict:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name} (1.0)"}


def test_it_audits_the_whole_environment_not_only_the_pinned_requirements(tmp_path):
    command = audit.audit_command(tmp_path / "report.json")

    assert "-r" not in command and "--requirement" not in command
    assert "--local" in command and "--no-deps" not in command


def test_nothing_checked_says_so_loudly_and_passes_only_outside_strict_mode():
    everything_skipped = [skipped("django"), skipped("pillow")]

    status, lines = audit.verdict(everything_skipped, audit.Reviewed(), strict=False)
    strict_status, _ = audit.verdict(everything_skipped, audit.Reviewed(), strict=True)

    assert status == 0 and strict_status == 1
    assert any("NOTHING WAS CHECKED: 0 of 2 installed packages" in line for line in lines)
    assert any("NOT a pass" in line for line in lines)


def test_an_unreviewed_vulnerability_fails_the_audit():
    status, lines = audit.verdict([checked("django", VULN)], audit.Reviewed(), strict=False)

    assert status == 1
    assert "VULNERABLE django 1.0: GHSA-aaaa-bbbb-cccc (fixed in 5.2.20)" in lines


def test_a_reviewed_vulnerability_is_listed_and_accepted_by_its_id_or_an_alias():
    reviewed = audit.read_reviewed("# reviewed\n\nCVE-2026-1 Django not used here; by 2027-01\n")

    status, lines = audit.verdict([checked("django", VULN)], reviewed, strict=True)

    assert status == 0
    assert any(line.startswith("reviewed, accepted: django 1.0: GHSA") for line in lines)


def test_a_review_of_another_package_does_not_cover_this_one():
    reviewed = audit.read_reviewed("GHSA-aaaa-bbbb-cccc pillow reviewed for pillow only\n")

    status, _ = audit.verdict([checked("django", VULN)], reviewed, strict=False)

    assert status == 1


def test_a_package_left_unchecked_among_checked_ones_fails_unless_reviewed():
    dependencies = [checked("django"), skipped("in-house-tool")]

    status, lines = audit.verdict(dependencies, audit.Reviewed(), strict=False)
    reviewed = audit.read_reviewed("unchecked in_house_tool not published on PyPI\n")
    accepted, _ = audit.verdict(dependencies, reviewed, strict=False)

    assert status == 1 and accepted == 0
    assert "pip-audit: 1 of 2 installed packages checked, 0 unreviewed vulnerabilities." in lines
    assert any(line.startswith("NOT CHECKED in-house-tool") for line in lines)


def test_a_malformed_review_line_is_an_error_rather_than_ignored():
    with pytest.raises(ValueError, match="line 2"):
        audit.read_reviewed("# ok\nGHSA-only-an-id\n")


def test_the_reviewed_file_exists_and_reads():
    text = (ROOT / ".ci" / "audit-reviewed.txt").read_text()
    assert isinstance(audit.read_reviewed(text), audit.Reviewed)

"""pip-audit over every package installed in the environment, honest about what it checked.

pip-audit asks a vulnerability service (PyPI's) about each installed package: the pinned
requirements and everything they pulled in, the test tools too. Where the service cannot be
reached (or a mirror does not serve it), pip-audit reports each package as skipped and still
says "No known vulnerabilities found": this script counts what was really checked and says so.

- Nothing could be checked (the service is unreachable): a banner says NOTHING WAS CHECKED and
  the exit status is 0, so that CI still runs offline; AUDIT_STRICT=1 makes it 1.
- Any known vulnerability not reviewed in .ci/audit-reviewed.txt: exit status 1.
- A package the service answered for no other package did not know (checked ones around it):
  exit status 1 unless reviewed there too (a package that is not on PyPI).

.ci/audit-reviewed.txt, one reviewed entry a line (blank lines and # comments ignored):

    <vulnerability id or alias> <package> <why it does not apply here, and until when>
    unchecked <package> <why it cannot be checked (e.g. not published on PyPI)>
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEWED_FILE = ROOT / ".ci" / "audit-reviewed.txt"
UNCHECKED = "unchecked"


@dataclass
class Reviewed:
    vulnerabilities: dict[tuple[str, str], str] = field(default_factory=dict)
    unchecked: dict[str, str] = field(default_factory=dict)


def _normalised(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def read_reviewed(text: str) -> Reviewed:
    """The reviewed entries; a malformed line is an error (a typo must not hide a finding)."""
    reviewed = Reviewed()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            raise ValueError(
                f"{REVIEWED_FILE.name} line {number}: expected '<id> <package> <why>' or "
                f"'unchecked <package> <why>', got {line!r}"
            )
        kind, package, why = parts
        if kind == UNCHECKED:
            reviewed.unchecked[_normalised(package)] = why
        else:
            reviewed.vulnerabilities[(kind.upper(), _normalised(package))] = why
    return reviewed


def audit_command(report: Path) -> list[str]:
    """pip-audit over this interpreter's environment (every installed distribution)."""
    return [
        sys.executable, "-m", "pip_audit",
        "--local",  # this virtualenv's packages, not the system's
        "--progress-spinner", "off",
        "-f", "json", "-o", str(report),
    ]  # fmt: skip


def verdict(dependencies: list[dict], reviewed: Reviewed, *, strict: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print for pip-audit's JSON ``dependencies``."""
    lines: list[str] = []
    skipped = [d for d in dependencies if d.get("skip_reason")]
    checked = [d for d in dependencies if not d.get("skip_reason")]
    unreviewed = []
    for dependency in checked:
        package = _normalised(dependency["name"])
        for vuln in dependency.get("vulns") or []:
            ids = [vuln["id"], *(vuln.get("aliases") or [])]
            reasons = [reviewed.vulnerabilities.get((i.upper(), package)) for i in ids]
            why = next((reason for reason in reasons if reason), None)
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            found = f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})"
            if why:
                lines.append(f"reviewed, accepted: {found}: {why}")
            else:
                lines.append(f"VULNERABLE {found}")
                unreviewed.append(found)
    if not checked and dependencies:
        lines += [
            "=" * 78,
            f"pip-audit: NOTHING WAS CHECKED: 0 of {len(dependencies)} installed packages.",
            "The vulnerability service could not be reached or knew none of them, so this is",
            "NOT a pass: run `make audit` where PyPI's vulnerability service answers.",
            "=" * 78,
        ]
        return (1 if strict else 0), lines
    unknown = [d for d in skipped if _normalised(d["name"]) not in reviewed.unchecked]
    lines.append(
        f"pip-audit: {len(checked)} of {len(dependencies)} installed packages checked, "
        f"{len(unreviewed)} unreviewed vulnerabilities."
    )
    for dependency in skipped:
        why = reviewed.unchecked.get(_normalised(dependency["name"]))
        state = f"reviewed: {why}" if why else dependency["skip_reason"]
        lines.append(f"NOT CHECKED {dependency['name']}: {state}")
    return (1 if unreviewed or unknown else 0), lines


def main() -> int:
    strict = os.environ.get("AUDIT_STRICT", "") not in ("", "0", "false")
    reviewed = read_reviewed(REVIEWED_FILE.read_text() if REVIEWED_FILE.exists() else "")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        # bandit B603: a fixed argv, this interpreter running pip-audit.
        run = subprocess.run(  # noqa: S603
            audit_command(report), capture_output=True, text=True, check=False
        )  # nosec B603
        if not report.exists():
            print(run.stderr.strip() or "pip-audit failed", file=sys.stderr)
            print("pip-audit: NOTHING WAS CHECKED: pip-audit itself failed (see above).")
            return 1
        dependencies = json.loads(report.read_text())["dependencies"]
    status, lines = verdict(dependencies, reviewed, strict=strict)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())

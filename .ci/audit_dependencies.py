"""pip-audit over the pinned requirements, honest about what it could check.

pip-audit asks a vulnerability service (PyPI's) about every pinned package. Where that
service cannot be reached, pip-audit reports each package as "skipped" rather than failing:
this script says so plainly, counts what was really checked, and fails on any known
vulnerability. With AUDIT_STRICT=1 an unchecked package fails the audit too.

Reviewed exceptions go in REVIEWED: vulnerability id -> why it does not apply here.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEWED: dict[str, str] = {}


def main() -> int:
    strict = os.environ.get("AUDIT_STRICT", "") not in ("", "0", "false")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit",
            "-r", str(ROOT / "requirements.txt"),
            "-r", str(ROOT / "requirements-dev.txt"),
            "--disable-pip", "--no-deps",  # every requirement is pinned
            "--progress-spinner", "off",
            "-f", "json", "-o", str(report),
        ]  # fmt: skip
        for vuln_id in REVIEWED:
            command += ["--ignore-vuln", vuln_id]
        # bandit B603: a fixed argv, this interpreter running pip-audit.
        run = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False
        )  # nosec B603
        if not report.exists():
            print(run.stderr.strip().splitlines()[-1:] or ["pip-audit failed"], file=sys.stderr)
            print("pip-audit: no vulnerability service answered; nothing was checked.")
            return 1 if strict else 0
        dependencies = json.loads(report.read_text())["dependencies"]

    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    checked = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} "
                  f"(fixed in {fixes})")  # fmt: skip
    for vuln_id, why in REVIEWED.items():
        print(f"reviewed, ignored: {vuln_id}: {why}")
    print(f"pip-audit: {checked} of {len(dependencies)} pinned packages checked, "
          f"{len(vulnerable)} with known vulnerabilities.")  # fmt: skip
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        print(f"pip-audit: NOT CHECKED (the vulnerability service did not know them or could "
              f"not be reached): {names}")  # fmt: skip
    if vulnerable:
        return 1
    return 1 if strict and skipped else 0


if __name__ == "__main__":
    sys.exit(main())

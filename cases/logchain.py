"""The action log's entry hash, as anyone can recompute it, and the check of a case export.

Plain Python with no Django import, so that whoever holds a case export (a court, an
authority, a lawyer) can check it without the system: ``python cases/logchain.py FILE`` (or
``manage.py verify_log --export FILE``). An entry's hash is the SHA-256 of its
HASHED_FIELDS as JSON with sorted keys and no spaces; it covers the previous entry's hash, so
each entry is bound to the one before it in the global chain. A case's entries are not
consecutive (other cases' entries lie between them): the links between consecutive exported
entries are checked here, the rest by ``verify_log`` on the platform's side, which checks the
whole chain up to a head that the export also names.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field

EXPORT_FORMAT = "takedown-case-export/2"
HASHED_FIELDS = (
    "sequence",
    "case",
    "actor",
    "actor_label",
    "action",
    "from_state",
    "to_state",
    "reasons",
    "details",
    "public_summary",
    "created_at",
    "previous_hash",
)


def chain_hash(content: dict) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class ExportCheck:
    entries: int = 0
    links: int = 0  # consecutive exported entries whose link was checked
    gaps: int = 0  # places where other cases' entries lie between two exported ones
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def check_export(export: dict) -> ExportCheck:
    """Recompute every exported entry's hash and check the links the export can show."""
    result = ExportCheck()
    if not isinstance(export, dict) or export.get("format") != EXPORT_FORMAT:
        found = export.get("format") if isinstance(export, dict) else None
        result.problems.append(
            f"not a case export in format {EXPORT_FORMAT} (found {found!r}): earlier formats "
            "leave out fields the hashes cover; export the case again"
        )
        return result
    case_id = (export.get("case") or {}).get("id")
    log = export.get("log")
    if not isinstance(log, list) or not log:
        # Every case has at least the entry that recorded its notice.
        result.problems.append("the export holds no log entries: there is nothing to verify")
        return result
    previous = None
    for position, entry in enumerate(log, start=1):
        result.entries += 1
        if not isinstance(entry, dict):
            result.problems.append(f"log item {position}: not an entry")
            continue
        label = f"entry {entry.get('sequence', '?')}"
        missing = [name for name in (*HASHED_FIELDS, "entry_hash") if name not in entry]
        if missing:
            result.problems.append(f"{label}: fields missing: {', '.join(missing)}")
            continue
        unknown = sorted(set(entry) - {*HASHED_FIELDS, "entry_hash"})
        if unknown:
            result.problems.append(
                f"{label}: fields its hash does not cover were added: {', '.join(unknown)}"
            )
        if not isinstance(entry["sequence"], int) or isinstance(entry["sequence"], bool):
            result.problems.append(f"{label}: its sequence number is not a whole number")
            continue
        if chain_hash({name: entry[name] for name in HASHED_FIELDS}) != entry["entry_hash"]:
            result.problems.append(f"{label}: contents were altered (its hash does not match)")
        if entry["case"] != case_id:
            result.problems.append(f"{label}: belongs to case {entry['case']}, not {case_id}")
        if previous is not None:
            if entry["sequence"] <= previous["sequence"]:
                result.problems.append(f"{label}: out of order after {previous['sequence']}")
            elif entry["sequence"] == previous["sequence"] + 1:
                result.links += 1
                if entry["previous_hash"] != previous["entry_hash"]:
                    result.problems.append(
                        f"{label}: chain broken before it (its previous hash is not the hash "
                        f"of entry {previous['sequence']})"
                    )
            else:
                result.gaps += 1
        previous = entry
    head = export.get("log_head") or {}
    if previous is not None and head:
        if previous["sequence"] > head.get("sequence", 0):
            result.problems.append(
                f"the log head (sequence {head.get('sequence')}) is before the last exported "
                f"entry ({previous['sequence']})"
            )
        elif previous["sequence"] == head.get("sequence") and head.get("hash") != previous.get(
            "entry_hash"
        ):
            result.problems.append("the log head's hash is not the last exported entry's hash")
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python logchain.py CASE-EXPORT.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        result = check_export(json.load(handle))
    for problem in result.problems:
        print(problem, file=sys.stderr)
    if not result.intact:
        print(f"Export fails verification: {len(result.problems)} problem(s).", file=sys.stderr)
        return 1
    print(
        f"Export intact: {result.entries} entries recomputed, {result.links} links between "
        f"consecutive entries checked; {result.gaps} gap(s) hold other cases' entries "
        "(verify_log checks those on the platform). Only the log entries are proven: the "
        "export's other sections (notice, decisions, measures) are copies for reading, to be "
        "compared with the entries that recorded them."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

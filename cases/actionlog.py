"""Appending to, and verifying, the action log: one hash chain over every case.

Each entry has a global sequence number and a hash over its canonical content, which includes
the sequence and the previous entry's hash. Appends take the single ``LogHead`` row's lock
(``select_for_update``) inside the caller's transaction and move the head in that same
transaction: concurrent appends queue behind each other, so the chain never forks and a rolled
back append leaves no gap. The lock is held until the caller's transaction ends, so a caller
should lock the rows it needs (cases, measures) before its first append: anything locked after
it could deadlock with another transaction waiting for the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ActionLog, Case, LogHead
from .roles import Actor

GENESIS = LogHead.GENESIS


def _locked_head() -> LogHead:
    """The head row, locked until the end of the transaction; made on the first append."""
    try:
        return LogHead.objects.select_for_update().get(pk=1)
    except LogHead.DoesNotExist:
        pass
    # A database whose log was emptied (a fresh test database): start after the last entry, if
    # any. Two first appends racing: one insert wins, the other waits for it, then locks it.
    last = ActionLog.objects.order_by("-sequence").values("sequence", "entry_hash").first()
    try:
        with transaction.atomic():
            LogHead.objects.create(
                pk=1,
                sequence=last["sequence"] if last else 0,
                entry_hash=last["entry_hash"] if last else GENESIS,
                updated_at=timezone.now(),
            )
    except IntegrityError:
        pass
    return LogHead.objects.select_for_update().get(pk=1)


def log_append(
    *,
    case: Case,
    actor: Actor,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reasons: str = "",
    details: dict | None = None,
    public_summary: str = "",
) -> ActionLog:
    """Append one entry to the global chain, in the caller's transaction (or its own)."""
    with transaction.atomic():
        head = _locked_head()
        entry = ActionLog(
            sequence=head.sequence + 1,
            case=case,
            actor=actor.user if actor.user is not None else None,
            actor_label=actor.label,
            action=action,
            from_state=from_state,
            to_state=to_state or from_state,
            reasons=reasons,
            details=details or {},
            public_summary=public_summary,
            created_at=timezone.now(),
            previous_hash=head.entry_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.sequence, head.entry_hash, head.updated_at = (
            entry.sequence,
            entry.entry_hash,
            entry.created_at,
        )
        head.save(update_fields=["sequence", "entry_hash", "updated_at"])
    return entry


@dataclass(frozen=True)
class Head:
    sequence: int
    entry_hash: str

    def as_dict(self) -> dict:
        return {"sequence": self.sequence, "hash": self.entry_hash}

    def __str__(self) -> str:
        return f"sequence {self.sequence}, hash {self.entry_hash}"


def log_head() -> Head:
    """Where the chain ends now: the last sequence number and hash (0 and zeros when empty)."""
    head = LogHead.objects.filter(pk=1).values("sequence", "entry_hash").first()
    if head is None:
        return Head(0, GENESIS)
    return Head(head["sequence"], head["entry_hash"])


@dataclass(frozen=True)
class Problem:
    sequence: int
    case_id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Verification:
    """The result of checking the whole chain: the problems in chain order, and the head."""

    entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    head: Head = field(default_factory=lambda: Head(0, GENESIS))

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        """The sequence number of the first entry at which the chain fails."""
        return self.problems[0].sequence if self.problems else None


def log_check() -> Verification:
    """Walk the chain in sequence order and recompute every hash.

    Reported, each at the first sequence number it affects: an entry whose content no longer
    matches its hash (altered), an entry whose previous hash is not the hash of the entry before
    it (altered with a recomputed hash, or something inserted), missing sequence numbers
    (deleted), and a head that does not match the last entry (deleted from the end).
    """
    result = Verification(head=log_head())
    expected, previous = 1, GENESIS
    for entry in ActionLog.objects.order_by("sequence").iterator():
        result.entries += 1
        label = f"entry {entry.sequence} (case {entry.case_id})"
        if entry.sequence > expected:
            missing = (
                f"entry {expected} is missing"
                if entry.sequence == expected + 1
                else f"entries {expected} to {entry.sequence - 1} are missing"
            )
            result.problems.append(
                Problem(expected, None, f"{missing}: the chain jumps to {entry.sequence}")
            )
        elif entry.previous_hash != previous:
            result.problems.append(
                Problem(
                    entry.sequence,
                    entry.case_id,
                    f"{label}: chain broken before it (its previous hash is not the hash of "
                    f"entry {entry.sequence - 1})",
                )
            )
        if entry.compute_hash() != entry.entry_hash:
            result.problems.append(
                Problem(entry.sequence, entry.case_id, f"{label}: contents were altered")
            )
        # Go on from what is stored, so that each break is reported once, where it is.
        expected, previous = entry.sequence + 1, entry.entry_hash
    last = expected - 1
    if result.head.sequence > last:
        first_gone = last + 1
        missing = (
            f"entry {first_gone} is missing"
            if first_gone == result.head.sequence
            else f"entries {first_gone} to {result.head.sequence} are missing"
        )
        result.problems.append(
            Problem(
                first_gone,
                None,
                f"{missing}: the log head is at {result.head.sequence} but the last entry "
                f"is {last}",
            )
        )
    elif result.head.sequence < last or result.head.entry_hash != previous:
        result.problems.append(
            Problem(
                last,
                None,
                f"the log head ({result.head}) does not match the last entry "
                f"(sequence {last}, hash {previous})",
            )
        )
    return result


def log_verify(case_ids=None) -> list[str]:
    """One message per problem in the chain, in chain order (empty when intact); with
    ``case_ids``, only the problems at those cases' entries and the missing entries (whose case
    nobody can tell any more)."""
    problems = log_check().problems
    if case_ids is not None:
        wanted = set(case_ids)
        problems = [p for p in problems if p.case_id is None or p.case_id in wanted]
    return [p.message for p in problems]

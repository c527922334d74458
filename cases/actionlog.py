"""Appending to, and verifying, the hash-chained action log."""

from __future__ import annotations

from django.utils import timezone

from .models import ActionLog, Case
from .roles import Actor

GENESIS = "0" * 64


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
    """Append one entry. The caller holds the case row lock, which serialises the chain."""
    last = ActionLog.objects.filter(case=case).order_by("-pk").values_list("entry_hash", flat=True)
    entry = ActionLog(
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
        previous_hash=last.first() or GENESIS,
    )
    entry.entry_hash = entry.compute_hash()
    entry.save()
    return entry


def log_verify(case_ids=None) -> list[str]:
    """Recompute every chain; return one message per broken link (empty when intact)."""
    problems = []
    entries = ActionLog.objects.order_by("case_id", "pk")
    if case_ids is not None:
        entries = entries.filter(case_id__in=case_ids)
    previous_by_case: dict[int, str] = {}
    for entry in entries.iterator():
        expected_previous = previous_by_case.get(entry.case_id, GENESIS)
        if entry.previous_hash != expected_previous:
            problems.append(f"case {entry.case_id}, entry {entry.pk}: chain broken before it")
        if entry.compute_hash() != entry.entry_hash:
            problems.append(f"case {entry.case_id}, entry {entry.pk}: contents were altered")
        previous_by_case[entry.case_id] = entry.entry_hash
    return problems

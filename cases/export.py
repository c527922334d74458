"""A case export: everything done on one case, with its action-log entries and the log head.

The export is meant to leave the system (for a court, an authority or the parties' lawyers). It
names every log entry of the case by sequence number and hash, and the head of the whole chain
at export time, so that whoever keeps it can later ask the platform to show that its log still
leads from those entries to that head (``manage.py verify_log``). Each entry carries every
field its hash covers, so anyone can recompute it offline (cases.logchain, ``verify_log
--export FILE``). Evidence files are described (kind, type, size, SHA-256), never included:
no identity document leaves through an export.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone

from .actionlog import log_head
from .logchain import EXPORT_FORMAT
from .models import ActionLog, Case, MatchResult, PlatformMeasure

FORMAT = EXPORT_FORMAT


def _time(value):
    return value.isoformat() if value else None


def _notice(notice) -> dict:
    return {
        "reference": notice.reference,
        "received_at": _time(notice.received_at),
        "notifier_name": notice.notifier_name,
        "notifier_email": notice.notifier_email,
        "relationship": notice.relationship,
        "filed_by": notice.filed_by.name if notice.filed_by_id else None,
        "use_type": notice.use_type,
        "description": notice.description,
        "requested_measure": notice.requested_measure,
        "good_faith": notice.good_faith,
        "accuracy": notice.accuracy,
        "signature": notice.signature,
        "evidence": [
            {
                "id": evidence.pk,
                "kind": evidence.kind,
                "content_type": evidence.content_type,
                "size": evidence.size,
                "sha256": evidence.sha256,
            }
            for evidence in notice.evidence.order_by("pk")
        ],
    }


def _item(item) -> dict:
    try:
        match = item.match
    except MatchResult.DoesNotExist:
        match = None
    return {
        "id": item.pk,
        "url": item.url,
        "content_id": item.content_id,
        "uploader_name": item.uploader_name,
        "measure": item.measure,
        "outcome": item.outcome,
        "match_verdict": match.verdict if match else "pending",
    }


def _decision(decision) -> dict:
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "ground": decision.ground,
        "ground_reference": decision.ground_reference,
        "reasons": decision.reasons,
        "territorial_scope": decision.territorial_scope,
        "ends_on": _time(decision.ends_on),
        "automated_detection": decision.automated_detection,
        "automated_decision": decision.automated_decision,
        "decided_by": decision.decided_by.get_username(),
        "decided_at": _time(decision.decided_at),
        "replaces": decision.replaces_id,
    }


def _measure(measure: PlatformMeasure) -> dict:
    return {
        "id": measure.pk,
        "item": measure.item_id,
        "content_id": measure.item.content_id,
        "decision": measure.decision_id,
        "measure": measure.measure,
        "lifts": measure.lifts_id,
        "status": measure.status,
        "attempts": measure.attempts,
        "requested_at": _time(measure.requested_at),
        "completed_at": _time(measure.completed_at),
        "platform_response": measure.platform_response,
        "error": measure.error,
    }


def _entry(entry: ActionLog) -> dict:
    """Exactly what the entry's hash covers (so it can be recomputed), and the hash."""
    return {**entry.canonical_content(), "entry_hash": entry.entry_hash}


def case_export(case_id: int) -> dict:
    """The export of one case (404 when there is no such case), as JSON-ready data."""
    case = get_object_or_404(Case.objects.select_related("notice__filed_by"), pk=case_id)
    items = case.notice.items.select_related("match").order_by("pk")
    decisions = case.decisions.select_related("decided_by").order_by("pk")
    measures = case.measures.select_related("item").order_by("pk")
    entries = [_entry(entry) for entry in case.log.order_by("sequence")]
    # Read after the entries: the head is at or beyond the last of them.
    head = log_head()
    return {
        "format": FORMAT,
        "exported_at": _time(timezone.now()),
        "case": {
            "id": case.pk,
            "reference": case.notice.reference,
            "state": case.state,
            "verdict": case.verdict,
            "priority": case.priority,
            "created_at": _time(case.created_at),
            "due_at": _time(case.due_at),
        },
        "notice": _notice(case.notice),
        "items": [_item(item) for item in items],
        "decisions": [_decision(decision) for decision in decisions],
        "measures": [_measure(measure) for measure in measures],
        "log": entries,
        "log_head": head.as_dict(),
    }

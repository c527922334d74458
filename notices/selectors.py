"""What a complainant may see of their own notice: no staff names, no private notes."""

from __future__ import annotations

from .models import Notice


def tracking_view(notice: Notice) -> dict:
    case = notice.case
    decision = case.decisions.order_by("-pk").first()
    timeline = [
        {"at": entry.created_at, "event": entry.action, "description": entry.public_summary}
        for entry in case.log.exclude(public_summary="").order_by("pk")
    ]
    return {
        "reference": notice.reference,
        "status": case.state,
        "status_display": case.get_state_display(),
        "received_at": notice.received_at,
        "requested_measure": notice.requested_measure,
        "items": [
            {"url": item.url, "measure": item.measure, "outcome": item.outcome}
            for item in notice.items.all()
        ],
        "decision": (
            {
                "outcome": decision.outcome,
                "reasons": decision.reasons,
                "decided_at": decision.decided_at,
            }
            if decision
            else None
        ),
        "timeline": timeline,
        "info_due_at": case.info_due_at,
    }

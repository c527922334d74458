"""What a complainant may see of their own notice: no staff names, no private notes."""

from __future__ import annotations

from .models import Measure, Notice, ReportedItem

DECISION_LABELS = {
    "uphold": "Upheld",
    "reject": "Not upheld",
    "request_info": "More information requested",
}


def _item_outcome_label(item: ReportedItem, case_state: str) -> str:
    if item.outcome == ReportedItem.Outcome.PENDING and case_state in ("withdrawn", "closed"):
        return "Not examined"
    return ReportedItem.Outcome(item.outcome).label


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
        "requested_measure_display": notice.get_requested_measure_display(),
        "items": [
            {
                "url": item.url,
                "measure": item.measure,
                "outcome": item.outcome,
                "measure_display": Measure(item.measure).label if item.measure else "",
                "outcome_display": _item_outcome_label(item, case.state),
            }
            for item in notice.items.all()
        ],
        "decision": (
            {
                "outcome": decision.outcome,
                "outcome_display": DECISION_LABELS[decision.outcome],
                "reasons": decision.reasons,
                "decided_at": decision.decided_at,
            }
            if decision
            else None
        ),
        "timeline": timeline,
        "info_due_at": case.info_due_at,
    }

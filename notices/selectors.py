"""What a complainant may see of their own notice: no staff names, no private notes."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy

from .models import Measure, Notice, Organisation, ReportedItem

DECISION_LABELS = {
    "uphold": gettext_lazy("Upheld"),
    "reject": gettext_lazy("Not upheld"),
    "request_info": gettext_lazy("More information requested"),
    "maintain": gettext_lazy("Measure kept after review of the dispute"),
    "restore": gettext_lazy("Measure lifted after review of the dispute"),
}


def _item_outcome_label(item: ReportedItem, case_state: str) -> str:
    if item.outcome == ReportedItem.Outcome.PENDING and case_state in ("withdrawn", "closed"):
        return "Not examined"
    return ReportedItem.Outcome(item.outcome).label


def notice_case(notice: Notice):
    """The case handling the notice: its own, or the case it joined (same notifier, same
    content)."""
    try:
        return notice.case
    except ObjectDoesNotExist:
        return notice.joined.case


def notice_items(notice: Notice, case) -> list[ReportedItem]:
    """The notice's items as the case handles them: a joined notice's items are decided on the
    case's own notice, so their measure and outcome are read there."""
    own = list(notice.items.all())
    if case.notice_id == notice.pk:
        return own
    handled = {item.content_id: item for item in case.notice.items.all()}
    return [handled.get(item.content_id, item) for item in own]


def tracking_view(notice: Notice) -> dict:
    from cases.measures import redress_in_language
    from cases.models import Appeal
    from cases.redress import appeal_right_for
    from cases.timeline import COMPLAINANT, case_timeline

    case = notice_case(notice)
    decision = case.decisions.order_by("-pk").first()
    right = appeal_right_for(case, Appeal.Party.COMPLAINANT)
    counter = case.counter_notices.order_by("pk").first()
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
            for item in notice_items(notice, case)
        ],
        "decision": (
            {
                "outcome": decision.outcome,
                "outcome_display": DECISION_LABELS[decision.outcome],
                "reasons": decision.reasons,
                "decided_at": decision.decided_at,
                "ground": decision.ground_reference,
                # The statement of reasons in full (DSA art. 17(3)): where and until when the
                # measure applies (empty scope: everywhere; no end: indefinitely).
                "territorial_scope": decision.territorial_scope,
                "ends_on": decision.ends_on,
                # Recorded in English; worded in the reader's language.
                "redress": (
                    redress_in_language(on_appeal=decision.appeal_id is not None)
                    if decision.redress
                    else ""
                ),
                "on_appeal": decision.appeal_id is not None,
            }
            if decision
            else None
        ),
        "appeal": {"allowed": right.allowed, "reason": right.reason, "closes_at": right.closes_at},
        "counter_notice": (
            {
                "received_at": counter.received_at,
                "waiting_period_ends_at": counter.waiting_period_ends_at,
                "policy_basis": counter.policy_basis,
                "status": counter.status,
            }
            if counter
            else None
        ),
        "timeline": case_timeline(case, COMPLAINANT),
        "info_due_at": case.info_due_at,
        # For a joined notice: the reference of the notice whose case handles it.
        "handled_with": case.notice.reference if case.notice_id != notice.pk else None,
    }


def organisation_notices(organisation: Organisation, *, status: str | None = None) -> QuerySet:
    """The notices an organisation filed, newest first, with what a list row shows loaded."""
    from cases.models import Decision

    ordered = Decision.objects.order_by("decided_at", "pk")
    notices = (
        Notice.objects.filter(filed_by=organisation)
        .select_related("case__notice", "joined__case__notice")
        .prefetch_related(
            "items",
            Prefetch("case__decisions", queryset=ordered),
            "case__notice__items",
            Prefetch("joined__case__decisions", queryset=ordered),
            "joined__case__notice__items",
        )
    )
    if status:
        notices = notices.filter(Q(case__state=status) | Q(joined__case__state=status))
    return notices.order_by("-received_at", "-pk")


def organisation_notice_row(notice: Notice) -> dict:
    case = notice_case(notice)
    decisions = list(case.decisions.all())
    return {
        "reference": notice.reference,
        "status": case.state,
        "received_at": notice.received_at,
        "principal_name": notice.notifier_name,
        "relationship": notice.relationship,
        "items": [
            {"url": item.url, "content_id": item.content_id, "outcome": item.outcome}
            for item in notice_items(notice, case)
        ],
        "latest_decision": decisions[-1].outcome if decisions else None,
        "handled_with": case.notice.reference if case.notice_id != notice.pk else None,
    }

"""Reads for the review queue and case pages, with their query counts kept constant."""

from datetime import timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from notices.models import EvidenceFile, NotifierSanction, ReportedItem

from .actionlog import log_head
from .models import (
    Appeal,
    Case,
    CounterNotice,
    DeadlineBreach,
    Decision,
    PlatformMeasure,
    Priority,
    RepeatInfringer,
    State,
    Verdict,
)

# Cases that wait for staff: a first decision, an appeal, or a disputed measure.
OPEN_STATES = [
    State.RECEIVED,
    State.NEEDS_INFO,
    State.IN_REVIEW,
    State.APPEALED,
    State.DISPUTED,
]


def queue_cases(
    *, state: str | None = None, verdict: str | None = None, priority: str | None = None
) -> QuerySet[Case]:
    """Cases by due time (soonest first), with everything a queue row shows prefetched."""
    cases = Case.objects.select_related("notice", "claimed_by").prefetch_related(
        Prefetch(
            "notice__items",
            queryset=ReportedItem.objects.select_related("match").prefetch_related(
                Prefetch("measures", queryset=PlatformMeasure.objects.order_by("pk"))
            ),
        )
    )
    if state:
        cases = cases.filter(state=state)
    if verdict:
        cases = cases.filter(verdict=verdict)
    if priority:
        cases = cases.filter(priority=priority)
    return cases.order_by("due_at", "pk")


# The queue's filters, each a GET parameter: the values each one takes (besides "" for any).
QUEUE_FILTERS = {
    "state": ["open", "all", *State.values],
    "verdict": list(Verdict.values),
    "due": ["soon", "overdue"],
    "priority": list(Priority.values),
    "claim": ["mine", "unclaimed", "others"],
}
QUEUE_DEFAULTS = {"state": "open"}


def live_claim(now) -> Q:
    """A claim whose lease has not run out: one that lapsed counts as no claim at all."""
    return Q(claimed_by__isnull=False, claim_expires_at__gt=now)


def _queue_condition(name: str, value: str, *, user, now) -> Q:
    """The condition one filter value puts on the queue; "" (or "all") puts none."""
    if not value or value == "all":
        return Q()
    if name == "state":
        return Q(state__in=OPEN_STATES) if value == "open" else Q(state=value)
    if name == "verdict":
        return Q(verdict=value)
    if name == "priority":
        return Q(priority=value)
    if name == "due":
        if value == "overdue":
            return Q(due_at__lt=now)
        soon = now + timedelta(hours=settings.TAKEDOWN_QUEUE_DUE_SOON_HOURS)
        return Q(due_at__gte=now, due_at__lt=soon)
    if name == "claim":
        if value == "mine":
            return live_claim(now) & Q(claimed_by=user)
        if value == "unclaimed":
            return ~live_claim(now)
        return live_claim(now) & ~Q(claimed_by=user)
    raise ValueError(f"Unknown queue filter {name!r}.")


def queue_filter_q(filters: dict[str, str], *, user, now, leave_out: str | None = None) -> Q:
    condition = Q()
    for name, value in filters.items():
        if name != leave_out:
            condition &= _queue_condition(name, value, user=user, now=now)
    return condition


def queue_filtered(filters: dict[str, str], *, user, now=None) -> QuerySet[Case]:
    """The queue with every chosen filter applied (``filters`` already validated)."""
    now = now or timezone.now()
    return queue_cases().filter(queue_filter_q(filters, user=user, now=now))


def queue_filter_counts(filters: dict[str, str], *, user, now=None) -> dict[str, dict[str, int]]:
    """How many cases each filter value would give, the other chosen filters kept.

    One aggregate query for every value of every filter (a conditional COUNT each), not one
    query per value: the counts cost the same whatever the number of cases or values.
    """
    now = now or timezone.now()
    aggregates = {}
    for name, values in QUEUE_FILTERS.items():
        others = queue_filter_q(filters, user=user, now=now, leave_out=name)
        for value in ["", *values]:
            condition = others & _queue_condition(name, value, user=user, now=now)
            aggregates[f"{name}__{value}"] = (
                Count("pk", filter=condition) if condition else Count("pk")
            )
    totals = Case.objects.order_by().aggregate(**aggregates)
    counts: dict[str, dict[str, int]] = {name: {} for name in QUEUE_FILTERS}
    for key, number in totals.items():
        name, value = key.split("__", 1)
        counts[name][value] = number
    return counts


class QueuePaginator(Paginator):
    """Pages the queue by finding the page's case ids first, then loading only those cases.

    A deep page (``OFFSET 50000``) would otherwise join every skipped case to its notice; the
    ids alone come from an index-only scan of ``case_queue_order_idx`` (due_at, id). One more
    query per page, whatever the page or the number of cases.
    """

    def page(self, number):
        page = super().page(number)
        ids = list(page.object_list.prefetch_related(None).values_list("pk", flat=True))
        page.object_list = self.object_list.filter(pk__in=ids)
        return page


def case_evidence(case: Case) -> dict[str, list[EvidenceFile]]:
    # Files deleted under the retention rules keep their row but have nothing to show.
    files = [f for f in case.notice.evidence.all() if f.purged_at is None]
    return {kind: [f for f in files if f.kind == kind] for kind in EvidenceFile.Kind.values}


def _counts(queryset, field: str) -> dict[str, int]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


def dashboard_figures(now=None) -> dict:
    now = now or timezone.now()
    open_cases = Case.objects.filter(state__in=OPEN_STATES)
    failed = PlatformMeasure.objects.filter(status=PlatformMeasure.Status.FAILED).select_related(
        "item", "case__notice", "decision"
    )
    return {
        "open_by_state": _counts(open_cases, "state"),
        "open_by_verdict": _counts(open_cases, "verdict"),
        "overdue": open_cases.filter(due_at__lt=now).count(),
        "measures_by_status": _counts(PlatformMeasure.objects.all(), "status"),
        "failed_measures": [
            {
                "id": m.pk,
                "case_id": m.case_id,
                "reference": m.case.notice.reference,
                "content_id": m.item.content_id,
                "measure": m.measure,
                "attempts": m.attempts,
                "error": m.error,
            }
            for m in failed.order_by("pk")[:100]
        ],
        "decisions_last_7_days": _counts(
            Decision.objects.filter(decided_at__gte=now - timedelta(days=7)), "outcome"
        ),
        "escalated": open_cases.filter(escalated_at__isnull=False).count(),
        "breaches_last_30_days": _counts(
            DeadlineBreach.objects.filter(detected_at__gte=now - timedelta(days=30)), "stage"
        ),
        "open_appeals": Appeal.objects.filter(decided_at__isnull=True).count(),
        "counter_notices_waiting": CounterNotice.objects.filter(
            status=CounterNotice.Status.WAITING
        ).count(),
        "repeat_infringers": RepeatInfringer.objects.filter(cleared_at__isnull=True).count(),
        "notifiers_suspended": NotifierSanction.objects.filter(
            kind=NotifierSanction.Kind.SUSPENSION, starts_at__lte=now, ends_at__gt=now
        ).count(),
        # Where the action log's chain ends, to be noted outside the system (verify_log).
        "log_head": log_head().as_dict(),
    }

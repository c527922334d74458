"""Reads for the review queue and case pages, with their query counts kept constant."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
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
    RepeatInfringer,
    State,
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
        "repeat_infringers": RepeatInfringer.objects.count(),
        "notifiers_suspended": NotifierSanction.objects.filter(
            kind=NotifierSanction.Kind.SUSPENSION, starts_at__lte=now, ends_at__gt=now
        ).count(),
        # Where the action log's chain ends, to be noted outside the system (verify_log).
        "log_head": log_head().as_dict(),
    }

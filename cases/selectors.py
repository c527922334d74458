"""Reads for the review queue and case pages, with their query counts kept constant."""

from django.db.models import Prefetch, QuerySet

from notices.models import EvidenceFile, ReportedItem

from .models import Case, PlatformMeasure


def queue_cases(*, state: str | None = None, verdict: str | None = None) -> QuerySet[Case]:
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
    return cases.order_by("due_at", "pk")


def case_evidence(case: Case) -> dict[str, list[EvidenceFile]]:
    files = list(case.notice.evidence.all())
    return {kind: [f for f in files if f.kind == kind] for kind in EvidenceFile.Kind.values}

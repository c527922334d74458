"""Image match verification: evidence and priority for reviewers, never a decision."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from notices.models import EvidenceFile, ReportedItem
from notices.services import store_evidence
from notices.uploads import UploadRejected, clean_fetched_image

from . import imagematch, policy, services
from .actionlog import log_append
from .models import VERDICT_RANK, Case, MatchResult, Priority, Verdict
from .platforms import PlatformError, get_adapter
from .roles import Actor

# Platform statuses meaning the content is already out of public reach.
RESTRICTED = ("deleted", "disconnected", "blocked")

logger = logging.getLogger(__name__)


def _thresholds() -> imagematch.Thresholds:
    return imagematch.Thresholds(
        match=settings.TAKEDOWN_MATCH_THRESHOLD, possible=settings.TAKEDOWN_POSSIBLE_THRESHOLD
    )


def _verify_item(
    item: ReportedItem, references: list[EvidenceFile], adapter, *, last_attempt: bool
) -> dict:
    """Fetch the item through the adapter and compare it; returns MatchResult fields.

    A transient platform error is raised for the task to retry, unless this is the last
    attempt: then the item is recorded as unavailable."""
    try:
        content = adapter.fetch_content(item.content_id)
    except PlatformError as error:
        if error.transient and not last_attempt:
            raise
        return {"verdict": Verdict.UNAVAILABLE, "detail": f"The platform did not answer: {error}"}
    item.uploader_id, item.uploader_name = content.uploader_id, content.uploader_name
    item.platform_status = content.status
    item.posted_at = content.posted_at
    item.save(update_fields=["uploader_id", "uploader_name", "platform_status", "posted_at"])
    if not content.image_bytes:
        return {
            "verdict": Verdict.UNAVAILABLE,
            "detail": f"The platform has no image for it (status: {content.status}).",
        }
    try:
        snapshot = clean_fetched_image(content.image_bytes, f"{item.content_id}.jpg")
    except UploadRejected as error:
        return {"verdict": Verdict.UNAVAILABLE, "detail": str(error)}
    item.snapshot = store_evidence(item.notice, EvidenceFile.Kind.REPORTED_SNAPSHOT, snapshot)
    item.save(update_fields=["snapshot"])
    reference_bytes = [ref.file.open("rb").read() for ref in references]
    for ref in references:
        ref.file.close()
    try:
        report = imagematch.compare(reference_bytes, snapshot.content, _thresholds())
    except ValueError as error:
        return {"verdict": Verdict.UNAVAILABLE, "detail": str(error)}
    detail = (
        "" if content.status == "live" else f"Already restricted on the platform: {content.status}."
    )
    return {
        "verdict": report.verdict,
        "distance": report.distance,
        "best_reference": references[report.best_reference_index],
        "best_variant": report.best_variant,
        "distances": report.distances,
        "reported_hashes": report.reported_fingerprints,
        "reference_hashes": report.reference_fingerprints,
        "score": report.score,
        "method": report.method,
        "region": report.region,
        "detail": detail,
    }


def case_verify_matches(*, case_id: int, last_attempt: bool = True) -> Case:
    """Compare every reported item with the reference photos and set the case's priority.

    Runs once per case: a copy of the task sent again by the sweeper (after a worker or broker
    outage) finds the case verified and does nothing.
    """
    case = Case.objects.select_related("notice").get(pk=case_id)
    if case.verdict != Verdict.PENDING:
        return case
    notice = case.notice
    # Photos the complainant had erased meanwhile are gone: compare with what is left.
    references = list(
        notice.evidence.filter(kind=EvidenceFile.Kind.REFERENCE_PHOTO, purged_at__isnull=True)
    )
    adapter = get_adapter()
    fields_by_item = {
        item: _verify_item(item, references, adapter, last_attempt=last_attempt)
        for item in notice.items.all()
    }
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.verdict != Verdict.PENDING:
            return case  # another copy of the task got here first
        results = {
            item.pk: MatchResult.objects.update_or_create(item=item, defaults=fields)[0]
            for item, fields in fields_by_item.items()
        }
        best = min(
            (r.verdict for r in results.values()), key=VERDICT_RANK.__getitem__, default="pending"
        )
        case.verdict = best
        case.due_at = policy.decision_due_at(
            notice.received_at,
            best,
            trusted=case.priority == Priority.TRUSTED,
            hours=settings.TAKEDOWN_DUE_HOURS,
            trusted_hours=settings.TAKEDOWN_DUE_HOURS_TRUSTED,
        )
        case.save(update_fields=["verdict", "due_at", "updated_at"])
        log_append(
            case=case,
            actor=Actor.system(),
            action="match_verified",
            from_state=case.state,
            details={
                "verdict": best,
                "due_at": case.due_at.isoformat(),
                "items": [
                    {
                        "item_id": pk,
                        "verdict": r.verdict,
                        "distance": r.distance,
                        "score": r.score,
                        "method": r.method,
                    }
                    for pk, r in results.items()
                ],
            },
        )
    if notice.items.exclude(platform_status__in=RESTRICTED).count() == 0:
        services.case_close_already_removed(case_id=case_id)
    return case

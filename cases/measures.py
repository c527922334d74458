"""Applying decided measures on the platform, exactly once, and telling the uploader."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from takedown.enqueue import enqueue_on_commit

from . import signals, tasks
from .actionlog import log_append
from .errors import Conflict
from .models import Case, PlatformMeasure
from .platforms import PlatformError, get_adapter
from .roles import Actor

logger = logging.getLogger(__name__)

UPLOADER_SUBJECT = "Your content was restricted following a portrait-right notice"


def _uploader_message(measure: PlatformMeasure) -> str:
    decision = measure.decision
    return (
        f"Your content {measure.item.url} was acted on ({measure.get_measure_display()}) "
        f"after a notice by the person shown in it (case {decision.case.reference}).\n\n"
        f"Statement of reasons:\n{decision.reasons}\n\n"
        "If you believe this is a mistake, you may contest it within 6 months by answering "
        "this message with the case reference, evidence that your use is lawful and your "
        "real identity."
    )


def measure_execute(*, measure_id: int) -> PlatformMeasure:
    """Apply one measure. Safe to run twice: an applied measure is left alone, and the
    platform receives the same idempotency key on every attempt so it acts at most once."""
    measure = PlatformMeasure.objects.select_related("item", "case__notice", "decision").get(
        pk=measure_id
    )
    if measure.status == PlatformMeasure.Status.APPLIED:
        return measure
    adapter = get_adapter()
    PlatformMeasure.objects.filter(pk=measure.pk).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    # Called outside any transaction: the platform may be slow, and the key makes it safe.
    result = adapter.apply_measure(
        measure.item.content_id, measure.measure, idempotency_key=measure.idempotency_key
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=measure.case_id)
        measure = PlatformMeasure.objects.select_for_update().get(pk=measure.pk)
        if measure.status == PlatformMeasure.Status.APPLIED:
            return measure
        measure.status = PlatformMeasure.Status.APPLIED
        measure.completed_at = timezone.now()
        measure.platform_response = result.response
        measure.error = ""
        measure.save(update_fields=["status", "completed_at", "platform_response", "error"])
        log_append(
            case=case,
            actor=Actor.system(),
            action="measure_applied",
            from_state=case.state,
            details={
                "measure_id": measure.pk,
                "item_id": measure.item_id,
                "content_id": measure.item.content_id,
                "url": measure.item.url,
                "measure": measure.measure,
                "idempotency_key": measure.idempotency_key,
                "platform_response": result.response,
            },
            public_summary=f"{measure.get_measure_display()} applied to {measure.item.url}.",
        )
        signals.measure_applied.send(sender=PlatformMeasure, measure=measure)
        enqueue_on_commit(tasks.notify_uploader, measure.pk)
    return measure


def measure_notify_uploader(*, measure_id: int) -> None:
    """Forward the notice's outcome to the uploader through the platform (Civil Code 1195)."""
    measure = PlatformMeasure.objects.select_related("item", "case__notice", "decision").get(
        pk=measure_id
    )
    if measure.uploader_notified_at is not None:
        return
    result = get_adapter().notify_uploader(
        measure.item.content_id, subject=UPLOADER_SUBJECT, body=_uploader_message(measure)
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=measure.case_id)
        updated = PlatformMeasure.objects.filter(
            pk=measure.pk, uploader_notified_at__isnull=True
        ).update(uploader_notified_at=timezone.now())
        if updated:
            log_append(
                case=case,
                actor=Actor.system(),
                action="uploader_notified",
                from_state=case.state,
                details={
                    "measure_id": measure.pk,
                    "content_id": measure.item.content_id,
                    "platform_response": result.response,
                },
                public_summary="The uploader was told of the measure and the reasons.",
            )


def measure_mark_failed(*, measure_id: int, error: PlatformError | Exception) -> None:
    """After the last retry: visible as failed in the queue; staff can retry it."""
    with transaction.atomic():
        measure = PlatformMeasure.objects.select_related("item").get(pk=measure_id)
        case = Case.objects.select_for_update().get(pk=measure.case_id)
        if measure.status == PlatformMeasure.Status.APPLIED:
            return
        response = getattr(error, "response", {}) or {}
        PlatformMeasure.objects.filter(pk=measure.pk).update(
            status=PlatformMeasure.Status.FAILED, error=str(error), platform_response=response
        )
        log_append(
            case=case,
            actor=Actor.system(),
            action="measure_failed",
            from_state=case.state,
            details={
                "measure_id": measure.pk,
                "content_id": measure.item.content_id,
                "measure": measure.measure,
                "error": str(error),
                "platform_response": response,
            },
        )
    logger.warning("Measure %s failed: %s", measure_id, error)


def measure_retry(*, measure_id: int, actor: Actor) -> PlatformMeasure:
    """Staff send a failed measure to the platform again (same idempotency key)."""
    with transaction.atomic():
        measure = PlatformMeasure.objects.select_related("item", "decision").get(pk=measure_id)
        case = Case.objects.select_for_update().get(pk=measure.case_id)
        updated = PlatformMeasure.objects.filter(
            pk=measure.pk, status=PlatformMeasure.Status.FAILED
        ).update(status=PlatformMeasure.Status.PENDING, error="")
        if not updated:
            raise Conflict(
                f"Measure {measure.pk} is {measure.status}: only a failed measure can be retried."
            )
        log_append(
            case=case,
            actor=actor,
            action="measure_retry",
            from_state=case.state,
            details={
                "measure_id": measure.pk,
                "content_id": measure.item.content_id,
                "measure": measure.measure,
                "previous_error": measure.error,
            },
        )
        enqueue_on_commit(tasks.execute_measure, measure.pk)
    measure.refresh_from_db()
    return measure

"""Periodic jobs (Celery beat): catch up on work a lost task or a broker outage left behind,
and apply the deadlines the policy sets."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from notices.models import OutboundEmail
from notices.tasks import send_message
from takedown.enqueue import send_task

from . import services, tasks
from .errors import CaseError
from .models import Case, PlatformMeasure, State, Verdict
from .roles import Actor


def requeue_stalled_work(now=None) -> dict:
    """Enqueue again what should have run by now: verifications, measures, uploader notices
    and e-mails.

    Safe to overlap with a task that is merely slow: verification is recomputed, and measures
    and notices are idempotent.
    """
    now = now or timezone.now()
    stalled = now - timedelta(seconds=settings.TAKEDOWN_STALLED_AFTER_SECONDS)
    measure_stalled = stalled - timedelta(seconds=settings.TAKEDOWN_MEASURE_RETRY_BACKOFF_MAX)
    verifications = Case.objects.annotate(
        last_sent=Coalesce("verification_sent_at", "created_at")
    ).filter(verdict=Verdict.PENDING, last_sent__lt=stalled)
    pending_measures = PlatformMeasure.objects.annotate(
        last_try=Coalesce("last_attempt_at", "requested_at")
    ).filter(status=PlatformMeasure.Status.PENDING, last_try__lt=measure_stalled)
    unnotified = PlatformMeasure.objects.filter(
        status=PlatformMeasure.Status.APPLIED,
        uploader_notified_at__isnull=True,
        completed_at__lt=stalled,
    )
    unsent_emails = OutboundEmail.objects.annotate(
        last_try=Coalesce("last_attempt_at", "created_at")
    ).filter(sent_at__isnull=True, last_try__lt=stalled)
    counts = {"verifications": 0, "measures": 0, "uploader_notices": 0, "emails": 0}
    # Each resend is stamped, so that while a worker is away the queue holds one copy per
    # stall period rather than one per sweep.
    for case_id in list(verifications.values_list("pk", flat=True)):
        if send_task(tasks.verify_case_matches, case_id):
            counts["verifications"] += 1
            Case.objects.filter(pk=case_id).update(verification_sent_at=now)
    for measure_id in list(pending_measures.values_list("pk", flat=True)):
        if send_task(tasks.execute_measure, measure_id):
            counts["measures"] += 1
            PlatformMeasure.objects.filter(pk=measure_id).update(last_attempt_at=now)
    for measure_id in unnotified.values_list("pk", flat=True):
        counts["uploader_notices"] += send_task(tasks.notify_uploader, measure_id)
    for message_id in list(unsent_emails.values_list("pk", flat=True)):
        if send_task(send_message, message_id):
            counts["emails"] += 1
            OutboundEmail.objects.filter(pk=message_id).update(last_attempt_at=now)
    return counts


def enforce_deadlines(now=None) -> dict:
    """Close notices whose request for information went unanswered past its deadline."""
    now = now or timezone.now()
    expired = Case.objects.filter(Q(state=State.NEEDS_INFO) & Q(info_due_at__lt=now)).values_list(
        "pk", flat=True
    )
    closed = 0
    for case_id in expired:
        try:
            services.case_close(
                case_id=case_id,
                actor=Actor.system(),
                reasons="The information requested was not received by the deadline.",
            )
        except CaseError:
            continue  # answered or closed meanwhile
        closed += 1
    return {"closed_unanswered": closed}

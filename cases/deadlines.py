"""Periodic jobs (Celery beat): catch up on work a lost task or a broker outage left behind,
and apply the deadlines the policy sets."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from notices.mail import send_on_commit
from notices.models import OutboundEmail
from notices.tasks import send_message
from takedown.enqueue import send_task

from . import account_measures, redress, services, tasks
from .actionlog import log_append
from .errors import CaseError
from .models import Case, DeadlineBreach, Decision, PlatformMeasure, State, Verdict
from .notifications import email_complainant
from .roles import LEGAL, Actor


def requeue_stalled_work(now=None) -> dict:
    """Enqueue again what should have run by now: verifications, measures, uploader notices,
    account measures on repeat infringers and e-mails.

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
    counts["account_measures"] = account_measures.requeue_stalled_account_work(stalled, now)
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


def _close_unanswered(now) -> int:
    closed = 0
    expired = Case.objects.filter(state=State.NEEDS_INFO, info_due_at__lt=now)
    for case_id in list(expired.values_list("pk", flat=True)):
        try:
            case = services.case_close(
                case_id=case_id,
                actor=Actor.system(),
                reasons="The information requested was not received by the deadline.",
                public_summary=gettext_noop(
                    "Your notice was closed: the information requested did not "
                    "arrive by the deadline. You may file a new notice at any time."
                ),
            )
        except CaseError:
            continue  # answered or closed meanwhile
        email_complainant(case, "info_expired")
        closed += 1
    return closed


def _restore_after_waiting_period(now) -> int:
    restored = 0
    due = Case.objects.filter(state=State.COUNTER_NOTICED, restore_due_at__lte=now)
    for case_id in list(due.values_list("pk", flat=True)):
        try:
            redress.restore_after_waiting_period(case_id=case_id, now=now)
        except CaseError:
            continue  # proof arrived meanwhile
        restored += 1
    return restored


def _lift_expired_measures(now) -> int:
    """Lift temporary measures whose decision's end date has passed (a measure ordered "until
    31 May" is lifted once 31 May is over)."""
    today = timezone.localdate(now)
    in_force = Decision.objects.filter(
        case=OuterRef("pk"), outcome__in=[Decision.Outcome.UPHOLD, Decision.Outcome.MAINTAIN]
    ).order_by("-pk")
    expired = (
        Case.objects.filter(state__in=[State.ACTIONED, State.COUNTER_NOTICED, State.DISPUTED])
        .alias(ends_on=Subquery(in_force.values("ends_on")[:1]))
        .filter(ends_on__lt=today)
    )
    lifted = 0
    for case_id in list(expired.values_list("pk", flat=True)):
        try:
            redress.expire_measures(case_id=case_id, today=today)
        except CaseError:
            continue  # decided again meanwhile
        lifted += 1
    return lifted


# Which deadline each stage checks, in the states where that work is still open.
STAGE_DEADLINES = [
    (
        DeadlineBreach.Stage.DECISION,
        "due_at",
        [State.RECEIVED, State.IN_REVIEW],
    ),
    (DeadlineBreach.Stage.APPEAL, "review_due_at", [State.APPEALED]),
    (DeadlineBreach.Stage.DISPUTE, "review_due_at", [State.DISPUTED]),
]


def _record_breach(case_id: int, stage: str, due_at, now) -> bool:
    """Mark one missed deadline once: log it, flag the case, tell the escalation address."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        _, created = DeadlineBreach.objects.get_or_create(
            case=case, stage=stage, due_at=due_at, defaults={"detected_at": now}
        )
        if not created:
            return False
        case.escalated_at = now
        case.save(update_fields=["escalated_at", "updated_at"])
        log_append(
            case=case,
            actor=Actor.system(),
            action="deadline_missed",
            from_state=case.state,
            details={"stage": stage, "due_at": due_at.isoformat()},
        )
        for address in escalation_recipients():
            send_on_commit(
                template="escalation",
                to=address,
                context={"case": case, "stage": stage, "due_at": due_at},
            )
    return True


def escalation_recipients() -> list[str]:
    """Who is told of a missed deadline: the configured addresses, else every active member
    of the legal role with an e-mail address (they handle escalations)."""
    configured = [a.strip() for a in settings.TAKEDOWN_ESCALATION_EMAIL.split(",") if a.strip()]
    if configured:
        return configured
    legal = get_user_model().objects.filter(is_active=True, groups__name=LEGAL).exclude(email="")
    return sorted(set(legal.values_list("email", flat=True)))


def _escalate_overdue(now) -> int:
    escalated = 0
    for stage, field, states in STAGE_DEADLINES:
        overdue = Case.objects.filter(state__in=states, **{f"{field}__lt": now}).values_list(
            "pk", field
        )
        for case_id, due_at in list(overdue):
            escalated += _record_breach(case_id, stage, due_at, now)
    # A receipt still unsent after the acknowledgement deadline (DSA art. 16(4)), for a notice
    # with a case of its own or one that joined another notice's case.
    late = now - timedelta(hours=settings.TAKEDOWN_ACKNOWLEDGEMENT_HOURS)
    unacknowledged = OutboundEmail.objects.filter(
        template="receipt", sent_at__isnull=True, notice__received_at__lt=late
    ).values_list("notice__received_at", "notice__case", "notice__joined__case")
    for received_at, own_case, joined_case in list(unacknowledged.distinct()):
        due_at = received_at + timedelta(hours=settings.TAKEDOWN_ACKNOWLEDGEMENT_HOURS)
        case_id = own_case or joined_case
        escalated += _record_breach(case_id, DeadlineBreach.Stage.ACKNOWLEDGEMENT, due_at, now)
    return escalated


def enforce_deadlines(now=None) -> dict:
    """Apply every deadline of the policy: close unanswered requests for information, restore
    content whose counter-notice waiting period ended, lift temporary measures and account
    suspensions that reached their end, and escalate missed deadlines."""
    now = now or timezone.now()
    return {
        "closed_unanswered": _close_unanswered(now),
        "restored": _restore_after_waiting_period(now),
        "expired_measures": _lift_expired_measures(now),
        "ended_account_measures": account_measures.end_account_measures_due(now),
        "escalated": _escalate_overdue(now),
    }

"""Applying decided measures on the platform, exactly once, and telling the uploader."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from notices.models import ReportedItem
from takedown.enqueue import enqueue_on_commit

from . import policy, signals, tasks
from .actionlog import log_append
from .errors import Conflict
from .models import RESTORE, Case, PlatformMeasure, UploaderAccess
from .platforms import PlatformError, get_adapter
from .roles import Actor

logger = logging.getLogger(__name__)

# The uploader is told in the platform's language (TAKEDOWN_PLATFORM_LANGUAGE).
RESTRICTED_SUBJECT = gettext_lazy("Your content was restricted following a portrait-right notice")
RESTORED_SUBJECT = gettext_lazy("Your content was restored")
MEASURE_LABELS = {
    "delete": gettext_lazy("Delete the content"),
    "disconnect_link": gettext_lazy("Disconnect the link to it"),
    "block": gettext_lazy("Block access to it"),
    RESTORE: gettext_lazy("Restore"),
}
USE_TYPE_LABELS = {
    "commercial_endorsement": gettext_lazy("Used to advertise (fake customer photo)"),
    "sale": gettext_lazy("Sold (e.g. in photo packs)"),
    "impersonation": gettext_lazy("Used to impersonate the person shown (e.g. a fake profile)"),
    "other": gettext_lazy("Other use"),
}


# The default grounds' legal references (TAKEDOWN_DECISION_GROUNDS), marked so that a decision's
# recorded reference reads in the reader's language; a reference configured otherwise is shown
# as configured.
GROUND_REFERENCES = [
    gettext_noop("PRC Civil Code arts. 1018-1019 (portrait right)"),
    gettext_noop("Terms of service: impersonation and misleading use of another's likeness"),
    gettext_noop("PRC Civil Code art. 1195 (preliminary evidence of infringement)"),
    gettext_noop("PRC Civil Code art. 1020 (reasonable use of a portrait)"),
    gettext_noop("PRC Civil Code art. 1195 (content of a valid notice)"),
]


def ground_reference_in_language(reference: str) -> str:
    return gettext(reference) if reference else ""


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _redress(decision) -> str:
    return redress_in_language(on_appeal=decision.appeal_id is not None)


def redress_in_language(*, on_appeal: bool) -> str:
    """The redress a decision records (services.redress_text), in the active language."""
    return policy.redress_words(on_appeal=on_appeal, months=settings.TAKEDOWN_APPEAL_WINDOW_MONTHS)


def _withheld(text: str, notice) -> str:
    """Free text forwarded to the uploader, without the complainant's name and contact details
    (nor any e-mail address, phone or identity number) unless the policy forwards them."""
    if settings.TAKEDOWN_FORWARD_COMPLAINANT_CONTACT:
        return text
    from .personal_data import scrub
    from .transparency import notifier_parties

    return scrub(text, notifier_parties(notice))


def statement_for_uploader(decision) -> str:
    """The statement of reasons as the uploader is sent it, in the active language."""
    scope = ", ".join(decision.territorial_scope) or gettext("everywhere")
    if decision.ends_on:
        duration = gettext("until %(date)s") % {"date": _date(decision.ends_on)}
    else:
        duration = gettext("indefinitely")
    return gettext(
        "Ground: %(ground)s\n"
        "Facts and reasons: %(reasons)s\n"
        "Scope: %(scope)s; duration: %(duration)s.\n"
        "Detected through a notice from the person shown, not by automated means; decided by a "
        "person, not by automated means.\n"
        "Redress: %(redress)s"
    ) % {
        "ground": ground_reference_in_language(decision.ground_reference),
        "reasons": _withheld(decision.reasons, decision.case.notice),
        "scope": scope,
        "duration": duration,
        "redress": _redress(decision),
    }


def _forwarded_notice(notice) -> str:
    """The notice as forwarded to the uploader (Civil Code art. 1195): what is alleged, and
    who alleges it only if the policy allows."""
    if settings.TAKEDOWN_FORWARD_COMPLAINANT_CONTACT:
        who = f"{notice.notifier_name} <{notice.notifier_email}>"
    else:
        who = gettext("the person shown (contact details withheld)")
    return gettext(
        "Notice %(reference)s from %(who)s, received %(date)s:\n%(use)s. %(description)s"
    ) % {
        "reference": notice.reference,
        "who": who,
        "date": _date(notice.received_at),
        "use": USE_TYPE_LABELS.get(notice.use_type, notice.get_use_type_display()),
        "description": _withheld(notice.description, notice),
    }


def _uploader_message(measure: PlatformMeasure, access: UploaderAccess) -> tuple[str, str]:
    """The subject and body sent to the uploader, in the platform's language."""
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        return _uploader_message_text(measure, access)


def _uploader_message_text(measure: PlatformMeasure, access: UploaderAccess) -> tuple[str, str]:
    link = settings.TAKEDOWN_SITE_URL + access.respond_path()
    if measure.measure == RESTORE:
        return str(RESTORED_SUBJECT), gettext(
            "Your content %(url)s was restored (case %(reference)s). The case history is at "
            "your private link:\n%(link)s\n"
        ) % {"url": measure.item.url, "reference": measure.case.reference, "link": link}
    decision = measure.decision
    return str(RESTRICTED_SUBJECT), gettext(
        "Your content %(url)s was acted on (%(measure)s) after a notice by the person shown in "
        "it (case %(reference)s).\n\n"
        "%(notice)s\n\n"
        "Statement of reasons:\n%(statement)s\n\n"
        "If your use is lawful you may send a counter-notice with preliminary evidence and your "
        "real identity; it is forwarded to the complainant, and unless they show within the "
        "waiting period (currently %(period)s) that they complained to the authorities or "
        "went to court, your content is restored. You may also appeal the decision. Both are "
        "at your private link (do not share it):\n%(link)s\n"
    ) % {
        "url": measure.item.url,
        "measure": MEASURE_LABELS.get(measure.measure, measure.get_measure_display()),
        "reference": measure.case.reference,
        "notice": _forwarded_notice(measure.case.notice),
        "statement": statement_for_uploader(decision),
        "period": policy.waiting_period_words(
            policy=settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
            days=settings.TAKEDOWN_COUNTER_NOTICE_DAYS,
            business_days=settings.TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS,
        ),
        "link": link,
    }


def uploader_access_for(case: Case, item) -> UploaderAccess:
    """The uploader's private link to the case, created the first time they are told."""
    uploader_id = item.uploader_id or f"content:{item.content_id}"
    access = UploaderAccess.objects.filter(case=case, uploader_id=uploader_id).first()
    if access is not None:
        return access
    nonce = secrets.token_hex(32)
    try:
        with transaction.atomic():
            return UploaderAccess.objects.create(
                case=case,
                uploader_id=uploader_id,
                uploader_name=item.uploader_name,
                nonce=nonce,
                token_hash=UploaderAccess.hash_token(UploaderAccess.token_for_nonce(nonce)),
            )
    except IntegrityError:
        return UploaderAccess.objects.get(case=case, uploader_id=uploader_id)


def measure_execute(*, measure_id: int) -> PlatformMeasure:
    """Apply one measure, or the restore that lifts one. Safe to run twice: an applied row is
    left alone, and the platform receives the same idempotency key on every attempt so it
    acts at most once."""
    from . import standing

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
    if measure.measure == RESTORE:
        result = adapter.restore(measure.item.content_id, idempotency_key=measure.idempotency_key)
    else:
        result = adapter.apply_measure(
            measure.item.content_id,
            measure.measure,
            idempotency_key=measure.idempotency_key,
            territorial_scope=measure.decision.territorial_scope if measure.decision_id else (),
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
        restored = measure.measure == RESTORE
        log_append(
            case=case,
            actor=Actor.system(),
            action="content_restored" if restored else "measure_applied",
            from_state=case.state,
            details={
                "measure_id": measure.pk,
                "item_id": measure.item_id,
                "content_id": measure.item.content_id,
                "url": measure.item.url,
                "measure": measure.measure,
                "lifts": measure.lifts_id,
                "idempotency_key": measure.idempotency_key,
                "platform_response": result.response,
            },
            public_summary=(
                f"{measure.item.url} was restored on the platform."
                if restored
                else f"{measure.get_measure_display()} applied to {measure.item.url}."
            ),
        )
        if restored:
            ReportedItem.objects.filter(pk=measure.item_id).update(
                outcome=ReportedItem.Outcome.RESTORED
            )
            signals.measure_lifted.send(sender=PlatformMeasure, measure=measure.lifts)
            # Restored by a later decision (a review of the dispute lifting the measure), not
            # by the measure's own end or the counter-notice period: the finding was reversed.
            if measure.decision_id and measure.decision_id != measure.lifts.decision_id:
                standing.reconsider_uploader(case=case, uploader_id=measure.item.uploader_id)
        else:
            signals.measure_applied.send(sender=PlatformMeasure, measure=measure)
            standing.review_uploader(case=case, item=measure.item)
        enqueue_on_commit(tasks.notify_uploader, measure.pk)
    return measure


def measure_notify_uploader(*, measure_id: int) -> None:
    """Forward the notice and the statement of reasons to the uploader through the platform
    (Civil Code art. 1195, DSA art. 17), with their private link; or tell them of a restore."""
    measure = PlatformMeasure.objects.select_related("item", "case__notice", "decision").get(
        pk=measure_id
    )
    if measure.uploader_notified_at is not None:
        return
    access = uploader_access_for(measure.case, measure.item)
    subject, body = _uploader_message(measure, access)
    result = get_adapter().notify_uploader(measure.item.content_id, subject=subject, body=body)
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
                    "measure": measure.measure,
                    "content_id": measure.item.content_id,
                    "url": measure.item.url,
                    "uploader_access_id": access.pk,
                    "subject": subject,
                    "platform_response": result.response,
                },
                public_summary=(
                    gettext_noop("The uploader was told their content was restored.")
                    if measure.measure == RESTORE
                    else gettext_noop(
                        "The uploader was sent your notice (without your contact details) and "
                        "the reasons for the measure."
                    )
                ),
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

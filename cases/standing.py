"""Repeat actors: uploaders with repeated upheld cases, and notifiers who keep sending
manifestly unfounded notices (DSA art. 23). Called inside the transaction that records the
measure or the decision, under that case's row lock."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from notices.mail import send_on_commit
from notices.models import Notice, NotifierSanction, ReportedItem
from takedown.enqueue import enqueue_on_commit

from .actionlog import log_append
from .models import RESTORE, Case, Decision, RepeatInfringer
from .roles import Actor


def _upheld_items(uploader_id: str):
    """The uploader's items upheld and not reversed. Content restored for another reason (a
    temporary measure that ended, the waiting period after a counter-notice) was still found
    unlawful and counts; content restored by a later decision (an appeal, a review of the
    dispute) does not."""
    from .models import PlatformMeasure

    reversed_by_a_decision = PlatformMeasure.objects.filter(
        item=OuterRef("pk"), measure=RESTORE, decision__isnull=False
    ).exclude(decision=F("lifts__decision"))
    return ReportedItem.objects.filter(
        uploader_id=uploader_id,
        outcome__in=[ReportedItem.Outcome.UPHELD, ReportedItem.Outcome.RESTORED],
    ).exclude(Exists(reversed_by_a_decision))


def upheld_case_count(uploader_id: str, since) -> int:
    """Notices received since ``since`` upheld against the uploader and not reversed."""
    upheld = _upheld_items(uploader_id).filter(notice__received_at__gte=since)
    return upheld.values("notice_id").distinct().count()


def _window_start():
    return timezone.now() - timedelta(days=settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS)


def standing_flag(uploader_id: str):
    return RepeatInfringer.objects.filter(uploader_id=uploader_id, cleared_at__isnull=True)


def review_uploader(*, case: Case, item: ReportedItem) -> RepeatInfringer | None:
    """After a measure on ``item`` was applied: flag the uploader once they reach the policy's
    number of upheld cases in the window. If the policy asks for an account measure it is due
    at once, or, with a prior warning (DSA art. 23(1)), the warning is due now and the measure
    once a notice received after the warning is upheld too. A flag whose cases have left the
    window lapses, and counting starts over."""
    from . import tasks

    if not item.uploader_id:
        return None
    flag = standing_flag(item.uploader_id).select_for_update().first()
    count = upheld_case_count(item.uploader_id, _window_start())
    if flag is not None and count < settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD:
        _clear(flag, case, RepeatInfringer.ClearedBecause.LAPSED, count)
        flag = None
    if flag is not None:
        measure = settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE
        if measure and flag.account_measure_due_at is None and _upheld_since_warning(flag):
            flag.account_measure_due_at = timezone.now()
            flag.measure_due_in = case
            flag.save(update_fields=["account_measure_due_at", "measure_due_in"])
            _log_flag(case, flag, "repeat_infringer_measure_due", measure=measure)
            enqueue_on_commit(tasks.apply_account_measure, flag.pk, flag.flagged_in_id)
        return None
    if count < settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD:
        return None
    return _raise_flag(case, item.uploader_id, item.uploader_name, count)


def _upheld_since_warning(flag: RepeatInfringer) -> bool:
    """A notice received after the warning was delivered has been upheld: the uploader went on
    after being warned (a notice from before it, decided later, is not new conduct)."""
    if flag.warned_at is None:
        return False
    return _upheld_items(flag.uploader_id).filter(notice__received_at__gt=flag.warned_at).exists()


def _raise_flag(case: Case, uploader_id: str, uploader_name: str, count: int) -> RepeatInfringer:
    from . import tasks

    now = timezone.now()
    measure = settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE
    warn_first = bool(measure) and settings.TAKEDOWN_REPEAT_INFRINGER_WARN_FIRST
    flag = RepeatInfringer.objects.create(
        uploader_id=uploader_id,
        uploader_name=uploader_name,
        upheld_cases=count,
        flagged_at=now,
        flagged_in=case,
        warning_due_at=now if warn_first else None,
        account_measure_due_at=now if measure and not warn_first else None,
        measure_due_in=case if measure and not warn_first else None,
    )
    _log_flag(
        case,
        flag,
        "repeat_infringer_flagged",
        upheld_cases=count,
        window_days=settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS,
        account_measure=measure,
        warning_first=warn_first,
    )
    if warn_first:
        enqueue_on_commit(tasks.warn_repeat_infringer, flag.pk, case.pk)
    elif measure:
        enqueue_on_commit(tasks.apply_account_measure, flag.pk, case.pk)
    return flag


def _log_flag(case: Case, flag: RepeatInfringer, action: str, **details) -> None:
    log_append(
        case=case,
        actor=Actor.system(),
        action=action,
        from_state=case.state,
        details={"uploader_id": flag.uploader_id, "flag_id": flag.pk, **details},
    )


def _clear(flag: RepeatInfringer, case: Case, because: str, count: int) -> None:
    """Close the flag and have any account measure lifted through the platform after commit;
    a measure still on its way is lifted by the task that applies it, once it sees the flag
    cleared (both lock the flag's row)."""
    from . import tasks

    flag.cleared_at = timezone.now()
    flag.cleared_in = case
    flag.cleared_because = because
    flag.save(update_fields=["cleared_at", "cleared_in", "cleared_because"])
    _log_flag(
        case,
        flag,
        "repeat_infringer_cleared",
        because=because,
        upheld_cases=count,
        threshold=settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD,
        window_days=settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS,
        account_measure=flag.account_measure,
    )
    if flag.account_measure_at is not None:
        enqueue_on_commit(tasks.lift_account_measure, flag.pk, case.pk)


def reconsider_uploader(*, case: Case, uploader_id: str) -> RepeatInfringer | None:
    """After a decision reversed one against the uploader: clear the flag if they no longer
    meet the policy, or if the account measure is gone from under it (the one upheld notice
    after the warning was reversed), and lift the measure. If they still reach the threshold,
    a new flag starts over with a warning."""
    if not uploader_id:
        return None
    flag = standing_flag(uploader_id).select_for_update().first()
    if flag is None:
        return None
    count = upheld_case_count(uploader_id, _window_start())
    below = count < settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD
    trigger_gone = flag.account_measure_due_at is not None and (
        flag.warned_at is not None and not _upheld_since_warning(flag)
    )
    if not below and not trigger_gone:
        return None
    _clear(flag, case, RepeatInfringer.ClearedBecause.REVERSED, count)
    if not below:
        _raise_flag(case, uploader_id, flag.uploader_name, count)
    return flag


def unfounded_count(email: str, since) -> int:
    return (
        Decision.objects.filter(
            case__notice__notifier_email__iexact=email,
            outcome=Decision.Outcome.REJECT,
            manifestly_unfounded=True,
            decided_at__gte=since,
        )
        # An appeal that overturned the rejection takes it out of the count.
        .exclude(replaced_by__appeal__isnull=False)
        .count()
    )


def active_suspension(email: str, now=None) -> NotifierSanction | None:
    now = now or timezone.now()
    return NotifierSanction.objects.filter(
        notifier_email__iexact=email,
        kind=NotifierSanction.Kind.SUSPENSION,
        starts_at__lte=now,
        ends_at__gt=now,
    ).first()


def review_notifier(*, case: Case, decision: Decision) -> NotifierSanction | None:
    """After a rejection marked manifestly unfounded: warn the notifier at the first
    threshold, suspend them at the second, once warned (DSA art. 23(1) and (3))."""
    notice: Notice = case.notice
    email = notice.notifier_email
    now = timezone.now()
    since = now - timedelta(days=settings.TAKEDOWN_UNFOUNDED_WINDOW_DAYS)
    # This decision is not committed yet, but the query runs in its transaction and sees it.
    count = unfounded_count(email, since)
    sanctions = NotifierSanction.objects.filter(notifier_email__iexact=email, starts_at__gte=since)
    warned = sanctions.filter(kind=NotifierSanction.Kind.WARNING).exists()
    if active_suspension(email, now) is not None:
        return None
    if warned and count >= settings.TAKEDOWN_UNFOUNDED_SUSPEND_AFTER:
        kind = NotifierSanction.Kind.SUSPENSION
        ends_at = now + timedelta(days=settings.TAKEDOWN_NOTIFIER_SUSPENSION_DAYS)
        reasons = (
            f"{count} of your notices in the last {settings.TAKEDOWN_UNFOUNDED_WINDOW_DAYS} days "
            "were rejected as manifestly unfounded after a prior warning. Notices from this "
            f"address will not be processed until {ends_at:%Y-%m-%d}."
        )
    elif not warned and count >= settings.TAKEDOWN_UNFOUNDED_WARNING_AFTER:
        kind, ends_at = NotifierSanction.Kind.WARNING, None
        reasons = (
            f"{count} of your notices in the last {settings.TAKEDOWN_UNFOUNDED_WINDOW_DAYS} days "
            "were rejected as manifestly unfounded. If this continues, notices from this "
            "address will not be processed for "
            f"{settings.TAKEDOWN_NOTIFIER_SUSPENSION_DAYS} days."
        )
    else:
        return None
    sanction = NotifierSanction.objects.create(
        notifier_email=email.lower(),
        kind=kind,
        unfounded_count=count,
        reasons=reasons,
        starts_at=now,
        ends_at=ends_at,
        notice=notice,
    )
    log_append(
        case=case,
        actor=Actor.system(),
        action=f"notifier_{'suspended' if ends_at else 'warned'}",
        from_state=case.state,
        reasons=reasons,
        details={"sanction_id": sanction.pk, "unfounded_count": count},
        public_summary=(
            gettext_noop("You were warned about manifestly unfounded notices.")
            if ends_at is None
            else gettext_noop("Processing of your notices was suspended.")
        ),
    )
    send_on_commit(
        template="notifier_sanction",
        to=email,
        context={
            "notice": notice,
            "sanction": sanction,
            "window_days": settings.TAKEDOWN_UNFOUNDED_WINDOW_DAYS,
            "suspension_days": settings.TAKEDOWN_NOTIFIER_SUSPENSION_DAYS,
        },
        notice=notice,
    )
    return sanction

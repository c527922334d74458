"""Account measures on repeat infringers, through the platform: applying the policy's measure
once an uploader is flagged, lifting it when a reversal clears the flag, and telling the uploader
each time with reasons (DSA art. 17). The same measure is reported to the EU Transparency
Database by `cases.transparency`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from takedown.enqueue import enqueue_on_commit, send_task

from .actionlog import log_append
from .models import Case, RepeatInfringer
from .platforms import PlatformError, get_adapter
from .roles import Actor

ACCOUNT_MEASURE_LABELS = {
    "suspend": pgettext_lazy("account measure", "suspended"),
    "terminate": pgettext_lazy("account measure", "closed"),
}


def _duration(flag: RepeatInfringer) -> str:
    if flag.account_measure_ends_at is None:
        return gettext("no end date")
    return gettext("until %(date)s") % {"date": _date(flag.account_measure_ends_at)}


def _trigger(flag: RepeatInfringer) -> str:
    if flag.warned_at is None:
        return gettext("once the threshold was reached")
    return gettext(
        "at the next decision against your content after the warning sent on %(date)s"
    ) % {"date": _date(flag.warned_at)}


def account_measure_message(infringer: RepeatInfringer) -> tuple[str, str]:
    """The subject and body sent to the uploader, in the platform's language."""
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        measure = infringer.account_measure
        done = str(ACCOUNT_MEASURE_LABELS.get(measure, measure))
        reference = settings.TAKEDOWN_REPEAT_INFRINGER_GROUND.get("reference", "")
        subject = gettext("Your account was %(measure)s under the repeat-infringer policy") % {
            "measure": done
        }
        body = gettext(
            "Your account %(account)s was %(measure)s on %(date)s.\n\n"
            "Statement of reasons:\n"
            "Ground: %(ground)s\n"
            "Facts: notices that your content used a person's portrait unlawfully were upheld "
            "in %(count)s cases within %(days)s days, which is the threshold of the platform's "
            "repeat-infringer policy.\n"
            "Scope: everywhere; duration: %(duration)s.\n"
            "Each of those decisions was taken by a person; the account measure followed "
            "automatically, by automated means, %(trigger)s.\n"
            "Redress: each decision on your content can still be appealed at the private link "
            "sent with it. You may also refer this measure to a certified out-of-court dispute "
            "settlement body, or go to court."
        ) % {
            "account": infringer.uploader_id,
            "measure": done,
            "date": _date(infringer.account_measure_at),
            "ground": gettext(reference) if reference else "",
            "count": infringer.upheld_cases,
            "days": settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS,
            "duration": _duration(infringer),
            "trigger": _trigger(infringer),
        }
    return subject, body


def warning_message(flag: RepeatInfringer) -> tuple[str, str]:
    """The prior warning (DSA art. 23(1)), in the platform's language."""
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        measure = settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE
        days = settings.TAKEDOWN_REPEAT_INFRINGER_SUSPENSION_DAYS
        consequence = str(ACCOUNT_MEASURE_LABELS.get(measure, measure))
        if days and measure != "terminate":
            consequence = gettext("%(measure)s for %(days)s days") % {
                "measure": consequence,
                "days": days,
            }
        subject = gettext("Warning: repeated portrait-right notices against your content")
        body = gettext(
            "Notices that your content used a person's portrait unlawfully were upheld in "
            "%(count)s cases within %(days)s days, which is the threshold of the platform's "
            "repeat-infringer policy. This is a warning: if another decision against your "
            "content follows, your account %(account)s will be %(consequence)s.\n\n"
            "Each of those decisions can still be appealed at the private link sent with it; "
            "a decision reversed on appeal no longer counts."
        ) % {
            "count": flag.upheld_cases,
            "days": settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS,
            "account": flag.uploader_id,
            "consequence": consequence,
        }
    return subject, body


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def apply_account_measure(*, infringer_id: int, case_id: int) -> None:
    """Ask the platform for the policy's account measure on a flagged repeat infringer. A
    refusal for good (the platform offers no such measure) is recorded and logged; the flag
    stays either way."""
    from . import tasks

    flag = RepeatInfringer.objects.get(pk=infringer_id)
    if flag.account_measure_at or flag.account_measure_refused_at or flag.cleared_at:
        return
    measure = settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE
    try:
        result = get_adapter().restrict_account(
            flag.uploader_id, measure, idempotency_key=f"td-account-{flag.pk}-{measure}"
        )
    except PlatformError as error:
        _record_refusal(
            error,
            case_id,
            flag,
            "account_measure_refused",
            account_measure_refused_at=timezone.now(),
            account_measure_response={"error": str(error), **error.response},
        )
        return
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        flag = RepeatInfringer.objects.select_for_update().get(pk=flag.pk)
        if flag.account_measure_at is not None:
            return  # an overlapping run recorded it first (the platform saw the same key)
        flag.account_measure = measure
        flag.account_measure_at = timezone.now()
        flag.account_measure_response = result.response
        days = settings.TAKEDOWN_REPEAT_INFRINGER_SUSPENSION_DAYS
        if days and measure != "terminate":
            flag.account_measure_ends_at = flag.account_measure_at + timedelta(days=days)
        flag.save(
            update_fields=[
                "account_measure",
                "account_measure_at",
                "account_measure_response",
                "account_measure_ends_at",
            ]
        )
        _log(case, "account_measure_applied", flag, measure, {"platform_response": result.response})
        # The uploader gets the statement of reasons for it (DSA art. 17).
        enqueue_on_commit(tasks.notify_account_measure, flag.pk, case_id)
        # A reversal cleared the flag while the platform was applying the measure: lift it.
        if flag.cleared_at is not None:
            enqueue_on_commit(tasks.lift_account_measure, flag.pk, flag.cleared_in_id)


def lift_account_measure(*, infringer_id: int, case_id: int) -> None:
    """Lift the account measure of a flag that a reversal or the end of its period cleared,
    through the platform."""
    from . import tasks

    flag = RepeatInfringer.objects.get(pk=infringer_id)
    if flag.account_measure_at is None or flag.account_measure_lifted_at is not None:
        return
    try:
        result = get_adapter().lift_account_measure(
            flag.uploader_id, flag.account_measure, idempotency_key=f"td-account-{flag.pk}-lift"
        )
    except PlatformError as error:
        # Staff must lift it on the platform by hand: the log and the admin say so.
        _record_refusal(
            error,
            case_id,
            flag,
            "account_measure_lift_refused",
            account_measure_lift_response={"error": str(error), **error.response},
        )
        return
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        updated = RepeatInfringer.objects.filter(
            pk=flag.pk, account_measure_lifted_at__isnull=True
        ).update(
            account_measure_lifted_at=timezone.now(), account_measure_lift_response=result.response
        )
        if updated:
            _log(
                case,
                "account_measure_lifted",
                flag,
                flag.account_measure,
                {"platform_response": result.response},
            )
            enqueue_on_commit(tasks.notify_account_measure, flag.pk, case_id)


def requeue_stalled_account_work(stalled, now) -> int:
    """Send again the account work a lost task or a broker outage left behind: warnings to
    give, measures to apply or lift and uploaders to tell. Returns how many tasks were sent."""
    from . import tasks

    # The latest thing that happened to the flag (flagged_at stands in for what has not).
    last_step = Greatest(
        *(
            Coalesce(name, "flagged_at")
            for name in (
                "swept_at",
                "warning_due_at",
                "account_measure_due_at",
                "account_measure_at",
                "cleared_at",
                "account_measure_lifted_at",
            )
        )
    )
    due = RepeatInfringer.objects.annotate(last_step=last_step).filter(
        last_step__lt=stalled, flagged_in__isnull=False
    )
    standing = due.filter(cleared_at__isnull=True)
    work = [
        (tasks.warn_repeat_infringer, f.pk, f.flagged_in_id)
        for f in standing.filter(warning_due_at__isnull=False, warned_at=None)
    ]
    to_apply = standing.filter(
        account_measure_due_at__isnull=False,
        account_measure_at=None,
        account_measure_refused_at=None,
    )
    work += [(tasks.apply_account_measure, f.pk, f.flagged_in_id) for f in to_apply]
    to_lift = due.filter(
        cleared_in__isnull=False, account_measure_at__isnull=False, account_measure_lifted_at=None
    ).exclude(account_measure_lift_response__has_key="error")
    work += [(tasks.lift_account_measure, f.pk, f.cleared_in_id) for f in to_lift]
    applied_untold = due.filter(
        account_measure_at__isnull=False, account_measure_lifted_at=None, uploader_notified_at=None
    )
    work += [(tasks.notify_account_measure, f.pk, f.flagged_in_id) for f in applied_untold]
    lifted_untold = due.filter(
        cleared_in__isnull=False,
        account_measure_lifted_at__isnull=False,
        uploader_told_lifted_at=None,
    )
    work += [(tasks.notify_account_measure, f.pk, f.cleared_in_id) for f in lifted_untold]
    sent = 0
    for task, flag_id, case_id in work:
        if send_task(task, flag_id, case_id):
            sent += 1
            RepeatInfringer.objects.filter(pk=flag_id).update(swept_at=now)
    return sent


def end_account_measures_due(now) -> int:
    """Lift the suspensions whose period ended (the deadline job): the flag closes with them,
    so that reaching the threshold again starts over with a warning."""
    from . import tasks

    ended = 0
    due = RepeatInfringer.objects.filter(
        cleared_at=None,
        flagged_in__isnull=False,
        account_measure_lifted_at=None,
        account_measure_ends_at__lte=now,
    )
    for flag_id, case_id in list(due.values_list("pk", "flagged_in_id")):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            flag = RepeatInfringer.objects.select_for_update().get(pk=flag_id)
            if flag.cleared_at is not None:
                continue  # a reversal cleared it meanwhile
            flag.cleared_at, flag.cleared_in = now, case
            flag.cleared_because = RepeatInfringer.ClearedBecause.PERIOD_ENDED
            flag.save(update_fields=["cleared_at", "cleared_in", "cleared_because"])
            _log(
                case,
                "account_measure_period_ended",
                flag,
                flag.account_measure,
                {"ended_at": flag.account_measure_ends_at.isoformat()},
            )
            enqueue_on_commit(tasks.lift_account_measure, flag.pk, case.pk)
            ended += 1
    return ended


def _record_refusal(
    error: PlatformError, case_id: int, flag: RepeatInfringer, action: str, **fields
) -> None:
    """A refusal for good is recorded on the flag and logged, not asked again; a transient
    error goes back to the task to retry."""
    if error.transient:
        raise error
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        RepeatInfringer.objects.filter(pk=flag.pk).update(**fields)
        measure = flag.account_measure or settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE
        _log(case, action, flag, measure, {"error": str(error)})


def _log(case: Case, action: str, flag: RepeatInfringer, measure: str, details: dict) -> None:
    log_append(
        case=case,
        actor=Actor.system(),
        action=action,
        from_state=case.state,
        details={"uploader_id": flag.uploader_id, "measure": measure, **details},
    )


def account_lifted_message(flag: RepeatInfringer) -> tuple[str, str]:
    """The subject and body telling the uploader the account measure is lifted, and why."""
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        values = {
            "account": flag.uploader_id,
            "date": _date(flag.account_measure_at),
            "lifted": _date(flag.account_measure_lifted_at),
        }
        if flag.cleared_because == RepeatInfringer.ClearedBecause.PERIOD_ENDED:
            subject = gettext("The suspension of your account has ended")
            body = gettext(
                "The restriction placed on your account %(account)s on %(date)s under the "
                "repeat-infringer policy ended on %(lifted)s, at the end of its period."
            )
        else:
            subject = gettext("The restriction on your account was lifted")
            body = gettext(
                "The restriction placed on your account %(account)s on %(date)s under the "
                "repeat-infringer policy was lifted on %(lifted)s: a decision that counted "
                "towards the policy's threshold was reversed, and your account no longer "
                "reaches it."
            )
    return subject, body % values


def warn_repeat_infringer(*, infringer_id: int, case_id: int) -> None:
    """Give a flagged uploader the prior warning, through the platform, once."""
    flag = RepeatInfringer.objects.get(pk=infringer_id)
    if flag.warned_at is not None or flag.cleared_at is not None:
        return
    subject, body = warning_message(flag)
    _tell_uploader(flag, case_id, "warned_at", "repeat_infringer_warned", subject, body)


def account_measure_notify_uploader(*, infringer_id: int, case_id: int) -> None:
    """Tell the uploader, once each, that the account measure was applied (with its statement
    of reasons) and, later, that it was lifted."""
    flag = RepeatInfringer.objects.get(pk=infringer_id)
    if flag.account_measure_lifted_at is not None:
        if flag.uploader_told_lifted_at is not None:
            return
        marker, action = "uploader_told_lifted_at", "uploader_told_account_measure_lifted"
        subject, body = account_lifted_message(flag)
    elif flag.account_measure_at is not None and flag.uploader_notified_at is None:
        marker, action = "uploader_notified_at", "uploader_told_account_measure"
        subject, body = account_measure_message(flag)
    else:
        return
    _tell_uploader(flag, case_id, marker, action, subject, body)


def _tell_uploader(
    flag: RepeatInfringer, case_id: int, marker: str, action: str, subject: str, body: str
) -> None:
    """Send a message through the platform and stamp ``marker`` once it is delivered. The
    platform's messages go with a piece of content: the uploader's item in the case."""
    case = Case.objects.select_related("notice").get(pk=case_id)
    item = case.notice.items.filter(uploader_id=flag.uploader_id).order_by("pk").first()
    if item is None:
        return
    result = get_adapter().notify_uploader(item.content_id, subject=subject, body=body)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        updated = RepeatInfringer.objects.filter(pk=flag.pk, **{f"{marker}__isnull": True}).update(
            **{marker: timezone.now()}
        )
        if updated:
            _log(
                case,
                action,
                flag,
                flag.account_measure or settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE,
                {
                    "content_id": item.content_id,
                    "subject": subject,
                    "platform_response": result.response,
                },
            )

"""Account measures on repeat infringers, through the platform: applying the policy's measure
once an uploader is flagged, lifting it when a reversal clears the flag, and telling the uploader
each time with reasons (DSA art. 17). The same measure is reported to the EU Transparency
Database by `cases.transparency`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
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
            "Scope: everywhere; duration: no end date.\n"
            "Each of those decisions was taken by a person; the account measure followed "
            "automatically, by automated means, once the threshold was reached.\n"
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
        if error.transient:
            raise
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            RepeatInfringer.objects.filter(pk=flag.pk).update(
                account_measure_refused_at=timezone.now(),
                account_measure_response={"error": str(error), **error.response},
            )
            _log(case, "account_measure_refused", flag, measure, {"error": str(error)})
        return
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        flag = RepeatInfringer.objects.select_for_update().get(pk=flag.pk)
        flag.account_measure = measure
        flag.account_measure_at = timezone.now()
        flag.account_measure_response = result.response
        flag.save(
            update_fields=["account_measure", "account_measure_at", "account_measure_response"]
        )
        _log(case, "account_measure_applied", flag, measure, {"platform_response": result.response})
        # The uploader gets the statement of reasons for it (DSA art. 17).
        enqueue_on_commit(tasks.notify_account_measure, flag.pk, case_id)
        # A reversal cleared the flag while the platform was applying the measure: lift it.
        if flag.cleared_at is not None:
            enqueue_on_commit(tasks.lift_account_measure, flag.pk, flag.cleared_in_id)


def lift_account_measure(*, infringer_id: int, case_id: int) -> None:
    """Lift the account measure of a flag that a reversal cleared, through the platform."""
    from . import tasks

    flag = RepeatInfringer.objects.get(pk=infringer_id)
    if flag.account_measure_at is None or flag.account_measure_lifted_at is not None:
        return
    try:
        result = get_adapter().lift_account_measure(
            flag.uploader_id, flag.account_measure, idempotency_key=f"td-account-{flag.pk}-lift"
        )
    except PlatformError as error:
        if error.transient:
            raise
        # Staff must lift it on the platform by hand: the log and the admin say so.
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            RepeatInfringer.objects.filter(pk=flag.pk).update(
                account_measure_lift_response={"error": str(error), **error.response}
            )
            _log(
                case,
                "account_measure_lift_refused",
                flag,
                flag.account_measure,
                {"error": str(error)},
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
    """Send again the account work a lost task or a broker outage left behind: measures to
    apply or lift and uploaders to tell. Returns how many tasks were sent."""
    from . import tasks

    due = RepeatInfringer.objects.annotate(
        last_sent=Coalesce("swept_at", "cleared_at", "flagged_at")
    ).filter(last_sent__lt=stalled)
    work = []
    if settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE:
        to_apply = due.filter(
            flagged_in__isnull=False,
            account_measure_at__isnull=True,
            account_measure_refused_at__isnull=True,
            cleared_at__isnull=True,
        )
        work += [(tasks.apply_account_measure, f.pk, f.flagged_in_id) for f in to_apply]
    to_lift = due.filter(
        cleared_in__isnull=False, account_measure_at__isnull=False, account_measure_lifted_at=None
    ).exclude(account_measure_lift_response__has_key="error")
    work += [(tasks.lift_account_measure, f.pk, f.cleared_in_id) for f in to_lift]
    applied_untold = due.filter(
        flagged_in__isnull=False,
        account_measure_at__isnull=False,
        account_measure_lifted_at=None,
        uploader_notified_at=None,
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


def _log(case: Case, action: str, flag: RepeatInfringer, measure: str, details: dict) -> None:
    log_append(
        case=case,
        actor=Actor.system(),
        action=action,
        from_state=case.state,
        details={"uploader_id": flag.uploader_id, "measure": measure, **details},
    )


def account_lifted_message(flag: RepeatInfringer) -> tuple[str, str]:
    """The subject and body telling the uploader the account measure is lifted."""
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        subject = gettext("The restriction on your account was lifted")
        body = gettext(
            "The restriction placed on your account %(account)s on %(date)s under the "
            "repeat-infringer policy was lifted on %(lifted)s: a decision that counted towards "
            "the policy's threshold was reversed, and your account no longer reaches it."
        ) % {
            "account": flag.uploader_id,
            "date": _date(flag.account_measure_at),
            "lifted": _date(flag.account_measure_lifted_at),
        }
    return subject, body


def account_measure_notify_uploader(*, infringer_id: int, case_id: int) -> None:
    """Tell the uploader, once each, that the account measure was applied (with its statement
    of reasons) and, later, that it was lifted. The platform's messages go with a piece of
    content: the uploader's item in the case that flagged them or cleared the flag."""
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
                flag.account_measure,
                {
                    "content_id": item.content_id,
                    "subject": subject,
                    "platform_response": result.response,
                },
            )

"""The statement of reasons for an account measure on a repeat infringer (DSA art. 17), sent to
the uploader through the platform once the measure is applied. The same measure is reported to
the EU Transparency Database by `cases.transparency`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from .actionlog import log_append
from .models import Case, RepeatInfringer
from .platforms import get_adapter
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


def account_measure_notify_uploader(*, infringer_id: int, case_id: int) -> None:
    """Send the statement of reasons for the account measure to the uploader, once. The
    platform's messages go with a piece of content: the uploader's item in the case that
    reached the threshold."""
    infringer = RepeatInfringer.objects.get(pk=infringer_id)
    if infringer.account_measure_at is None or infringer.uploader_notified_at is not None:
        return
    case = Case.objects.select_related("notice").get(pk=case_id)
    item = case.notice.items.filter(uploader_id=infringer.uploader_id).order_by("pk").first()
    if item is None:
        return
    subject, body = account_measure_message(infringer)
    result = get_adapter().notify_uploader(item.content_id, subject=subject, body=body)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        updated = RepeatInfringer.objects.filter(
            pk=infringer.pk, uploader_notified_at__isnull=True
        ).update(uploader_notified_at=timezone.now())
        if updated:
            log_append(
                case=case,
                actor=Actor.system(),
                action="uploader_told_account_measure",
                from_state=case.state,
                details={
                    "uploader_id": infringer.uploader_id,
                    "measure": infringer.account_measure,
                    "content_id": item.content_id,
                    "subject": subject,
                    "platform_response": result.response,
                },
            )

"""E-mails to complainants: rendered from one template per message, in the recipient's
language, stored in the outbox in the same transaction as the change they report, and sent by
a task."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from .models import OutboundEmail

logger = logging.getLogger(__name__)


def message_language(notice=None) -> str:
    """The language a message is written in: the complainant's (the notice's, chosen when they
    filed it), else the site's (staff)."""
    language = getattr(notice, "language", "") or settings.LANGUAGE_CODE
    return translation.get_supported_language_variant(language)


def render_message(template: str, context: dict, *, language: str | None = None) -> tuple[str, str]:
    """Render ``emails/<template>.txt`` in ``language`` (the site's by default): the first line
    is the subject, the rest the body; dates take that language's formats.

    Plain text, so nothing is HTML-escaped (an apostrophe stays an apostrophe)."""
    compiled = get_template(f"emails/{template}.txt").template
    with translation.override(language or settings.LANGUAGE_CODE):
        text = compiled.render(
            Context(
                {
                    "site_url": settings.TAKEDOWN_SITE_URL,
                    "appeal_window_months": settings.TAKEDOWN_APPEAL_WINDOW_MONTHS,
                    **context,
                },
                autoescape=False,
            )
        )
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send_on_commit(
    *, template: str, to: str, context: dict, notice=None, language: str | None = None
) -> OutboundEmail:
    """Store the message now, in ``language`` (by default the notice's, else the site's), and
    send it once the transaction commits.

    With the broker down it is sent at once instead; if that fails too, it stays in the outbox
    for the sweeper. Either way the request that caused it succeeds.
    """
    from takedown.enqueue import enqueue_on_commit

    from .tasks import send_message

    subject, body = render_message(template, context, language=language or message_language(notice))
    message = OutboundEmail.objects.create(
        notice=notice, template=template, to=to, subject=subject, body=body
    )
    enqueue_on_commit(
        send_message, message.pk, fallback=lambda: deliver_quietly(message_id=message.pk)
    )
    return message


def deliver(*, message_id: int) -> None:
    """Send one stored message unless it was sent already; errors propagate for retries."""
    message = OutboundEmail.objects.select_related("notice").get(pk=message_id)
    if message.sent_at is not None:
        return
    body = message.body
    if message.notice is not None:
        notice = message.notice
        link = settings.TAKEDOWN_SITE_URL + notice.tracking_path(notice.tracking_token())
        body = body.replace(OutboundEmail.TRACKING_URL_PLACEHOLDER, link)
    OutboundEmail.objects.filter(pk=message_id).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    try:
        send_mail(message.subject, body, settings.DEFAULT_FROM_EMAIL, [message.to])
    except Exception as error:
        OutboundEmail.objects.filter(pk=message_id).update(last_error=str(error)[:500])
        raise
    OutboundEmail.objects.filter(pk=message_id).update(sent_at=timezone.now(), last_error="")


def deliver_quietly(*, message_id: int) -> None:
    try:
        deliver(message_id=message_id)
    except Exception as error:  # noqa: BLE001 - the outbox keeps it for the sweeper
        logger.warning("E-mail %s not sent now, kept for the sweeper: %s", message_id, error)

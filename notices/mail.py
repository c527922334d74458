"""E-mails to complainants, rendered from one template per message and sent by a task."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def render_message(template: str, context: dict) -> tuple[str, str]:
    """Render ``emails/<template>.txt``: the first line is the subject, the rest the body."""
    text = render_to_string(
        f"emails/{template}.txt", {"site_url": settings.TAKEDOWN_SITE_URL, **context}
    )
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send_on_commit(*, template: str, to: str, context: dict) -> None:
    """Queue the message once the surrounding transaction has committed.

    With the broker down the message is sent at once instead, so that it is not lost.
    """
    from takedown.enqueue import enqueue_on_commit

    from .tasks import send_message

    subject, body = render_message(template, context)
    enqueue_on_commit(
        send_message,
        to=to,
        subject=subject,
        body=body,
        fallback=lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to]),
    )

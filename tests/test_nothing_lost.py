"""Work survives outages: verification runs once, a flaky platform is asked again, e-mails wait
in the outbox until they can be sent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.deadlines import requeue_stalled_work
from cases.models import Case
from cases.platforms import PlatformError
from cases.platforms.demo import DemoPlatformAdapter
from cases.verification import case_verify_matches
from notices.models import Notice, OutboundEmail

from .conftest import notice_payload, post_url, posts_by_role


class FetchFailsTwice(DemoPlatformAdapter):
    failures_left = 0

    def fetch_content(self, content_id):
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            raise PlatformError("platform answered 503 on GET /content", transient=True)
        return super().fetch_content(content_id)


@pytest.fixture
def clinic(demo_posts):
    return posts_by_role("clinic")[0]


def file(client, post, **overrides):
    response = client.post(
        "/api/v1/notices/", notice_payload([post_url(post)], **overrides), format="multipart"
    )
    assert response.status_code == 201, response.json()
    return Case.objects.get(notice__reference=response.json()["reference"])


def test_a_verification_sent_twice_is_done_once(anonymous_api, clinic):
    case = file(anonymous_api, clinic)

    case_verify_matches(case_id=case.pk)  # a copy re-sent by the sweeper

    assert case.log.filter(action="match_verified").count() == 1


def test_a_briefly_unavailable_platform_is_asked_again_before_giving_up(
    anonymous_api, clinic, settings
):
    settings.TAKEDOWN_PLATFORM_ADAPTER = "tests.test_nothing_lost.FetchFailsTwice"
    FetchFailsTwice.failures_left = 2

    case = file(anonymous_api, clinic)

    assert case.verdict == "match"
    assert case.notice.items.get().match.verdict == "match"


def test_a_platform_down_past_the_retries_leaves_the_item_unavailable(
    anonymous_api, clinic, settings
):
    settings.TAKEDOWN_PLATFORM_ADAPTER = "tests.test_nothing_lost.FetchFailsTwice"
    settings.TAKEDOWN_MEASURE_MAX_RETRIES = 1
    FetchFailsTwice.failures_left = 10

    case = file(anonymous_api, clinic)

    assert case.verdict == "unavailable"
    assert "did not answer" in case.notice.items.get().match.detail


def test_no_tracking_token_is_ever_stored_in_the_outbox(anonymous_api, clinic):
    case = file(anonymous_api, clinic)
    receipt = OutboundEmail.objects.get(notice=case.notice)

    assert "[[tracking-url]]" in receipt.body
    [sent] = [m for m in mail.outbox if case.notice.reference in m.subject]
    token = sent.body.split("?token=")[1].split()[0]
    assert Notice.hash_token(token) == case.notice.tracking_token_hash
    assert token not in receipt.body


def test_with_broker_and_mail_server_down_the_notice_is_stored_and_mail_sent_later(
    anonymous_api, clinic, settings, monkeypatch
):
    from notices.tasks import send_message

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_message, "apply_async", broker_down)
    settings.EMAIL_BACKEND = "tests.test_nothing_lost.RefusingBackend"

    case = file(anonymous_api, clinic)

    receipt = OutboundEmail.objects.get(notice=case.notice)
    assert receipt.sent_at is None
    assert "refused" in receipt.last_error

    monkeypatch.undo()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    counts = requeue_stalled_work(now=timezone.now() + timedelta(hours=1))

    assert counts["emails"] == 1
    receipt.refresh_from_db()
    assert receipt.sent_at is not None
    assert any(case.notice.reference in m.subject for m in mail.outbox)


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server refused the connection")

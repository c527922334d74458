"""Platform measures: applied exactly once, retried, failed visibly, retried by staff."""

import pytest
from django.urls import reverse

from cases.deadlines import enforce_deadlines, requeue_stalled_work
from cases.measures import measure_execute
from cases.models import Case, PlatformMeasure
from demo_platform.models import Post, PostEvent

from .conftest import api_as, notice_payload, post_url, posts_by_role, web_as
from .flaky_platform import FlakyDemoPlatform


@pytest.fixture
def flaky(settings):
    settings.TAKEDOWN_PLATFORM_ADAPTER = "tests.flaky_platform.FlakyDemoPlatform"
    settings.TAKEDOWN_MEASURE_MAX_RETRIES = 3
    FlakyDemoPlatform.failures_left = 0
    FlakyDemoPlatform.transient = True
    FlakyDemoPlatform.calls = 0
    return FlakyDemoPlatform


@pytest.fixture
def clinic_case(anonymous_api, demo_posts, moderator_a):
    clinic = posts_by_role("clinic")[0]
    body = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    ).json()
    case = Case.objects.get(notice__reference=body["reference"])
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    return case, clinic


def uphold(moderator, case):
    return api_as(moderator).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Her selfie, used as an advert.",
            "measure": "delete",
        },
        format="json",
    )


def test_running_a_measure_twice_applies_it_once(clinic_case, moderator_a, flaky):
    case, clinic = clinic_case
    uphold(moderator_a, case)
    measure = PlatformMeasure.objects.get()

    measure_execute(measure_id=measure.pk)  # a duplicated task

    assert PostEvent.objects.filter(post=clinic).count() == 1
    assert case.log.filter(action="measure_applied").count() == 1


def test_a_worker_dying_after_the_platform_acted_does_not_apply_it_twice(
    clinic_case, moderator_a, django_capture_on_commit_callbacks
):
    """The platform applied the measure, but the worker died before recording it."""
    from cases import services
    from cases.platforms import get_adapter
    from cases.roles import Actor

    case, clinic = clinic_case
    with django_capture_on_commit_callbacks(execute=False):
        services.case_decide(
            case_id=case.pk,
            actor=Actor.staff(moderator_a),
            outcome="uphold",
            ground="portrait_right",
            reasons="Used as an advert.",
            measure="delete",
        )
    measure = PlatformMeasure.objects.get()
    get_adapter().delete(clinic.content_id, idempotency_key=measure.idempotency_key)

    measure_execute(measure_id=measure.pk)  # the task, delivered again

    measure.refresh_from_db()
    assert measure.status == "applied"
    assert measure.platform_response["replayed"] is True
    assert PostEvent.objects.filter(post=clinic).count() == 1
    assert case.log.filter(action="measure_applied").count() == 1


def test_a_transient_failure_is_retried_and_then_succeeds(clinic_case, moderator_a, flaky):
    case, clinic = clinic_case
    flaky.failures_left = 2

    assert uphold(moderator_a, case).status_code == 200

    measure = PlatformMeasure.objects.get()
    assert measure.status == "applied"
    assert measure.attempts == 3
    assert Post.objects.get(pk=clinic.pk).state == "deleted"


def test_after_the_last_retry_the_measure_is_failed_visible_and_retried_by_staff(
    clinic_case, moderator_a, flaky, client
):
    case, clinic = clinic_case
    flaky.failures_left = 100

    assert uphold(moderator_a, case).status_code == 200

    measure = PlatformMeasure.objects.get()
    assert measure.status == "failed"
    assert measure.attempts == 4  # the first try and 3 retries
    assert "503" in measure.error
    assert Post.objects.get(pk=clinic.pk).state == "live"
    assert case.log.filter(action="measure_failed").exists()
    # Visible to staff: the queue API, the dashboard (API and page), the case page.
    queue = api_as(moderator_a).get("/api/v1/cases/").json()["results"]
    assert queue[0]["items"][0]["measures"][0]["status"] == "failed"
    dashboard = api_as(moderator_a).get("/api/v1/dashboard/").json()
    assert dashboard["failed_measures"][0]["id"] == measure.pk
    assert "Retry" in web_as(moderator_a).get(reverse("cases:dashboard")).content.decode()

    flaky.failures_left = 0
    response = api_as(moderator_a).post(f"/api/v1/measures/{measure.pk}/retry/")

    assert response.status_code == 200
    measure.refresh_from_db()
    assert measure.status == "applied"
    assert Post.objects.get(pk=clinic.pk).state == "deleted"
    assert case.log.filter(action="measure_retry", actor_label="moderator_a").exists()
    assert api_as(moderator_a).post(f"/api/v1/measures/{measure.pk}/retry/").status_code == 409


def test_a_permanent_refusal_fails_at_once(clinic_case, moderator_a, flaky):
    case, _ = clinic_case
    flaky.failures_left = 1
    flaky.transient = False

    uphold(moderator_a, case)

    measure = PlatformMeasure.objects.get()
    assert (measure.status, measure.attempts) == ("failed", 1)


def test_the_web_retry_button_sends_the_measure_again(clinic_case, moderator_a, flaky):
    case, clinic = clinic_case
    flaky.failures_left = 100
    uphold(moderator_a, case)
    measure = PlatformMeasure.objects.get()
    flaky.failures_left = 0

    response = web_as(moderator_a).post(
        reverse("cases:measure_retry", args=[measure.pk]), follow=True
    )

    assert "sent to the platform again" in response.content.decode()
    assert Post.objects.get(pk=clinic.pk).state == "deleted"


def test_the_sweeper_enqueues_stalled_measures_and_verifications(
    clinic_case, moderator_a, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    case, clinic = clinic_case
    # The decision's task was lost (say the broker was down): nothing ran.
    with django_capture_on_commit_callbacks(execute=False):
        from cases import services
        from cases.roles import Actor

        services.case_decide(
            case_id=case.pk,
            actor=Actor.staff(moderator_a),
            outcome="uphold",
            ground="portrait_right",
            reasons="Used as an advert.",
            measure="delete",
        )
    measure = PlatformMeasure.objects.get()
    assert measure.status == "pending"

    assert requeue_stalled_work()["measures"] == 0  # too recent: may still be on its way
    later = timezone.now() + timedelta(hours=1)
    counts = requeue_stalled_work(now=later)

    assert counts["measures"] == 1
    measure.refresh_from_db()
    assert measure.status == "applied"
    assert Post.objects.get(pk=clinic.pk).state == "deleted"


def test_an_unanswered_request_for_information_is_closed_after_its_deadline(
    clinic_case, moderator_a
):
    from datetime import timedelta

    from django.utils import timezone

    case, _ = clinic_case
    api_as(moderator_a).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "request_info", "reasons": "Send your ID."},
        format="json",
    )
    assert enforce_deadlines()["closed_unanswered"] == 0
    result = enforce_deadlines(now=timezone.now() + timedelta(days=30))

    assert result["closed_unanswered"] == 1
    case.refresh_from_db()
    assert case.state == "closed"
    assert case.log.filter(action="close", actor_label="system").exists()

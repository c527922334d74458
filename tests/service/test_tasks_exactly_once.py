"""Platform measures run by a real Celery worker (Redis broker, PostgreSQL) are applied exactly
once: under a duplicated task, under a worker killed in the middle of the platform call, and
after a platform outage that outlasts the retries and is then retried by staff."""

import re
import time

import pytest

from tests.servers import manage
from tests.service.fake_platform import Content, FakePlatform
from tests.service.support import (
    api,
    case_id_of,
    claim_and_uphold,
    create_staff,
    demo_post_ids,
    file_notice,
    log_actions,
    measures_of,
    story_image,
    verdict_of,
    verify_action_log,
    wait_until,
)

PLATFORM_SECRET = "shared-secret-for-the-fake-platform-only"
VISIBILITY_TIMEOUT = 5


def task_lines(worker, task: str, event: str) -> list[str]:
    """Lines of the worker's log saying ``Task <task>[id] <event>``."""
    return re.findall(rf"Task {re.escape(task)}\[[^\]]+\] {event}", worker.output())


@pytest.fixture
def platform():
    fake = FakePlatform(PLATFORM_SECRET, [Content("clinic-post-17", story_image("clinic"))]).start()
    yield fake
    fake.stop()
    assert fake.bad_signatures == [], "every request to the platform must be signed"


def _upheld_case_on(platform, deployment, moderator_token) -> tuple[int, dict]:
    """A notice about the platform's post, verified by the worker and upheld with delete."""
    reference = file_notice(deployment, ["https://platform.example/p/clinic-post-17"]).body[
        "reference"
    ]
    case_id = case_id_of(deployment, reference)
    wait_until(
        lambda: verdict_of(deployment, case_id) == "match",
        timeout=30,
        what="the worker's verification through the platform API",
    )
    claim_and_uphold(deployment, moderator_token, case_id)
    [measure] = measures_of(deployment, case_id)
    return case_id, measure


def test_a_measure_task_delivered_three_times_applies_the_measure_once(deployment):
    deployment.start_app()
    token = create_staff(deployment, ["moderator_a"])["moderator_a"]
    [post] = demo_post_ids(deployment, "glow.clinic")
    case_id = case_id_of(deployment, file_notice(deployment, [post]).body["reference"])
    # No worker runs yet: the decision's task waits in Redis, and two copies join it.
    claim_and_uphold(deployment, token, case_id)
    [measure] = measures_of(deployment, case_id)
    manage(
        deployment.env(),
        "shell",
        "-c",
        "from cases.tasks import execute_measure\n"
        f"execute_measure.delay({measure['id']})\n"
        f"execute_measure.delay({measure['id']})\n",
    )

    worker = deployment.start_worker(concurrency=3)

    wait_until(
        lambda: len(task_lines(worker, "cases.tasks.execute_measure", "succeeded")) == 3,
        timeout=30,
        what="the three deliveries of the measure task",
    )
    wait_until(
        lambda: "uploader_notified" in log_actions(deployment, case_id),
        timeout=20,
        what="the uploader's notice",
    )
    assert measures_of(deployment, case_id)[0]["status"] == "applied"
    assert deployment.sql(
        "SELECT measure, to_state FROM demo_platform_postevent WHERE idempotency_key = %s",
        (measure["idempotency_key"],),
    ) == [("delete", "deleted")]
    assert deployment.sql_value("SELECT count(*) FROM demo_platform_postevent") == 1
    assert deployment.sql_value("SELECT count(*) FROM demo_platform_uploadermessage") == 1
    actions = log_actions(deployment, case_id)
    assert actions.count("measure_applied") == 1
    assert actions.count("uploader_notified") == 1
    assert "Action log intact" in verify_action_log(deployment)


def test_a_worker_killed_during_the_platform_call_loses_nothing_and_applies_once(
    deployment, platform
):
    # The platform applies the first measure call, then stalls before answering; the worker
    # is killed meanwhile, so the task is never acknowledged and Redis delivers it again.
    platform.first_measure_stall = 15
    deployment.extra_env.update(
        platform.deployment_env(),
        TAKEDOWN_PLATFORM_READ_TIMEOUT="30",
        TAKEDOWN_TASK_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    deployment.start_app()
    first_worker = deployment.start_worker()
    token = create_staff(deployment, ["moderator_a"])["moderator_a"]
    case_id, measure = _upheld_case_on(platform, deployment, token)

    assert platform.first_measure_received.wait(20), "the measure never reached the platform"
    killed_at = time.monotonic()
    first_worker.kill()

    key = measure["idempotency_key"]
    assert platform.applied[key] == 1
    assert measures_of(deployment, case_id)[0]["status"] == "pending"
    # A new worker takes the unacknowledged task back once its visibility timeout has passed.
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    second_worker = deployment.start_worker("worker2")

    wait_until(
        lambda: measures_of(deployment, case_id)[0]["status"] == "applied",
        timeout=30,
        what="the redelivered measure task",
    )
    wait_until(lambda: platform.notifications, timeout=20, what="the uploader's notice")
    assert task_lines(second_worker, "cases.tasks.execute_measure", "succeeded")
    assert platform.calls_with_key(key) == 2, "the platform saw the same key twice"
    assert platform.applied == {key: 1}, "and applied it once"
    assert platform.contents["clinic-post-17"].status == "deleted"
    stored = deployment.sql(
        "SELECT platform_response->>'state', attempts FROM cases_platformmeasure WHERE id = %s",
        (measure["id"],),
    )
    assert stored == [("deleted", 2)]
    actions = log_actions(deployment, case_id)
    assert actions.count("measure_applied") == 1
    assert actions.count("measure_failed") == 0
    assert "Action log intact" in verify_action_log(deployment)


def test_a_measure_the_platform_keeps_refusing_is_marked_failed_then_retried_by_staff(
    deployment, platform
):
    platform.measures_fail_with = 503
    deployment.extra_env.update(
        platform.deployment_env(),
        TAKEDOWN_MEASURE_MAX_RETRIES="2",
        TAKEDOWN_MEASURE_RETRY_BACKOFF_MAX="1",
    )
    deployment.start_app()
    deployment.start_worker()
    token = create_staff(deployment, ["moderator_a"])["moderator_a"]
    case_id, measure = _upheld_case_on(platform, deployment, token)
    key = measure["idempotency_key"]

    wait_until(
        lambda: measures_of(deployment, case_id)[0]["status"] == "failed",
        timeout=30,
        what="the measure marked failed after its retries",
    )

    # The first attempt and two retries, each refused; nothing applied.
    assert platform.calls_with_key(key) == 3
    assert platform.applied[key] == 0
    assert measures_of(deployment, case_id)[0]["attempts"] == 3
    dashboard = api(deployment, "GET", "/api/v1/dashboard/", token=token)
    assert dashboard.status == 200, dashboard
    [failed] = dashboard.body["failed_measures"]
    assert (failed["id"], failed["case_id"], failed["attempts"]) == (measure["id"], case_id, 3)
    assert "503" in failed["error"]
    case = api(deployment, "GET", f"/api/v1/cases/{case_id}/", token=token).body
    [shown] = case["items"][0]["measures"]
    assert (shown["id"], shown["status"]) == (measure["id"], "failed")
    assert log_actions(deployment, case_id).count("measure_failed") == 1

    # The platform is back; a staff member sends the measure again.
    platform.measures_fail_with = None
    retry = api(deployment, "POST", f"/api/v1/measures/{measure['id']}/retry/", token=token)
    assert retry.status == 200, retry
    assert retry.body["status"] == "pending"

    wait_until(
        lambda: measures_of(deployment, case_id)[0]["status"] == "applied",
        timeout=30,
        what="the measure retried by staff",
    )
    assert platform.applied == {key: 1}
    assert platform.calls_with_key(key) == 4, "the retry reuses the measure's idempotency key"
    assert api(deployment, "GET", "/api/v1/dashboard/", token=token).body["failed_measures"] == []
    actions = log_actions(deployment, case_id)
    assert [a for a in actions if a.startswith("measure_")] == [
        "measure_failed",
        "measure_retry",
        "measure_applied",
    ]
    assert "Action log intact" in verify_action_log(deployment)

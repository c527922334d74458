"""The redress lifecycle on the parts a platform deploys: the uploader's counter-notice over
HTTP, and the restore done by the deadline job that Celery beat runs in a real worker."""

import re

from tests.service.support import (
    api,
    case_id_of,
    claim_and_uphold,
    create_staff,
    demo_post_ids,
    file_notice,
    log_actions,
    verdict_of,
    wait_until,
)

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _state(deployment, case_id):
    return deployment.sql_value("SELECT state FROM cases_case WHERE id = %s", (case_id,))


def _post_state(deployment, content_id):
    pk = int(content_id.removeprefix("post-"))
    return deployment.sql_value("SELECT state FROM demo_platform_post WHERE id = %s", (pk,))


def test_counter_notice_then_restore_by_the_beat_scheduled_deadline_job(deployment):
    # A waiting period of 0 days ends at once: the next deadline sweep (every second) restores.
    deployment.extra_env.update(
        {"TAKEDOWN_COUNTER_NOTICE_DAYS": "0", "TAKEDOWN_DEADLINE_SWEEP_SECONDS": "1"}
    )
    tokens = create_staff(deployment, ["reviewer"])
    deployment.start_app()
    deployment.start_worker()
    content_id = demo_post_ids(deployment, "glow.clinic")[0]
    filed = file_notice(deployment, [content_id])
    case_id = case_id_of(deployment, filed.body["reference"])
    wait_until(lambda: verdict_of(deployment, case_id) != "pending", timeout=30, what="verdict")

    claim_and_uphold(deployment, tokens["reviewer"], case_id)
    wait_until(
        lambda: _post_state(deployment, content_id) == "deleted", timeout=30, what="the measure"
    )
    body = wait_until(
        lambda: deployment.sql_value(
            "SELECT body FROM demo_platform_uploadermessage ORDER BY id LIMIT 1"
        ),
        timeout=30,
        what="the message forwarded to the uploader",
    )
    token = re.search(r"\?token=([\w-]+)", body).group(1)

    countered = api(
        deployment,
        "POST",
        f"/api/v1/uploader/cases/{filed.body['reference']}/counter-notice/",
        headers={"X-Uploader-Token": token},
        fields=[
            ("name", "Zhang Wei"),
            ("email", "legal@glow.example"),
            ("statement", "The customer consented."),
            ("good_faith", "true"),
            ("signature", "Zhang Wei"),
            ("evidence", ("consent.pdf", PDF, "application/pdf")),
        ],
    )
    assert countered.status == 201, countered
    deployment.start_beat()

    wait_until(lambda: _state(deployment, case_id) == "restored", timeout=60, what="restore")
    wait_until(lambda: _post_state(deployment, content_id) == "live", timeout=30, what="live")
    actions = log_actions(deployment, case_id)
    assert actions.index("counter_notice") < actions.index("restore")
    assert "content_restored" in actions

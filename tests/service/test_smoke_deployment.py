"""The same code on the parts a platform deploys: PostgreSQL, Redis, gunicorn, a worker."""

from tests.service.support import case_id_of, demo_post_ids, file_notice, verdict_of, wait_until


def test_a_notice_filed_over_http_is_verified_by_the_worker(deployment):
    deployment.start_app()
    deployment.start_worker()

    filed = file_notice(deployment, demo_post_ids(deployment, "glow.clinic"))

    case_id = case_id_of(deployment, filed.body["reference"])
    wait_until(lambda: verdict_of(deployment, case_id) == "match", timeout=30, what="the verdict")
    assert (
        deployment.sql_value("SELECT count(*) FROM notices_outboundemail WHERE sent_at IS NOT NULL")
        == 1
    )

"""Intake loses nothing: a retried or duplicated filing creates one notice, and a notice filed
while the broker (Redis) is down is stored at once and processed when the broker is back."""

import time

import pytest
import urllib3

from tests.servers import Deployment, Redis
from tests.service.support import (
    Connection,
    api,
    case_id_of,
    close_connections,
    demo_post_ids,
    notice_fields,
    together,
    verdict_of,
    wait_until,
)

INTAKE_BOUND_SECONDS = 5


def test_the_same_idempotency_key_files_one_notice_however_often_it_is_sent(deployment):
    deployment.start_app(workers=2, threads=4)
    reported = demo_post_ids(deployment, "glow.clinic")
    body, content_type = urllib3.encode_multipart_formdata(notice_fields(reported))
    headers = {"Content-Type": content_type, "Idempotency-Key": "agent-retry-7f3a"}

    def send(barrier):
        connection = Connection(deployment)
        try:
            barrier.wait()
            return connection.request("POST", "/api/v1/notices/", body=body, headers=headers)
        finally:
            connection.close()

    concurrent = together([send] * 6)
    sequential = [
        api(
            deployment,
            "POST",
            "/api/v1/notices/",
            fields=notice_fields(reported),
            headers={"Idempotency-Key": "agent-retry-7f3a"},
        )
        for _ in range(2)
    ]

    answers = concurrent + sequential
    # The request that stored the notice says 201; every other one gets that same notice.
    assert sorted(a.status for a in answers) == [200] * 7 + [201], answers
    assert [a.status for a in sequential] == [200, 200]
    assert len({(a.body["reference"], a.body["tracking_token"]) for a in answers}) == 1
    assert deployment.sql(
        "SELECT reference FROM notices_notice WHERE idempotency_key = %s", ("agent-retry-7f3a",)
    ) == [(answers[0].body["reference"],)]
    assert deployment.sql_value("SELECT count(*) FROM notices_notice") == 1
    assert deployment.sql_value("SELECT count(*) FROM cases_case") == 1

    # The same key with a different notice is refused, and stores nothing.
    other = api(
        deployment,
        "POST",
        "/api/v1/notices/",
        fields=notice_fields(reported, description="A different complaint altogether."),
        headers={"Idempotency-Key": "agent-retry-7f3a"},
    )
    assert other.status == 422, other
    assert "already used for a different notice" in other.detail
    assert deployment.sql_value("SELECT count(*) FROM notices_notice") == 1


@pytest.fixture
def broker(tmp_path):
    """A Redis of this test's own (broker and cache), so that stopping it harms nothing else."""
    server = Redis(tmp_path / "broker").start()
    yield server
    server.stop()


@pytest.fixture
def deployment_on_own_broker(tmp_path, postgres, template_database, broker):
    deploy = Deployment(
        tmp_path / "deploy",
        postgres,
        broker,
        extra_env={
            # The sweeper re-enqueues work left pending for 2 s, every second.
            "TAKEDOWN_STALLED_AFTER_SECONDS": "2",
            "TAKEDOWN_SWEEP_SECONDS": "1",
        },
    )
    deploy.prepare(database="takedown_own_broker", template=template_database)
    yield deploy
    close_connections()
    deploy.stop()


def test_notices_filed_while_the_broker_is_down_are_stored_and_processed_when_it_returns(
    deployment_on_own_broker, broker, request
):
    deployment = deployment_on_own_broker
    app = deployment.start_app()
    reported = demo_post_ids(deployment, "glow.clinic") + demo_post_ids(deployment, "selfiepacks")
    broker.stop()

    references = []
    for n in range(2):
        started = time.monotonic()
        fields = notice_fields(reported, email=f"notifier{n}@example.com")
        answer = api(deployment, "POST", "/api/v1/notices/", fields=fields)
        elapsed = time.monotonic() - started
        assert answer.status == 201, answer
        assert elapsed < INTAKE_BOUND_SECONDS, f"intake took {elapsed:.1f}s with the broker down"
        references.append(answer.body["reference"])

    cases = [case_id_of(deployment, reference) for reference in references]
    assert all(cases), "every acknowledged notice is in PostgreSQL"
    assert [verdict_of(deployment, case_id) for case_id in cases] == ["pending", "pending"]
    # The receipt did not wait for the broker: it was sent directly (console backend).
    for reference in references:
        assert f"[{reference}] We received your portrait-right notice" in app.output()

    # The broker comes back on the same address; a worker and beat start, and the app, which
    # kept running, sends its tasks again.
    restarted = Redis(broker.workdir, port=broker.port).start()
    request.addfinalizer(restarted.stop)
    deployment.start_worker()
    deployment.start_beat()
    fields = notice_fields(reported, email="notifier2@example.com")
    after = api(deployment, "POST", "/api/v1/notices/", fields=fields)
    assert after.status == 201, after
    cases.append(case_id_of(deployment, after.body["reference"]))

    wait_until(
        lambda: [verdict_of(deployment, case_id) for case_id in cases] == ["match"] * 3,
        timeout=40,
        what="the verifications caught up by the sweeper",
    )
    assert deployment.sql_value("SELECT count(*) FROM notices_notice") == 3
    # Each case was verified once, however often the sweeper sent it while the broker was away.
    assert (
        deployment.sql_value("SELECT count(*) FROM cases_actionlog WHERE action = 'match_verified'")
        == 3
    )
    # Every receipt left the outbox.
    assert (
        deployment.sql_value("SELECT count(*) FROM notices_outboundemail WHERE sent_at IS NULL")
        == 0
    )

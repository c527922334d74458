"""Moderators racing on the same case, on PostgreSQL behind a multi-process, multi-thread
gunicorn: exactly one wins each race, the others get 409, and nothing is duplicated or lost."""

from tests.service.support import (
    Connection,
    case_id_of,
    create_staff,
    demo_post_ids,
    file_notice,
    log_actions,
    measures_of,
    together,
    verify_action_log,
    wait_until,
)

MODERATORS = [f"moderator_{n}" for n in range(1, 9)]
UPHOLD = {
    "outcome": "uphold",
    "ground": "portrait_right",
    "measure": "delete",
    "reasons": "The posts reuse the complainant's selfie as advertising without consent.",
}


def _send(deployment, token, method, path, json_body=None):
    """A request sent from its own open connection once every thread is ready."""

    def call(barrier):
        connection = Connection(deployment, token)
        try:
            barrier.wait()
            return connection.request(method, path, json_body=json_body)
        finally:
            connection.close()

    return call


def test_concurrent_claims_and_decisions_have_exactly_one_winner(deployment):
    deployment.start_app(workers=3, threads=4)
    deployment.start_worker()
    tokens = create_staff(deployment, MODERATORS)
    reported = demo_post_ids(deployment, "glow.clinic") + demo_post_ids(deployment, "selfiepacks")
    reference = file_notice(deployment, reported).body["reference"]
    case_id = case_id_of(deployment, reference)

    # Eight moderators claim the same case at the same moment.
    claims = together(
        [
            _send(deployment, tokens[name], "POST", f"/api/v1/cases/{case_id}/claim/")
            for name in MODERATORS
        ]
    )

    statuses = sorted(answer.status for answer in claims)
    assert statuses == [200] + [409] * 7, [(a.status, a.detail) for a in claims]
    winner = MODERATORS[[answer.status for answer in claims].index(200)]
    assert claims[MODERATORS.index(winner)].body["claimed_by"] == winner
    for answer in claims:
        if answer.status == 409:
            assert f"is claimed by {winner}" in answer.detail
    assert log_actions(deployment, case_id).count("claim") == 1
    assert (
        deployment.sql_value(
            "SELECT u.username FROM cases_case c JOIN auth_user u ON u.id = c.claimed_by_id "
            "WHERE c.id = %s",
            (case_id,),
        )
        == winner
    )

    # The claimer sends the same decision four times at once, and another moderator tries too.
    other = next(name for name in MODERATORS if name != winner)
    decide = f"/api/v1/cases/{case_id}/decide/"
    decisions = together(
        [_send(deployment, tokens[winner], "POST", decide, UPHOLD) for _ in range(4)]
        + [_send(deployment, tokens[other], "POST", decide, UPHOLD)]
    )

    statuses = [answer.status for answer in decisions]
    assert sorted(statuses) == [200] + [409] * 4, [(a.status, a.detail) for a in decisions]
    assert decisions[4].status == 409, "only the claimer may decide"
    assert (
        deployment.sql_value("SELECT count(*) FROM cases_decision WHERE case_id = %s", (case_id,))
        == 1
    )
    assert log_actions(deployment, case_id).count("uphold") == 1

    # One measure per item, each applied exactly once on the demo platform.
    measures = measures_of(deployment, case_id)
    assert sorted(m["content_id"] for m in measures) == sorted(reported)
    wait_until(
        lambda: all(m["status"] == "applied" for m in measures_of(deployment, case_id)),
        timeout=30,
        what="both measures applied by the worker",
    )
    for measure in measures:
        events = deployment.sql(
            "SELECT post_id, measure FROM demo_platform_postevent WHERE idempotency_key = %s",
            (measure["idempotency_key"],),
        )
        assert events == [(int(measure["content_id"].removeprefix("post-")), "delete")]
    posts = [int(content_id.removeprefix("post-")) for content_id in reported]
    assert deployment.sql(
        "SELECT DISTINCT state FROM demo_platform_post WHERE id = ANY(%s)", (posts,)
    ) == [("deleted",)]
    assert log_actions(deployment, case_id).count("measure_applied") == len(reported)
    assert "Action log intact" in verify_action_log(deployment)

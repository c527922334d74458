"""The legal lifecycle on the parts a platform deploys: every party acts over HTTP against
gunicorn and PostgreSQL, measures and messages go through a real Celery worker, and the
deadline job runs under Celery beat.

The processes run on the real clock, so a deadline is brought forward by moving its due time
in the database (as if the days had passed), and beat's next sweep acts on it.
"""

import re
from types import SimpleNamespace

import pytest

from tests.conftest import pdf_bytes
from tests.service.support import (
    api,
    case_id_of,
    create_staff,
    demo_post_ids,
    log_actions,
    notice_fields,
    verdict_of,
    wait_until,
)

PDF = pdf_bytes("Signed consent")
GROUND = {"uphold": "portrait_right", "reject": "insufficient_evidence", "request_info": None}


class Walk:
    """One path through the lifecycle on the running deployment; each method is a step."""

    def __init__(self, deployment, tokens, content_id, email):
        self.deployment = deployment
        self.tokens = tokens
        self.content_id = content_id
        self.email = email
        self.filed = None
        self.answer = None

    # --- the complainant -----------------------------------------------------------------

    def file(self, expect=201):
        answer = api(
            self.deployment,
            "POST",
            "/api/v1/notices/",
            fields=notice_fields([self.content_id], email=self.email),
        )
        assert answer.status == expect, answer
        self.answer = answer
        if expect == 201:
            self.filed = SimpleNamespace(**answer.body)
            self.case_id = case_id_of(self.deployment, self.filed.reference)
            wait_until(
                lambda: verdict_of(self.deployment, self.case_id) != "pending",
                timeout=30,
                what="the match verdict",
            )

    def _as_complainant(self, path, **kwargs):
        return api(
            self.deployment,
            "POST",
            f"/api/v1/notices/{self.filed.reference}/{path}/",
            headers={"X-Tracking-Token": self.filed.tracking_token},
            **kwargs,
        )

    def appeal(self, expect=201):
        self.answer = self._as_complainant(
            "appeal", json_body={"statement": "It is my selfie; please look again."}
        )
        assert self.answer.status == expect, self.answer

    def proof(self, expect=200):
        self.answer = self._as_complainant(
            "legal-action",
            fields=[
                ("message", "Complaint filed with the Haidian district court, case 2026-123."),
                ("files", ("court-receipt.pdf", PDF, "application/pdf")),
            ],
        )
        assert self.answer.status == expect, self.answer

    # --- the uploader --------------------------------------------------------------------

    def counter_notice(self):
        body = self.uploader_messages()[0]
        token = re.search(r"\?token=([\w-]+)", body).group(1)
        self.answer = api(
            self.deployment,
            "POST",
            f"/api/v1/uploader/cases/{self.filed.reference}/counter-notice/",
            headers={"X-Uploader-Token": token},
            fields=[
                ("name", "Zhang Wei"),
                ("email", "legal@glow.example"),
                ("statement", "The customer consented in writing."),
                ("good_faith", "true"),
                ("signature", "Zhang Wei"),
                ("evidence", ("consent.pdf", PDF, "application/pdf")),
            ],
        )
        assert self.answer.status == 201, self.answer

    # --- staff ---------------------------------------------------------------------------

    def claim(self, who, expect=200):
        self.answer = api(
            self.deployment, "POST", f"/api/v1/cases/{self.case_id}/claim/", token=self.tokens[who]
        )
        assert self.answer.status == expect, self.answer

    def decide(self, who, outcome, **extra):
        body = {"outcome": outcome, "reasons": f"Reviewed: {outcome}.", **extra}
        if GROUND[outcome]:
            body["ground"] = GROUND[outcome]
        if outcome == "uphold":
            body.setdefault("measure", "delete")
        self.answer = api(
            self.deployment,
            "POST",
            f"/api/v1/cases/{self.case_id}/decide/",
            token=self.tokens[who],
            json_body=body,
        )
        assert self.answer.status == 200, self.answer

    def resolve(self, who, outcome, expect=200):
        self.answer = api(
            self.deployment,
            "POST",
            f"/api/v1/cases/{self.case_id}/resolve-dispute/",
            token=self.tokens[who],
            json_body={"outcome": outcome, "reasons": "The court case is pending."},
        )
        assert self.answer.status == expect, self.answer

    # --- the clock, as if the days had passed ------------------------------------------

    def waiting_period_ends(self):
        self.deployment.sql(
            "UPDATE cases_counternotice SET waiting_period_ends_at = now() - interval '1 minute' "
            "WHERE case_id = %s",
            (self.case_id,),
        )
        self.deployment.sql(
            "UPDATE cases_case SET restore_due_at = now() - interval '1 minute' WHERE id = %s",
            (self.case_id,),
        )

    def information_deadline_passes(self):
        self.deployment.sql(
            "UPDATE cases_case SET info_due_at = now() - interval '1 minute' WHERE id = %s",
            (self.case_id,),
        )

    # --- what everyone sees --------------------------------------------------------------

    def state(self, expected):
        wait_until(
            lambda: (
                self.deployment.sql_value(
                    "SELECT state FROM cases_case WHERE id = %s", (self.case_id,)
                )
                == expected
            ),
            timeout=60,
            what=f"case state {expected}",
        )

    def post_is(self, expected):
        pk = int(self.content_id.removeprefix("post-"))
        wait_until(
            lambda: (
                self.deployment.sql_value(
                    "SELECT state FROM demo_platform_post WHERE id = %s", (pk,)
                )
                == expected
            ),
            timeout=30,
            what=f"post {expected}",
        )

    def said(self, fragment):
        assert fragment in self.answer.detail, self.answer

    def uploader_messages(self) -> list[str]:
        pk = int(self.content_id.removeprefix("post-"))
        return wait_until(
            lambda: [
                body
                for (body,) in self.deployment.sql(
                    "SELECT subject || '\n' || body FROM demo_platform_uploadermessage "
                    "WHERE post_id = %s ORDER BY id",
                    (pk,),
                )
            ],
            timeout=30,
            what="a message to the uploader",
        )

    def uploader_told(self, fragment):
        wait_until(
            lambda: any(fragment in body for body in self.uploader_messages()),
            timeout=30,
            what=f"the uploader told {fragment!r}",
        )

    def emailed(self, template):
        wait_until(
            lambda: self.deployment.sql_value(
                'SELECT count(*) FROM notices_outboundemail WHERE template = %s AND "to" = %s '
                "AND sent_at IS NOT NULL",
                (template, self.email),
            ),
            timeout=30,
            what=f"the {template} e-mail sent to {self.email}",
        )

    def logged(self, *actions):
        recorded = log_actions(self.deployment, self.case_id)
        assert [a for a in recorded if a in actions] == list(actions), recorded


UPHOLD = [("file",), ("claim", "moderator_a"), ("decide", "moderator_a", "uphold")]

# (content, complainant's e-mail, steps). Each path reports a different post of the demo
# story and comes from a different complainant, so the paths do not meet.
PATHS = {
    "uphold, counter-notice, proof: the measure stays and legal keep it": (
        ("glow.clinic", 0),
        "mei.lin@example.com",
        [
            *UPHOLD,
            ("post_is", "deleted"),
            ("uploader_told", "restricted"),
            ("counter_notice",),
            ("state", "counter_noticed"),
            ("emailed", "counter_notice_forwarded"),
            ("proof",),
            ("state", "disputed"),
            ("resolve", "moderator_a", "maintain", 403),
            ("resolve", "legal_a", "maintain"),
            ("state", "actioned"),
            ("post_is", "deleted"),
            ("uploader_told", "stays in place"),
            ("emailed", "dispute_resolved"),
            ("logged", "counter_notice", "legal_action_proof", "maintain"),
        ],
    ),
    "uphold, counter-notice, no proof: beat restores and both parties are told": (
        ("selfiepacks", 0),
        "mei.lin.2@example.com",
        [
            *UPHOLD,
            ("post_is", "deleted"),
            ("counter_notice",),
            ("waiting_period_ends",),
            ("state", "restored"),
            ("post_is", "live"),
            ("emailed", "content_restored"),
            ("uploader_told", "restored"),
            ("logged", "counter_notice", "restore", "content_restored"),
        ],
    ),
    "reject, appeal refused to the same reviewer, another reviewer upholds": (
        ("space.daily", 0),
        "mei.lin.3@example.com",
        [
            ("file",),
            ("claim", "moderator_a"),
            ("decide", "moderator_a", "reject"),
            ("state", "rejected"),
            ("appeal",),
            ("state", "appealed"),
            ("claim", "moderator_a", 403),
            ("said", "a different reviewer must decide the appeal"),
            ("claim", "moderator_b"),
            ("decide", "moderator_b", "uphold"),
            ("state", "actioned"),
            ("post_is", "deleted"),
            ("emailed", "decision_uphold"),
        ],
    ),
    "request for information unanswered: beat closes it and tells the complainant": (
        ("space.daily", 1),
        "mei.lin.4@example.com",
        [
            ("file",),
            ("claim", "moderator_a"),
            ("decide", "moderator_a", "request_info"),
            ("state", "needs_info"),
            ("information_deadline_passes",),
            ("state", "closed"),
            ("emailed", "info_expired"),
        ],
    ),
    "manifestly unfounded notices: warned, then suspended": (
        ("stable.notes", 0),
        "serial@example.com",
        [
            step
            for _ in range(3)
            for step in (
                ("file",),
                ("claim", "moderator_a"),
                ("decide", "moderator_a", "reject", {"manifestly_unfounded": True}),
            )
        ]
        + [("file", 403), ("said", "suspended"), ("emailed", "notifier_sanction")],
    ),
}


@pytest.fixture(scope="module")
def running(tmp_path_factory, postgres, redis_server, template_database):
    """One deployment for every path: gunicorn, a worker and beat sweeping every second."""
    from tests.servers import Deployment
    from tests.service.conftest import redis_server_flush
    from tests.service.support import close_connections

    redis_server_flush(redis_server)
    deployment = Deployment(tmp_path_factory.mktemp("lifecycle"), postgres, redis_server)
    deployment.extra_env.update({"TAKEDOWN_DEADLINE_SWEEP_SECONDS": "1"})
    deployment.prepare(database="takedown_lifecycle", template=template_database)
    tokens = create_staff(deployment, ["moderator_a", "moderator_b"])
    tokens |= create_staff(deployment, ["legal_a"], role="legal")
    deployment.start_app()
    deployment.start_worker()
    deployment.start_beat()
    yield deployment, tokens
    close_connections()
    deployment.stop()


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_lifecycle_path_on_the_real_services(running, path):
    deployment, tokens = running
    (handle, index), email, steps = path
    walk = Walk(deployment, tokens, demo_post_ids(deployment, handle)[index], email)
    for name, *args in steps:
        kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
        getattr(walk, name)(*args, **kwargs)

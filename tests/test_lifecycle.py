"""The legal lifecycle end to end, one table row per path, with the clock moved by time travel.

Every step goes through the public interfaces a party would use: the notice API and tracking
token for the complainant, the private link sent through the platform for the uploader, the
staff API for reviewers, and the scheduled deadline job.
"""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail

from cases import deadlines
from cases.models import Case, CounterNotice, DeadlineBreach
from demo_platform.models import Post, UploaderMessage
from notices.models import NotifierSanction

from .conftest import (
    CommitAPIClient,
    api_as,
    notice_payload,
    pdf_bytes,
    post_url,
    posts_by_role,
    upload,
)

# A Monday morning, so that business days are easy to count.
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PDF = pdf_bytes("Court receipt")
GROUND = {"uphold": "portrait_right", "reject": "insufficient_evidence", "request_info": None}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Story:
    """One walk through the lifecycle; each method is a step a party takes."""

    def __init__(self, traveller, users, capture):
        self.traveller = traveller
        self.users = users
        self.capture = capture
        self.public = CommitAPIClient()
        self.notice = None
        self.response = None

    # --- the complainant ---------------------------------------------------------------------

    def file(self, email="mei.lin@example.com", expect=201, also_pack=False):
        post = posts_by_role("clinic")[0]
        reported = [post_url(post)]
        if also_pack:
            self.pack_post = posts_by_role("pack")[0]
            reported.append(post_url(self.pack_post))
        self.response = self.public.post(
            "/api/v1/notices/",
            notice_payload(reported, notifier_email=email),
            format="multipart",
        )
        assert self.response.status_code == expect, self.response.json()
        if expect == 201:
            body = self.response.json()
            self.notice = SimpleNamespace(reference=body["reference"], token=body["tracking_token"])
            self.post = post

    @property
    def case(self) -> Case:
        return Case.objects.get(notice__reference=self.notice.reference)

    def _as_complainant(self, path, data, fmt):
        return self.public.post(
            f"/api/v1/notices/{self.notice.reference}/{path}/",
            data,
            format=fmt,
            HTTP_X_TRACKING_TOKEN=self.notice.token,
        )

    def proof(self, expect=200):
        self.response = self._as_complainant(
            "legal-action",
            {
                "message": "Complaint filed with the Haidian district court, case 2026-123.",
                "files": [upload("court-receipt.pdf", PDF, "application/pdf")],
            },
            "multipart",
        )
        assert self.response.status_code == expect, self.response.json()

    def provide_info(self, expect=200):
        self.response = self._as_complainant(
            "info", {"message": "Here is the original photo with its date."}, "json"
        )
        assert self.response.status_code == expect, self.response.json()

    def appeal(self, party, expect=201):
        statement = {"statement": "The decision is wrong: the photo is plainly my selfie."}
        if party == "complainant":
            self.response = self._as_complainant("appeal", statement, "json")
        else:
            self.response = self.public.post(
                f"/api/v1/uploader/cases/{self.notice.reference}/appeal/",
                statement,
                format="json",
                HTTP_X_UPLOADER_TOKEN=self.uploader_token(),
            )
        assert self.response.status_code == expect, self.response.json()

    # --- the uploader ------------------------------------------------------------------------

    def uploader_token(self) -> str:
        """From the message the platform delivered to the uploader: the private link."""
        message = (
            UploaderMessage.objects.filter(
                post=self.post, body__contains=f"/respond/{self.notice.reference}/"
            )
            .order_by("pk")
            .first()
        )
        return re.search(r"\?token=([\w-]+)", message.body).group(1)

    def counter_notice(self, expect=201):
        self.response = self.public.post(
            f"/api/v1/uploader/cases/{self.notice.reference}/counter-notice/",
            {
                "name": "Glow Clinic Ltd, by Zhang Wei",
                "email": "legal@glow.example",
                "statement": "The customer's written consent covers this use.",
                "good_faith": "true",
                "signature": "Zhang Wei",
                "evidence": [upload("consent.pdf", PDF, "application/pdf")],
            },
            format="multipart",
            HTTP_X_UPLOADER_TOKEN=self.uploader_token(),
        )
        assert self.response.status_code == expect, self.response.json()

    # --- reviewers ---------------------------------------------------------------------------

    def claim(self, who, expect=200):
        self.response = api_as(self.users[who]).post(f"/api/v1/cases/{self.case.pk}/claim/")
        assert self.response.status_code == expect, self.response.json()

    def reject_as_unfounded(self, who):
        self.decide(who, "reject", manifestly_unfounded=True)

    def sanctions(self, *kinds):
        assert list(NotifierSanction.objects.order_by("pk").values_list("kind", flat=True)) == [
            *kinds
        ]

    def resolve(self, who, outcome, expect=200):
        self.response = api_as(self.users[who]).post(
            f"/api/v1/cases/{self.case.pk}/resolve-dispute/",
            {"outcome": outcome, "reasons": f"Dispute reviewed: {outcome}."},
            format="json",
        )
        assert self.response.status_code == expect, self.response.json()

    def decide(self, who, outcome, expect=200, fields=None, **extra):
        body = {"outcome": outcome, "reasons": f"Reviewed: {outcome}.", **(fields or {}), **extra}
        if GROUND[outcome]:
            body["ground"] = GROUND[outcome]
        if outcome == "uphold":
            body.setdefault("measure", "delete")
        self.response = api_as(self.users[who]).post(
            f"/api/v1/cases/{self.case.pk}/decide/", body, format="json"
        )
        assert self.response.status_code == expect, self.response.json()

    # --- time ----------------------------------------------------------------------------------

    def days(self, n):
        self.traveller.shift(timedelta(days=n))

    def enforce(self):
        with self.capture(execute=True):
            self.result = deadlines.enforce_deadlines()

    # --- what everyone can see ---------------------------------------------------------------

    def state(self, expected):
        assert self.case.state == expected

    def said(self, fragment):
        """The last answer's error message, as the party reads it."""
        assert fragment in self.response.json()["detail"], self.response.json()

    def post_is(self, expected):
        assert Post.objects.get(pk=self.post.pk).state == expected

    def emailed(self, fragment):
        subjects = [m.subject for m in mail.outbox if m.to == [self.complainant_email]]
        assert any(fragment in s for s in subjects), subjects

    complainant_email = "mei.lin@example.com"

    def uploader_told(self, fragment):
        subjects = list(
            UploaderMessage.objects.filter(post=self.post).values_list("subject", flat=True)
        )
        assert any(fragment in s for s in subjects), subjects


UPHOLD = [("file",), ("claim", "moderator_a"), ("decide", "moderator_a", "uphold")]

PATHS = {
    "uphold, counter-notice, proof of a lawsuit: the measure stays": [
        *UPHOLD,
        ("state", "actioned"),
        ("post_is", "deleted"),
        ("uploader_told", "restricted"),
        ("counter_notice",),
        ("state", "counter_noticed"),
        ("emailed", "counter-notice"),
        ("days", 3),
        ("proof",),
        ("state", "disputed"),
        ("days", 20),
        ("enforce",),
        ("state", "disputed"),
        ("post_is", "deleted"),
    ],
    "uphold, counter-notice, no proof: restored on day 15": [
        *UPHOLD,
        ("counter_notice",),
        ("days", 14),
        ("enforce",),
        ("state", "counter_noticed"),
        ("post_is", "deleted"),
        ("days", 1),
        ("enforce",),
        ("state", "restored"),
        ("post_is", "live"),
        ("emailed", "restored"),
        ("uploader_told", "restored"),
    ],
    "reject, appeal, a different reviewer upholds": [
        ("file",),
        ("claim", "moderator_a"),
        ("decide", "moderator_a", "reject"),
        ("state", "rejected"),
        ("post_is", "live"),
        ("days", 30),
        ("appeal", "complainant"),
        ("state", "appealed"),
        ("claim", "moderator_b"),
        ("decide", "moderator_b", "uphold"),
        ("state", "actioned"),
        ("post_is", "deleted"),
        # An appeal decision is final within the platform: no second appeal.
        ("appeal", "complainant", 409),
    ],
    "an appeal is refused to the reviewer who took the decision": [
        ("file",),
        ("claim", "moderator_a"),
        ("decide", "moderator_a", "reject"),
        ("appeal", "complainant"),
        ("claim", "moderator_a", 403),
        ("said", "a different reviewer must decide the appeal"),
        ("state", "appealed"),
    ],
    "proof sent after the waiting period is refused: the content is restored": [
        *UPHOLD,
        ("counter_notice",),
        ("days", 15),
        ("proof", 409),
        ("said", "The waiting period ended"),
        ("state", "counter_noticed"),
        ("enforce",),
        ("state", "restored"),
        ("post_is", "live"),
        # Restored by law, not by a decision: nothing for the complainant to appeal.
        ("appeal", "complainant", 409),
    ],
    "legal keep a disputed measure; the uploader appeals; another reviewer lifts it": [
        *UPHOLD,
        ("counter_notice",),
        ("proof",),
        ("resolve", "moderator_a", "maintain", 403),
        ("resolve", "legal", "maintain"),
        ("state", "actioned"),
        ("post_is", "deleted"),
        ("uploader_told", "stays in place"),
        ("emailed", "disputed measure was reviewed"),
        ("appeal", "uploader"),
        ("claim", "moderator_b"),
        ("decide", "moderator_b", "reject"),
        ("state", "rejected"),
        ("post_is", "live"),
    ],
    "legal lift a disputed measure; the complainant appeals; another reviewer restores it": [
        *UPHOLD,
        ("counter_notice",),
        ("proof",),
        ("resolve", "legal", "restore"),
        ("state", "restored"),
        ("post_is", "live"),
        ("uploader_told", "restored"),
        ("appeal", "complainant"),
        ("state", "appealed"),
        ("claim", "moderator_b"),
        ("decide", "moderator_b", "uphold"),
        ("state", "actioned"),
        ("post_is", "deleted"),
    ],
    "a temporary measure is lifted once its end date has passed": [
        ("file",),
        ("claim", "moderator_a"),
        ("decide", "moderator_a", "uphold", 200, {"ends_on": "2026-11-12"}),
        ("post_is", "deleted"),
        ("days", 10),  # 12 November: still in force all day
        ("enforce",),
        ("state", "actioned"),
        ("days", 1),
        ("enforce",),
        ("state", "restored"),
        ("post_is", "live"),
        ("emailed", "temporary measure has ended"),
        ("uploader_told", "restored"),
    ],
    "uphold, the uploader appeals, a different reviewer reverses: restored": [
        *UPHOLD,
        ("appeal", "uploader"),
        ("state", "appealed"),
        ("claim", "moderator_b"),
        ("decide", "moderator_b", "reject"),
        ("state", "rejected"),
        ("post_is", "live"),
        ("uploader_told", "appeal"),
    ],
    "the appeal window closes six calendar months after the decision": [
        ("file",),
        ("claim", "moderator_a"),
        ("decide", "moderator_a", "reject"),
        ("days", 181),  # 2 November + 181 days = 2 May: six months to the minute
        ("appeal", "complainant", 409),
        ("said", "The appeal period ended"),
        ("state", "rejected"),
    ],
    "manifestly unfounded notices: warned, then suspended, then let in again": [
        *[
            step
            for _ in range(3)
            for step in (
                ("file", "serial@example.com"),
                ("claim", "moderator_a"),
                ("reject_as_unfounded", "moderator_a"),
                ("days", 1),
            )
        ],
        ("sanctions", "warning", "suspension"),
        ("file", "Serial@Example.com", 403),
        ("days", 91),
        ("file", "serial@example.com"),
    ],
    "needs info, unanswered: closed at the deadline with a notice": [
        ("file",),
        ("claim", "moderator_a"),
        ("decide", "moderator_a", "request_info"),
        ("state", "needs_info"),
        ("days", 13),
        ("enforce",),
        ("state", "needs_info"),
        ("days", 2),
        ("enforce",),
        ("state", "closed"),
        ("emailed", "closed"),
    ],
}


@pytest.fixture
def story(demo_posts, moderator_a, moderator_b, legal, django_capture_on_commit_callbacks):
    users = {"moderator_a": moderator_a, "moderator_b": moderator_b, "legal": legal}
    with time_machine.travel(START, tick=False) as traveller:
        yield Story(traveller, users, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("steps", PATHS.values(), ids=PATHS.keys())
def test_lifecycle_path(story, steps):
    for step in steps:
        name, *args = step
        getattr(story, name)(*args)


def test_the_counter_notice_is_forwarded_without_the_complainants_contact_details(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    message = UploaderMessage.objects.get(post=story.post)

    assert story.notice.reference in message.body
    assert "Statement of reasons" in message.body
    assert "mei.lin@example.com" not in message.body and "Mei Lin" not in message.body
    story.counter_notice()
    forwarded = next(m for m in mail.outbox if "counter-notice" in m.subject)
    assert "The customer's written consent" in forwarded.body  # plain text, not escaped
    assert "court" in forwarded.body and "Nov. 17, 2026" in forwarded.body  # 15 days on


def test_a_counter_notice_without_evidence_is_refused_and_changes_nothing(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    response = CommitAPIClient().post(
        f"/api/v1/uploader/cases/{story.notice.reference}/counter-notice/",
        {"name": "Z", "email": "z@example.com", "statement": "Mine.", "signature": "Z"},
        format="multipart",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )

    assert response.status_code == 400
    assert set(response.json()) >= {"evidence", "good_faith"}
    story.state("actioned")
    assert not CounterNotice.objects.exists()


def test_a_wrong_uploader_token_is_a_404_like_an_unknown_case(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    client = CommitAPIClient()
    wrong = client.get(
        f"/api/v1/uploader/cases/{story.notice.reference}/", HTTP_X_UPLOADER_TOKEN="nope"
    )
    unknown = client.get("/api/v1/uploader/cases/TD-2026-999999/", HTTP_X_UPLOADER_TOKEN="nope")

    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


def test_the_dmca_policy_restores_after_ten_business_days(story, settings):
    settings.TAKEDOWN_COUNTER_NOTICE_POLICY = "dmca"
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.response = CommitAPIClient().post(
        f"/api/v1/uploader/cases/{story.notice.reference}/counter-notice/",
        {
            "name": "Zhang Wei",
            "email": "legal@glow.example",
            "phone": "+86 10 5555 0199",
            "address": "1 Shop Street, Beijing",
            "statement": "Consent given.",
            "good_faith": "true",
            "consent_to_jurisdiction": "true",
            "signature": "Zhang Wei",
            "evidence": [upload("consent.pdf", PDF, "application/pdf")],
        },
        format="multipart",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    assert story.response.status_code == 201, story.response.json()
    counter = CounterNotice.objects.get()

    # Monday 2 November + 10 business days = Monday 16 November.
    assert counter.waiting_period_ends_at == START + timedelta(days=14)
    assert "DMCA 512(g)" in counter.policy_basis
    story.days(13)
    story.enforce()
    story.state("counter_noticed")
    story.days(1)
    story.enforce()
    story.state("restored")
    story.post_is("live")


def test_notifiers_are_warned_then_suspended_after_manifestly_unfounded_notices(story):
    for _ in range(3):
        story.file(email="serial@example.com")
        story.claim("moderator_a")
        story.decide("moderator_a", "reject", manifestly_unfounded=True)
        story.days(1)
    sanctions = list(NotifierSanction.objects.order_by("pk").values_list("kind", flat=True))
    assert sanctions == ["warning", "suspension"]
    subjects = [m.subject for m in mail.outbox if m.to == ["serial@example.com"]]
    assert any("warning" in s for s in subjects) and any("suspended" in s for s in subjects)

    story.file(email="Serial@Example.com", expect=403)
    assert "suspended" in story.response.json()["detail"]
    story.days(91)
    story.file(email="serial@example.com")


def test_a_missed_decision_deadline_is_escalated_once_and_logged(story, settings):
    settings.TAKEDOWN_ESCALATION_EMAIL = "tns-leads@example.com"
    story.file()
    story.days(3)
    story.enforce()
    story.enforce()  # a second sweep does not record the same breach again

    breach = DeadlineBreach.objects.get()
    assert breach.stage == "decision"
    assert story.case.escalated_at is not None
    assert story.case.log.filter(action="deadline_missed").count() == 1
    assert [m.to for m in mail.outbox if "Deadline missed" in m.subject] == [
        ["tns-leads@example.com"]
    ]
    dashboard = api_as(story.users["legal"]).get("/api/v1/dashboard/").json()
    assert dashboard["escalated"] == 1 and dashboard["breaches_last_30_days"] == {"decision": 1}
    # Deciding clears the escalation flag; the breach stays on record.
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold")
    assert story.case.escalated_at is None
    assert DeadlineBreach.objects.count() == 1


def test_an_appeal_not_decided_in_time_is_a_breach(story):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", "reject")
    story.appeal("complainant")
    story.days(8)
    story.enforce()

    assert DeadlineBreach.objects.filter(stage="appeal").count() == 1


def test_each_party_sees_the_history_it_is_entitled_to(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    client = CommitAPIClient()

    uploader = client.get(
        f"/api/v1/uploader/cases/{story.notice.reference}/",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    ).json()
    uploader_text = " ".join(e["description"] for e in uploader["timeline"])
    assert "measure (Delete the content)" in uploader_text and "counter-notice" in uploader_text
    assert "Mei Lin" not in str(uploader) and "moderator_a" not in str(uploader)
    assert not any(e["event"] == "notice_received" for e in uploader["timeline"])
    assert uploader["statement_of_reasons"]["ground"].startswith("PRC Civil Code")
    assert uploader["counter_notice"]["status"] == "waiting"
    # The counter-notice is being handled: the appeal waits for its outcome.
    assert uploader["appeal"]["allowed"] is False
    assert "at this stage of the case" in uploader["appeal"]["reason"]

    complainant = client.get(
        f"/api/v1/notices/{story.notice.reference}/", HTTP_X_TRACKING_TOKEN=story.notice.token
    ).json()
    complainant_text = " ".join(e["description"] for e in complainant["timeline"])
    assert "counter-notice" in complainant_text
    assert "moderator_a" not in str(complainant) and "Glow Clinic" not in complainant_text

    staff = api_as(story.users["legal"]).get(f"/api/v1/cases/{story.case.pk}/log/").json()
    assert {"moderator_a", "uploader", "complainant", "system"} <= {e["actor_label"] for e in staff}


def test_a_repeat_infringer_is_warned_then_suspended_for_the_period_then_restored(story, settings):
    from cases.models import RepeatInfringer
    from demo_platform.models import Account

    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 2
    settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE = "suspend"
    account = posts_by_role("clinic")[0].account

    def suspended() -> bool:
        return Account.objects.get(pk=account.pk).suspended_at is not None

    _upheld_cases(story, 2)
    flagged = RepeatInfringer.objects.get()
    assert flagged.uploader_id == account.handle and flagged.upheld_cases == 2
    assert flagged.warned_at is not None and not suspended()
    story.uploader_told("Warning: repeated portrait-right notices")
    warning = UploaderMessage.objects.get(subject__startswith="Warning")
    assert "will be suspended for 90 days" in warning.body

    story.days(1)
    _upheld_cases(story, 1)  # the next decision against the uploader after the warning
    flagged.refresh_from_db()
    assert suspended() and flagged.account_measure == "suspend"
    assert flagged.account_measure_ends_at == flagged.account_measure_at + timedelta(days=90)
    statement = UploaderMessage.objects.get(subject__contains="was suspended")
    assert "duration: until" in statement.body and "after the warning sent on" in statement.body
    assert flagged.flagged_in.log.filter(action="account_measure_applied").exists()

    story.days(89)
    story.enforce()
    assert suspended()
    story.days(1)
    story.enforce()
    flagged.refresh_from_db()
    assert not suspended() and flagged.cleared_because == "period_ended"
    story.uploader_told("The suspension of your account has ended")
    assert story.result["ended_account_measures"] == 1


@pytest.fixture
def warned_policy(settings):
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 2
    settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE = "suspend"
    return settings


def _suspended(story) -> bool:
    from demo_platform.models import Account

    return Account.objects.get(pk=posts_by_role("clinic")[0].account_id).suspended_at is not None


def test_a_notice_from_before_the_warning_decided_after_it_does_not_suspend(story, warned_policy):
    from cases.models import RepeatInfringer

    story.file(email="early@example.com")
    early = story.notice
    story.days(1)
    _upheld_cases(story, 2)
    assert RepeatInfringer.objects.get().warned_at is not None
    story.days(1)
    story.notice = early
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold")

    assert not _suspended(story)
    assert RepeatInfringer.objects.get().account_measure_due_at is None
    Post.objects.filter(pk=story.post.pk).update(state="live")  # reposted
    # A notice received after the warning, once upheld, does.
    _upheld_cases(story, 1)
    assert _suspended(story)


def test_a_warning_whose_cases_left_the_window_lapses_and_counting_starts_over(
    story, warned_policy
):
    from cases.models import RepeatInfringer

    _upheld_cases(story, 2)
    story.days(400)  # past the 365-day window
    _upheld_cases(story, 1)

    assert not _suspended(story)
    lapsed = RepeatInfringer.objects.get()
    assert lapsed.cleared_because == "lapsed" and lapsed.account_measure_due_at is None


def test_a_temporary_measure_ending_does_not_clear_the_flag_or_lift_the_suspension(story, settings):
    from cases.models import RepeatInfringer

    _flag_after_upheld_cases(story, settings, 1)
    story.file(email="temporary@example.com")
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold", ends_on=(START + timedelta(days=5)).date().isoformat())
    assert _suspended(story)

    story.days(7)
    story.enforce()
    story.post_is("live")  # the temporary measure ended

    assert RepeatInfringer.objects.get().cleared_at is None
    assert _suspended(story)


def test_reversing_the_decision_after_the_warning_lifts_the_suspension_and_warns_again(
    story, warned_policy
):
    from cases.models import RepeatInfringer

    _upheld_cases(story, 2)
    story.days(1)
    _upheld_cases(story, 1)
    assert _suspended(story)

    _reverse_on_the_uploaders_appeal(story)  # the upheld notice after the warning

    assert not _suspended(story)
    first, second = RepeatInfringer.objects.order_by("pk")
    assert first.cleared_because == "reversed" and first.account_measure_lifted_at is not None
    assert second.cleared_at is None and second.upheld_cases == 2
    assert second.warned_at is not None and second.account_measure_due_at is None
    assert UploaderMessage.objects.filter(subject__startswith="Warning").count() == 2


def test_without_a_prior_warning_the_account_measure_follows_the_threshold(story, settings):
    from cases.models import RepeatInfringer
    from demo_platform.models import Account

    _flag_after_upheld_cases(story, settings, 2)

    flagged = RepeatInfringer.objects.get()
    assert flagged.warned_at is None and flagged.account_measure == "suspend"
    assert Account.objects.get(pk=story.post.account_id).suspended_at is not None
    assert not UploaderMessage.objects.filter(subject__startswith="Warning").exists()


def _upheld_cases(story, count):
    """``count`` upheld notices against the same uploader, who reposts each time."""
    for _ in range(count):
        # Each from another notifier: a second notice from the same one would join their case.
        story.notifiers = getattr(story, "notifiers", 0) + 1
        story.file(email=f"notifier{story.notifiers}@example.com")
        story.claim("moderator_a")
        story.decide("moderator_a", "uphold")
        Post.objects.filter(pk=story.post.pk).update(state="live")  # reposted


def _flag_after_upheld_cases(story, settings, count, measure="suspend"):
    """The policy without a prior warning: the account measure follows the threshold."""
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 2
    settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE = measure
    settings.TAKEDOWN_REPEAT_INFRINGER_WARN_FIRST = False
    _upheld_cases(story, count)


def _reverse_on_the_uploaders_appeal(story):
    story.appeal("uploader")
    story.claim("moderator_b")
    story.decide("moderator_b", "reject")


def test_a_reversal_below_the_threshold_clears_the_flag_and_lifts_the_account_measure(
    story, settings
):
    from cases.models import RepeatInfringer
    from demo_platform.models import Account

    _flag_after_upheld_cases(story, settings, 2)
    account = story.post.account
    assert Account.objects.get(pk=account.pk).suspended_at is not None

    _reverse_on_the_uploaders_appeal(story)

    flag = RepeatInfringer.objects.get()
    assert flag.cleared_at is not None and flag.cleared_in_id == story.case.pk
    assert flag.account_measure_lifted_at is not None
    assert Account.objects.get(pk=account.pk).suspended_at is None
    story.uploader_told("restriction on your account was lifted")
    actions = list(story.case.log.values_list("action", flat=True))
    assert actions.index("repeat_infringer_cleared") < actions.index("account_measure_lifted")
    assert "uploader_told_account_measure_lifted" in actions
    assert api_as(story.users["legal"]).get("/api/v1/dashboard/").json()["repeat_infringers"] == 0

    # Two new upheld cases later, the uploader is flagged again: a new flag, a new measure.
    _flag_after_upheld_cases(story, settings, 2)
    standing = RepeatInfringer.objects.get(cleared_at__isnull=True)
    assert standing.pk != flag.pk and standing.account_measure_at is not None
    assert Account.objects.get(pk=account.pk).suspended_at is not None


def test_a_reversal_that_leaves_the_uploader_at_the_threshold_keeps_the_flag(story, settings):
    from cases.models import RepeatInfringer
    from demo_platform.models import Account

    _flag_after_upheld_cases(story, settings, 3)
    _reverse_on_the_uploaders_appeal(story)

    assert RepeatInfringer.objects.get().cleared_at is None
    assert Account.objects.get(pk=story.post.account_id).suspended_at is not None
    assert not story.case.log.filter(action="repeat_infringer_cleared").exists()


def test_an_account_measure_the_platform_refuses_is_recorded_and_the_flag_stays(story, settings):
    from cases.models import RepeatInfringer

    # The demo platform offers suspension only.
    _flag_after_upheld_cases(story, settings, 2, measure="terminate")

    flag = RepeatInfringer.objects.get()
    assert flag.cleared_at is None and flag.account_measure_at is None
    assert flag.account_measure_refused_at is not None
    assert "suspend, not 'terminate'" in flag.account_measure_response["error"]
    refusal = story.case.log.get(action="account_measure_refused")
    assert refusal.details["measure"] == "terminate"


def test_a_lift_the_platform_refuses_is_logged_for_staff_and_not_asked_again(
    story, settings, monkeypatch
):
    from cases.deadlines import requeue_stalled_work
    from cases.models import RepeatInfringer
    from cases.platforms import PlatformError
    from cases.platforms.demo import DemoPlatformAdapter
    from demo_platform.models import Account

    def refuse(self, uploader_id, measure, *, idempotency_key):
        raise PlatformError("Account measures are final here.", transient=False)

    monkeypatch.setattr(DemoPlatformAdapter, "lift_account_measure", refuse)
    _flag_after_upheld_cases(story, settings, 2)
    _reverse_on_the_uploaders_appeal(story)

    flag = RepeatInfringer.objects.get()
    assert flag.cleared_at is not None and flag.account_measure_lifted_at is None
    assert Account.objects.get(pk=story.post.account_id).suspended_at is not None
    assert story.case.log.get(action="account_measure_lift_refused").details["error"] == (
        "Account measures are final here."
    )
    story.days(1)
    with story.capture(execute=True):
        assert requeue_stalled_work()["account_measures"] == 0


def test_the_sweeper_applies_an_account_measure_whose_task_was_lost(story, settings, monkeypatch):
    from kombu.exceptions import OperationalError

    from cases import tasks
    from cases.deadlines import requeue_stalled_work
    from cases.models import RepeatInfringer
    from demo_platform.models import Account

    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    # The broker is down when the flag is raised: the measure's task never leaves.
    with monkeypatch.context() as patch:
        patch.setattr(tasks.apply_account_measure, "apply_async", broker_down)
        _flag_after_upheld_cases(story, settings, 2)
    assert RepeatInfringer.objects.get().account_measure_at is None

    with story.capture(execute=True):
        assert requeue_stalled_work()["account_measures"] == 0  # too recent: may be on its way
    story.days(1)
    with story.capture(execute=True):
        assert requeue_stalled_work()["account_measures"] == 1

    assert Account.objects.get(pk=story.post.account_id).suspended_at is not None
    story.uploader_told("repeat-infringer policy")
    story.days(1)
    with story.capture(execute=True):
        assert requeue_stalled_work()["account_measures"] == 0  # nothing left to do


def test_the_uploader_uses_the_private_link_page_to_counter_notify_and_sees_the_result(story):
    from .conftest import CommitClient

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    browser = CommitClient()
    link = f"/respond/{story.notice.reference}/?token={story.uploader_token()}"

    landing = browser.get(link)
    assert landing.status_code == 302 and "token" not in landing["Location"]
    page = browser.get(landing["Location"]).content.decode()
    assert "Statement of reasons" in page and "PRC Civil Code" in page
    assert 'id="counter-notice-form"' in page and 'id="appeal-form"' in page

    incomplete = browser.post(landing["Location"], {"action": "counter_notice", "name": "Zhang"})
    assert incomplete.status_code == 400
    assert "Attach preliminary evidence" in incomplete.content.decode()
    story.state("actioned")

    sent = browser.post(
        landing["Location"],
        {
            "action": "counter_notice",
            "name": "Zhang Wei",
            "email": "legal@glow.example",
            "statement": "She consented.",
            "good_faith": "on",
            "signature": "Zhang Wei",
            "evidence": upload("consent.pdf", PDF, "application/pdf"),
        },
        follow=True,
    )
    assert "Your counter-notice was sent" in sent.content.decode()
    assert 'id="counter-notice-form"' not in sent.content.decode()
    story.state("counter_noticed")
    assert CommitClient().get(f"/respond/{story.notice.reference}/").status_code == 404


def test_a_receipt_still_unsent_after_the_acknowledgement_deadline_is_a_breach(story):
    from notices.models import OutboundEmail

    story.file()
    # The mail server refused it, say: the receipt is still in the outbox.
    OutboundEmail.objects.filter(template="receipt").update(sent_at=None)
    story.traveller.shift(timedelta(minutes=59))
    story.enforce()
    assert not DeadlineBreach.objects.exists()
    story.traveller.shift(timedelta(minutes=2))
    story.enforce()

    assert list(DeadlineBreach.objects.values_list("stage", flat=True)) == ["acknowledgement"]


def test_a_disputed_measure_not_reviewed_in_time_is_a_breach_and_legal_can_keep_it(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.proof()
    story.days(29)
    story.enforce()
    assert not DeadlineBreach.objects.filter(stage="dispute").exists()
    story.days(2)
    story.enforce()
    assert DeadlineBreach.objects.filter(stage="dispute").count() == 1

    refused = api_as(story.users["moderator_a"]).post(
        f"/api/v1/cases/{story.case.pk}/resolve-dispute/",
        {"outcome": "maintain", "reasons": "Court case pending."},
        format="json",
    )
    assert refused.status_code == 403
    kept = api_as(story.users["legal"]).post(
        f"/api/v1/cases/{story.case.pk}/resolve-dispute/",
        {"outcome": "maintain", "reasons": "Court case pending."},
        format="json",
    )
    assert kept.status_code == 200, kept.json()
    story.state("actioned")
    story.post_is("deleted")
    assert CounterNotice.objects.get().status == "maintained"


def test_the_complainant_sends_proof_and_appeals_from_the_tracking_page(story):
    from .conftest import CommitClient

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    browser = CommitClient()
    page = browser.get(
        f"/notices/track/{story.notice.reference}/?token={story.notice.token}", follow=True
    ).content.decode()
    assert 'id="legal-action-form"' in page and "2026-11-17" in page
    assert "PRC Civil Code arts. 1018-1019" in page  # the ground of the decision

    empty = browser.post(
        f"/notices/track/{story.notice.reference}/legal-action/", {"message": "Court."}, follow=True
    )
    assert "Attach the proof" in empty.content.decode()
    story.state("counter_noticed")
    sent = browser.post(
        f"/notices/track/{story.notice.reference}/legal-action/",
        {"message": "Court case 2026-123.", "files": upload("r.pdf", PDF, "application/pdf")},
        follow=True,
    )
    assert "Your proof was received" in sent.content.decode()
    story.state("disputed")
    # Not the complainant's to appeal while the dispute is open; a stranger is a 404.
    assert (
        CommitClient().post(f"/notices/track/{story.notice.reference}/appeal/").status_code == 404
    )


def test_an_empty_counter_notice_or_proof_is_a_400_not_a_crash(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    client = CommitAPIClient()
    reference = story.notice.reference
    countered = client.post(
        f"/api/v1/uploader/cases/{reference}/counter-notice/",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    proof = client.post(
        f"/api/v1/notices/{reference}/legal-action/", HTTP_X_TRACKING_TOKEN=story.notice.token
    )

    assert countered.status_code == 400 and "statement" in countered.json()
    assert proof.status_code == 400 and {"message", "files"} <= set(proof.json())
    story.state("actioned")


def test_a_territorial_scope_must_name_real_countries(story):
    story.file()
    story.claim("moderator_a")
    story.decide(
        "moderator_a", "uphold", expect=400, measure="block", territorial_scope=["DE", "XX"]
    )
    assert "XX" in story.response.json()["detail"]
    story.state("in_review")
    story.decide("moderator_a", "uphold", measure="block", territorial_scope=["de", "FR"])
    assert story.response.json()["territorial_scope"] == ["DE", "FR"]


@pytest.mark.parametrize("measure", ["delete", "disconnect_link"])
def test_only_a_block_can_be_limited_to_some_countries(story, measure):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold", expect=400, measure=measure, territorial_scope=["DE"])
    assert "Only block can be limited" in story.response.json()["territorial_scope"][0]
    story.state("in_review")
    story.post_is("live")


@pytest.mark.parametrize("outcome", ["reject", "request_info"])
def test_scope_and_end_date_are_refused_without_a_measure(story, outcome):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", outcome, expect=400, ends_on="2027-01-31")
    assert "only when upholding" in story.response.json()["ends_on"][0]
    story.state("in_review")


def test_a_block_limited_to_some_countries_is_withheld_only_there(story, client):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold", measure="block", territorial_scope=["DE", "FR"])
    story.post_is("blocked")

    page = f"/platform/posts/{story.post.pk}/"
    assert client.get(page, {"country": "DE"}).status_code == 451
    assert client.get(page, HTTP_X_VIEWER_COUNTRY="fr").status_code == 451
    assert client.get(page, {"country": "CN"}).status_code == 200
    measure = story.case.decisions.get().measures.get()
    assert measure.platform_response["blocked_in"] == ["DE", "FR"]


def test_parties_are_told_why_an_action_is_not_open_in_plain_words(story):
    story.file()
    story.claim("moderator_a")
    story.decide("moderator_a", "reject")
    story.appeal("complainant")
    story.appeal("complainant", 409)
    assert story.response.json()["detail"] == "An appeal on this case is already being reviewed."
    story.proof(expect=409)
    assert "waiting period after the uploader's counter-notice" in story.response.json()["detail"]


def test_an_uploaders_appeal_cannot_lift_another_uploaders_measure(story):
    story.file(also_pack=True)
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold")
    story.appeal("uploader")
    story.claim("moderator_b")
    story.decide("moderator_b", "reject", expect=400)
    assert "other uploaders" in story.response.json()["detail"]
    story.state("appealed")

    items = {i.content_id: i.pk for i in story.case.notice.items.all()}
    clinic, pack = items[f"post-{story.post.pk}"], items[f"post-{story.pack_post.pk}"]
    story.decide(
        "moderator_b",
        "uphold",
        items=[{"id": clinic, "measure": "none"}, {"id": pack, "measure": "delete"}],
    )
    story.state("actioned")
    story.post_is("live")
    assert Post.objects.get(pk=story.pack_post.pk).state == "deleted"
    # The complainant, who has not appealed, may appeal this appeal decision; the uploader may not.
    story.appeal("uploader", 409)
    assert "final within the platform" in story.response.json()["detail"]
    # The seller, whose deletion the appeal decision kept, still has their own appeal.
    story.post = story.pack_post
    seller = CommitAPIClient().get(
        f"/api/v1/uploader/cases/{story.notice.reference}/",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    assert seller.json()["appeal"]["allowed"] is True, seller.json()["appeal"]
    story.appeal("uploader")
    story.state("appealed")


def test_the_parties_are_not_offered_an_appeal_the_case_stage_holds_back(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.state("counter_noticed")

    uploader = CommitAPIClient().get(
        f"/api/v1/uploader/cases/{story.notice.reference}/",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    complainant = CommitAPIClient().get(
        f"/api/v1/notices/{story.notice.reference}/", HTTP_X_TRACKING_TOKEN=story.notice.token
    )
    story.appeal("uploader", 409)
    refusal = story.response.json()["detail"]
    story.appeal("complainant", 409)

    assert (
        refusal == "An appeal is not possible at this stage of the case (counter-notice received)."
    )
    for view in (uploader.json(), complainant.json()):
        assert view["appeal"]["allowed"] is False
        assert view["appeal"]["reason"] == refusal
        assert view["appeal"]["closes_at"]  # the window still runs once the stage allows it


def test_the_web_decision_form_records_scope_and_end_date(story):
    from .conftest import web_as

    story.file()
    story.claim("moderator_a")
    browser = web_as(story.users["moderator_a"])
    item = story.case.notice.items.get()
    form = {
        "outcome": "uphold",
        "ground": "portrait_right",
        "reasons": "Her selfie as an advert.",
        f"measure_{item.pk}": "block",
        "territorial_scope": "cn, DE",
        "ends_on": "2027-05-31",
    }
    bad = browser.post(f"/staff/cases/{story.case.pk}/decide/", {**form, "ends_on": "soon"})
    assert bad.status_code == 302
    story.state("in_review")
    browser.post(f"/staff/cases/{story.case.pk}/decide/", form)

    decision = story.case.decisions.get()
    assert decision.territorial_scope == ["CN", "DE"]
    assert str(decision.ends_on) == "2027-05-31"


def test_two_uploaders_counter_notices_are_restored_each_when_its_own_period_ends(story):
    story.file(also_pack=True)
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold")
    story.counter_notice()  # the clinic, day 0
    pack_post, story.post = story.pack_post, story.pack_post
    story.days(5)
    story.counter_notice()  # the photo-pack seller, day 5
    clinic_post = posts_by_role("clinic")[0]

    story.days(10)
    story.enforce()  # day 15: the clinic's period is over, the seller's is not
    story.state("counter_noticed")
    assert Post.objects.get(pk=clinic_post.pk).state == "live"
    assert Post.objects.get(pk=pack_post.pk).state == "deleted"
    assert story.case.log.filter(action="restore_expired").count() == 1

    story.days(5)
    story.enforce()  # day 20
    story.state("restored")
    assert Post.objects.get(pk=pack_post.pk).state == "live"


def test_the_decision_clock_stands_still_while_the_complainant_is_asked_for_information(story):
    story.file()
    due = story.case.due_at
    story.claim("moderator_a")
    story.decide("moderator_a", "request_info")
    story.days(5)
    story.provide_info()
    story.enforce()

    # Answered on day 5: the first decision is due 5 days later than it was, not overdue.
    assert story.case.due_at == due + timedelta(days=5)
    assert not DeadlineBreach.objects.exists()


def test_a_missed_deadline_is_mailed_to_the_legal_role_when_no_address_is_configured(story):
    story.file()
    story.days(4)
    story.enforce()

    from django.contrib.auth.models import User

    legal = set(User.objects.filter(groups__name="legal").values_list("email", flat=True))
    told = [m.to for m in mail.outbox if "Deadline missed" in m.subject]
    assert story.users["legal"].email in legal
    assert sorted(address for to in told for address in to) == sorted(legal)


def test_a_dispute_review_is_a_decision_with_its_statement_of_reasons(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.proof()
    story.resolve("legal", "maintain")

    kept = story.case.decisions.order_by("-pk").first()
    upheld = kept.replaces
    assert (kept.outcome, kept.decided_by) == ("maintain", story.users["legal"])
    assert upheld.outcome == "uphold"
    assert kept.ground_reference == upheld.ground_reference != ""
    assert "appeal" in kept.redress
    uploader = (
        CommitAPIClient()
        .get(
            f"/api/v1/uploader/cases/{story.notice.reference}/",
            HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
        )
        .json()
    )
    assert uploader["statement_of_reasons"]["outcome"] == "maintain"
    assert uploader["appeal"]["allowed"] is True
    message = UploaderMessage.objects.filter(post=story.post).order_by("-pk").first()
    assert "Dispute reviewed: maintain." in message.body and "appeal" in message.body


def test_the_uploader_is_told_the_dmca_waiting_period_in_business_days(story, settings):
    settings.TAKEDOWN_COUNTER_NOTICE_POLICY = "dmca"
    settings.TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS = 12
    for name, *args in UPHOLD:
        getattr(story, name)(*args)

    message = UploaderMessage.objects.get(post=story.post)
    assert "(currently 12 business days)" in message.body


@pytest.mark.parametrize(
    "changes, problem",
    [
        (
            {"TAKEDOWN_COUNTER_NOTICE_POLICY": "dmca", "TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS": 20},
            "10 to 14 business days",
        ),
        ({"TAKEDOWN_APPEAL_WINDOW_MONTHS": 3}, "at least 6 months"),
        ({"TAKEDOWN_PUBLIC_HOLIDAYS": ["25/12/2026"]}, "not an ISO date"),
    ],
)
def test_a_policy_the_law_does_not_allow_stops_the_start(settings, changes, problem):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    for name, value in changes.items():
        setattr(settings, name, value)
    with pytest.raises(SystemCheckError, match=problem):
        call_command("check")


def test_under_the_dmca_policy_the_complainant_receives_the_whole_counter_notice(story, settings):
    settings.TAKEDOWN_COUNTER_NOTICE_POLICY = "dmca"
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.response = CommitAPIClient().post(
        f"/api/v1/uploader/cases/{story.notice.reference}/counter-notice/",
        {
            "name": "Zhang Wei",
            "email": "legal@glow.example",
            "phone": "+86 10 5555 0199",
            "address": "1 Shop Street, Beijing",
            "statement": "Consent given.",
            "good_faith": "true",
            "consent_to_jurisdiction": "true",
            "signature": "Zhang Wei",
            "evidence": [upload("consent.pdf", PDF, "application/pdf")],
        },
        format="multipart",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    assert story.response.status_code == 201, story.response.json()

    # 512(g)(2)(B): the complainant gets a copy, with what they need to go to court.
    forwarded = next(m for m in mail.outbox if "counter-notice" in m.subject)
    for part in ("legal@glow.example", "1 Shop Street, Beijing", "+86 10 5555 0199"):
        assert part in forwarded.body
    assert "consents to the jurisdiction" in forwarded.body


def test_under_the_prc_policy_the_forwarded_counter_notice_names_the_uploader_only(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()

    forwarded = next(m for m in mail.outbox if "counter-notice" in m.subject)
    assert "Glow Clinic Ltd, by Zhang Wei" in forwarded.body
    assert "legal@glow.example" not in forwarded.body


def test_the_complainant_reads_the_whole_statement_of_reasons_in_their_language(story):
    from .conftest import CommitClient

    story.file()
    story.claim("moderator_a")
    story.decide(
        "moderator_a", "uphold", measure="block", territorial_scope=["CN"], ends_on="2027-05-31"
    )
    tracked = CommitAPIClient().get(
        f"/api/v1/notices/{story.notice.reference}/", HTTP_X_TRACKING_TOKEN=story.notice.token
    )
    decision = tracked.json()["decision"]
    assert decision["territorial_scope"] == ["CN"] and decision["ends_on"] == "2027-05-31"

    page = (
        CommitClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
        .get(f"/notices/track/{story.notice.reference}/?token={story.notice.token}", follow=True)
        .content.decode()
    )
    assert 'id="decision-scope"' in page and "适用范围" in page and "CN" in page
    assert "您可在 6 个月内对本决定免费申诉一次" in page
    assert "You may appeal" not in page


def test_the_complainant_sees_a_dispute_review_as_a_decision(story):
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.proof()
    story.resolve("legal", "maintain")

    tracked = CommitAPIClient().get(
        f"/api/v1/notices/{story.notice.reference}/", HTTP_X_TRACKING_TOKEN=story.notice.token
    )
    assert tracked.status_code == 200
    assert tracked.json()["decision"]["outcome"] == "maintain"


def test_an_unsent_receipt_of_a_joined_notice_is_a_breach_of_the_case_it_joined(story):
    from notices.models import OutboundEmail

    story.file()
    case = story.case
    story.file()  # the same notifier about the same post: joins the first case
    tracked = CommitAPIClient().get(
        f"/api/v1/notices/{story.notice.reference}/", HTTP_X_TRACKING_TOKEN=story.notice.token
    )
    assert tracked.json()["handled_with"] == case.notice.reference
    OutboundEmail.objects.filter(
        template="receipt", notice__reference=story.notice.reference
    ).update(sent_at=None)
    story.traveller.shift(timedelta(minutes=61))
    story.enforce()

    breach = DeadlineBreach.objects.get()
    assert (breach.stage, breach.case_id) == ("acknowledgement", case.pk)


def test_the_complainants_details_in_free_text_are_withheld_from_the_uploader(story, settings):
    story.response = story.public.post(
        "/api/v1/notices/",
        notice_payload(
            [post_url(posts_by_role("clinic")[0])],
            description="I am Mei Lin; call me on +86 10 5555 0100 or mei.lin@example.com.",
        ),
        format="multipart",
    )
    body = story.response.json()
    story.notice = SimpleNamespace(reference=body["reference"], token=body["tracking_token"])
    story.post = posts_by_role("clinic")[0]
    story.claim("moderator_a")
    story.decide("moderator_a", "uphold", reasons="Mei Lin's selfie, reposted as an advert.")

    message = UploaderMessage.objects.get(post=story.post).body
    for detail in ("Mei Lin", "5555 0100", "mei.lin@example.com"):
        assert detail not in message
    assert "reposted as an advert" in message and "[removed]" in message

    # A policy that forwards the complainant's contact forwards the text as written.
    settings.TAKEDOWN_FORWARD_COMPLAINANT_CONTACT = True
    from cases.measures import statement_for_uploader

    assert "Mei Lin's selfie" in statement_for_uploader(story.case.decisions.get())


def test_a_counter_notice_that_fails_after_storing_its_evidence_leaves_no_file(
    story, private_storage, monkeypatch
):
    from pathlib import Path

    from cases import redress, services
    from cases.models import UploaderAccess
    from notices.uploads import clean_document

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    root = Path(private_storage.location)
    before = {p for p in root.rglob("*") if p.is_file()}

    def broken_log(**kwargs):
        raise RuntimeError("the database went away")

    # The failure comes after the evidence was written, inside the transaction.
    monkeypatch.setattr(services, "log_append", broken_log)
    evidence = clean_document(upload("consent.pdf", PDF, "application/pdf"))
    with pytest.raises(RuntimeError):
        redress.counter_notice_file(
            access=UploaderAccess.objects.get(),
            fields={
                "name": "Zhang Wei",
                "email": "legal@glow.example",
                "statement": "Consent given.",
                "signature": "Zhang Wei",
                "good_faith": True,
            },
            evidence=[evidence],
        )

    assert {p for p in root.rglob("*") if p.is_file()} == before
    assert not CounterNotice.objects.exists()


def test_the_uploader_sees_what_holds_now_after_an_appeal_reverses_a_kept_measure(story):
    from .conftest import CommitClient

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.proof()
    story.resolve("legal", "maintain")
    token = story.uploader_token()
    page = (
        CommitClient()
        .get(f"/respond/{story.notice.reference}/?token={token}", follow=True)
        .content.decode()
    )
    assert "The disputed measure was kept after review" in page

    story.appeal("uploader")
    story.claim("moderator_b")
    story.decide("moderator_b", "reject")
    view = (
        CommitAPIClient()
        .get(f"/api/v1/uploader/cases/{story.notice.reference}/", HTTP_X_UPLOADER_TOKEN=token)
        .json()
    )

    assert [item["restricted_now"] for item in view["items"]] == [False]
    assert view["timeline"][-1]["description"].startswith("You were told your content")
    assert "was restored" in view["timeline"][-1]["description"]


@pytest.mark.parametrize(
    ("policy", "words"),
    [("prc", "does not infringe the rights of the person shown"), ("dmca", "penalty of perjury")],
)
def test_the_good_faith_declaration_is_the_one_the_policys_law_asks_for(
    story, settings, policy, words
):
    settings.TAKEDOWN_COUNTER_NOTICE_POLICY = policy
    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    response = CommitAPIClient().post(
        f"/api/v1/uploader/cases/{story.notice.reference}/counter-notice/",
        {"name": "Z", "email": "z@example.com", "statement": "Mine.", "signature": "Z"},
        format="multipart",
        HTTP_X_UPLOADER_TOKEN=story.uploader_token(),
    )
    assert response.status_code == 400
    assert words in response.json()["good_faith"][0]


def test_flags_raised_before_flags_knew_their_case_are_linked_by_the_migration(story, settings):
    import importlib

    from django.apps import apps

    from cases.models import RepeatInfringer

    migration = importlib.import_module(
        "cases.migrations.0020_repeat_infringer_warning_period_and_clearing"
    )
    _flag_after_upheld_cases(story, settings, 2)
    flag = RepeatInfringer.objects.get()
    home = flag.flagged_in_id
    RepeatInfringer.objects.filter(pk=flag.pk).update(
        flagged_in=None, account_measure_due_at=None, measure_due_in=None
    )

    migration.link_existing_flags(apps, None)

    flag.refresh_from_db()
    assert flag.flagged_in_id == home and flag.measure_due_in_id == home
    assert flag.account_measure_due_at == flag.account_measure_at

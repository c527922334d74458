"""The moderator console: queue filters with their counts, who holds a claim and when it lapses,
bulk decisions behind a confirmation page, and reason templates in the decision form."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format

from cases import services
from cases.models import ActionLog, Case, Decision, State, Verdict
from cases.reason_templates import REASON_TEMPLATES, reason_templates
from cases.roles import Actor
from demo_platform.models import Post
from notices.models import Notice, ReportedItem

from .conftest import api_as, notice_payload, post_url, web_as

QUEUE = reverse("cases:queue")
BULK = reverse("cases:bulk")
_numbers = itertools.count(1)


def make_case(**fields) -> Case:
    """A case built from model objects (no platform, no upload), with one reported item."""
    n = next(_numbers)
    notice = Notice.objects.create(
        reference=f"TD-2026-{700000 + n}",
        tracking_token_hash=Notice.hash_token(f"console-{n}"),
        notifier_name="Mei Lin",
        notifier_email="mei@example.com",
        relationship="self",
        use_type="sale",
        description="x",
        requested_measure="delete",
        good_faith=True,
        accuracy=True,
        signature="Mei Lin",
    )
    ReportedItem.objects.create(
        notice=notice,
        submitted=f"post-{n}",
        content_id=f"post-{n}",
        url=f"http://testserver/platform/posts/{n}/",
    )
    fields.setdefault("due_at", timezone.now() + timedelta(days=2))
    fields.setdefault("state", State.RECEIVED)
    return Case.objects.create(notice=notice, **fields)


def counts(response) -> dict[str, dict[str, int]]:
    """The number shown next to each filter option, by filter and value."""
    return {
        group["name"]: {option["value"]: option["count"] for option in group["options"]}
        for group in response.context["filter_groups"]
    }


def shown(response) -> set[int]:
    return {case.pk for case in response.context["page"].object_list}


@pytest.fixture
def queue_world(moderator_a, moderator_b):
    now = timezone.now()
    lease = now + timedelta(minutes=20)
    return {
        "overdue_match": make_case(verdict=Verdict.MATCH, due_at=now - timedelta(hours=1)),
        "soon_trusted": make_case(
            verdict=Verdict.MATCH, due_at=now + timedelta(hours=2), priority="trusted"
        ),
        "mine": make_case(
            state=State.IN_REVIEW,
            verdict=Verdict.POSSIBLE,
            claimed_by=moderator_a,
            claim_expires_at=lease,
        ),
        "theirs": make_case(
            state=State.IN_REVIEW,
            verdict=Verdict.NO_MATCH,
            claimed_by=moderator_b,
            claim_expires_at=lease,
        ),
        "lapsed": make_case(
            state=State.IN_REVIEW,
            verdict=Verdict.MATCH,
            claimed_by=moderator_b,
            claim_expires_at=now - timedelta(minutes=1),
        ),
        "closed": make_case(state=State.CLOSED, verdict=Verdict.MATCH),
    }


def test_each_filter_option_shows_how_many_cases_it_would_give(queue_world, moderator_a):
    w = queue_world
    response = web_as(moderator_a).get(QUEUE)

    assert shown(response) == {c.pk for k, c in w.items() if k != "closed"}
    numbers = counts(response)
    assert numbers["state"]["open"] == 5
    assert numbers["state"]["all"] == 6
    assert numbers["state"]["closed"] == 1
    assert numbers["state"]["in_review"] == 3
    assert numbers["verdict"] == {"": 5, "match": 3, "possible": 1, "no_match": 1} | {
        "pending": 0,
        "unavailable": 0,
    }
    assert numbers["due"] == {"": 5, "soon": 1, "overdue": 1}
    assert numbers["priority"]["trusted"] == 1
    # A claim that lapsed counts as unclaimed.
    assert numbers["claim"] == {"": 5, "mine": 1, "unclaimed": 3, "others": 1}


def test_filters_combine_and_the_counts_follow_the_other_filters(queue_world, moderator_a):
    w = queue_world
    response = web_as(moderator_a).get(QUEUE, {"verdict": "match", "claim": "unclaimed"})

    assert shown(response) == {w["overdue_match"].pk, w["soon_trusted"].pk, w["lapsed"].pk}
    numbers = counts(response)
    # Each option counts with the other chosen filters kept: "mine" among the matches is 0.
    assert numbers["claim"]["mine"] == 0
    assert numbers["claim"]["unclaimed"] == 3
    assert numbers["verdict"]["possible"] == 0  # the possible match is claimed (by me)
    assert numbers["due"]["overdue"] == 1

    overdue = web_as(moderator_a).get(QUEUE, {"due": "overdue"})
    assert shown(overdue) == {w["overdue_match"].pk}
    trusted_soon = web_as(moderator_a).get(QUEUE, {"due": "soon", "priority": "trusted"})
    assert shown(trusted_soon) == {w["soon_trusted"].pk}
    mine = web_as(moderator_a).get(QUEUE, {"claim": "mine"})
    assert shown(mine) == {w["mine"].pk}
    closed = web_as(moderator_a).get(QUEUE, {"state": "closed"})
    assert shown(closed) == {w["closed"].pk}


def test_filter_links_are_shareable_urls_keeping_the_other_filters(queue_world, moderator_a):
    response = web_as(moderator_a).get(QUEUE, {"verdict": "match", "due": "overdue"})
    groups = {group["name"]: group for group in response.context["filter_groups"]}
    mine = next(o for o in groups["claim"]["options"] if o["value"] == "mine")
    assert mine["url"] == "?verdict=match&due=overdue&claim=mine"
    active = [o["value"] for o in groups["verdict"]["options"] if o["active"]]
    assert active == ["match"]
    page = response.content.decode()
    assert 'href="?verdict=match&amp;due=overdue&amp;claim=mine"' in page
    assert 'aria-current="true"' in page


def test_an_unknown_filter_value_is_reported_and_ignored(queue_world, moderator_a):
    response = web_as(moderator_a).get(QUEUE, {"due": "yesterday", "claim": "everyone"})
    page = response.content.decode()
    assert "Unknown value &#x27;yesterday&#x27; for due" in page
    assert "Unknown value &#x27;everyone&#x27; for claim" in page
    assert len(shown(response)) == 5


def test_the_filter_counts_cost_the_same_queries_for_many_cases(
    queue_world, moderator_a, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web_as(moderator_a)
    client.get(QUEUE)  # roles are looked up once per user, then cached
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE, {"verdict": "match"})
    for _ in range(20):
        make_case(verdict=Verdict.MATCH)
    with django_assert_num_queries(len(few)):
        response = client.get(QUEUE, {"verdict": "match"})
    assert counts(response)["verdict"]["match"] == 23
    # The session, the user, the page of ids, the cases and their prefetches, the counts.
    with django_assert_max_num_queries(12):
        client.get(QUEUE, {"due": "soon", "claim": "unclaimed", "priority": "trusted"})


# --- claims: who holds one, and when it lapses ----------------------------------------------


def test_the_queue_and_the_case_page_say_who_holds_a_claim_until_when(queue_world, moderator_a):
    theirs = queue_world["theirs"]
    until = timezone.localtime(theirs.claim_expires_at)
    hour = time_format(until)  # the language's TIME_FORMAT, e.g. "4:05 p.m."
    queue = web_as(moderator_a).get(QUEUE).content.decode()
    assert f"claimed by moderator_b until {hour}" in queue

    page = web_as(moderator_a).get(reverse("cases:detail", args=[theirs.pk])).content.decode()
    assert "claimed by moderator_b until" in page
    assert hour in page
    assert 'id="decide"' not in page  # not mine: no decision form


def test_a_lapsed_claim_shows_as_unclaimed_and_can_be_taken(queue_world, moderator_a):
    lapsed = queue_world["lapsed"]
    row_page = web_as(moderator_a).get(QUEUE, {"claim": "unclaimed"})
    assert lapsed.pk in shown(row_page)
    page = web_as(moderator_a).get(reverse("cases:detail", args=[lapsed.pk])).content.decode()
    assert "moderator_b's claim lapsed at" in page
    assert "claimed by moderator_b" not in page

    web_as(moderator_a).post(reverse("cases:claim", args=[lapsed.pk]))
    lapsed.refresh_from_db()
    assert lapsed.claimed_by.username == "moderator_a"


def test_a_claim_is_kept_by_activity_and_released_when_idle(moderator_a, moderator_b):
    minutes = settings.TAKEDOWN_CLAIM_MINUTES
    case = make_case()
    detail = reverse("cases:detail", args=[case.pk])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        start = timezone.now()
        web_as(moderator_a).post(reverse("cases:claim", args=[case.pk]))
        case.refresh_from_db()
        assert case.claim_expires_at == start + timedelta(minutes=minutes)

        # Opening the case two-thirds into the lease renews it for a full lease.
        traveller.shift(timedelta(minutes=minutes * 2 // 3))
        web_as(moderator_a).get(detail)
        # Someone else looking at it does not.
        web_as(moderator_b).get(detail)
        case.refresh_from_db()
        assert case.claim_expires_at == timezone.now() + timedelta(minutes=minutes)

        # Revealing the photos (the page posts the activity) renews it again.
        traveller.shift(timedelta(minutes=minutes - 1))
        answer = web_as(moderator_a).post(reverse("cases:claim_renew", args=[case.pk])).json()
        assert answer["renewed"] is True
        case.refresh_from_db()
        assert case.claim_expires_at == timezone.now() + timedelta(minutes=minutes)
        queue = web_as(moderator_b).get(QUEUE).content.decode()
        assert "claimed by moderator_a" in queue

        # Left idle past the lease: released, for everyone to see, and not revived.
        traveller.shift(timedelta(minutes=minutes + 1))
        queue = web_as(moderator_b).get(QUEUE, {"claim": "unclaimed"})
        assert case.pk in shown(queue)
        assert "claimed by moderator_a" not in queue.content.decode()
        answer = web_as(moderator_a).post(reverse("cases:claim_renew", args=[case.pk])).json()
        assert answer["renewed"] is False
        page = web_as(moderator_a).get(detail).content.decode()
        assert 'id="decide"' not in page  # claim it again before deciding
        web_as(moderator_b).post(reverse("cases:claim", args=[case.pk]))
        case.refresh_from_db()
        assert case.claimed_by == moderator_b


def test_renewing_someone_elses_claim_changes_nothing(moderator_a, moderator_b):
    case = make_case()
    services.case_claim(case_id=case.pk, actor=Actor.staff(moderator_b))
    case.refresh_from_db()
    before = case.claim_expires_at
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        answer = web_as(moderator_a).post(reverse("cases:claim_renew", args=[case.pk])).json()
    assert answer == {"renewed": False, "claim_expires_at": None, "until": ""}
    case.refresh_from_db()
    assert case.claim_expires_at == before
    assert case.claimed_by == moderator_b


# --- bulk decisions ---------------------------------------------------------------------------


@pytest.fixture
def bulk_world(moderator_a, moderator_b):
    free = [make_case(), make_case()]
    mine = make_case()
    services.case_claim(case_id=mine.pk, actor=Actor.staff(moderator_a))
    theirs = make_case()
    services.case_claim(case_id=theirs.pk, actor=Actor.staff(moderator_b))
    done = make_case(state=State.REJECTED)
    untouched = make_case()
    return {"free": free, "mine": mine, "theirs": theirs, "done": done, "untouched": untouched}


def bulk_body(cases, **extra) -> dict:
    body = {
        "case": [str(c.pk) for c in cases],
        "outcome": "reject",
        "ground": "insufficient_evidence",
        "reasons": "No identity document was sent.",
    }
    body.update(extra)
    return body


def snapshot() -> list:
    return list(
        Case.objects.order_by("pk").values_list("pk", "state", "claimed_by", "claim_expires_at")
    ) + [ActionLog.objects.count(), Decision.objects.count()]


def test_the_bulk_confirmation_lists_exactly_the_selected_cases_and_changes_nothing(
    bulk_world, moderator_a
):
    w = bulk_world
    selected = [*w["free"], w["mine"], w["theirs"], w["done"]]
    before = snapshot()

    response = web_as(moderator_a).post(BULK, bulk_body(selected))

    assert response.status_code == 200
    assert snapshot() == before
    rows = {row.case.pk: row for row in response.context["rows"]}
    assert list(rows) == [c.pk for c in selected]
    assert w["untouched"].pk not in rows
    page = response.content.decode()
    for case in selected:
        assert case.notice.reference in page
        assert f'<input type="hidden" name="case" value="{case.pk}">' in page
    assert w["untouched"].notice.reference not in page
    assert "Will be skipped:</strong> Claimed by moderator_b until" in page
    assert "only received or in-review cases are decided in bulk" in page
    assert "Confirm: decide 3 cases" in page
    assert "No identity document was sent." in page


def test_confirming_a_bulk_decision_decides_each_case_and_reports_the_skipped(
    bulk_world, moderator_a, moderator_b
):
    w = bulk_world
    selected = [*w["free"], w["mine"], w["theirs"], w["done"]]

    response = web_as(moderator_a).post(BULK, bulk_body(selected, step="apply"))

    assert response.status_code == 200
    rows = {row.case.pk: row for row in response.context["rows"]}
    for case in [*w["free"], w["mine"]]:
        case.refresh_from_db()
        assert case.state == State.REJECTED
        assert rows[case.pk].skipped == ""
        decision = case.decisions.get()
        assert decision.decided_by == moderator_a
        assert decision.ground == "insufficient_evidence"
        assert decision.reasons == "No identity document was sent."
    w["theirs"].refresh_from_db()
    assert w["theirs"].state == State.RECEIVED or w["theirs"].state == State.IN_REVIEW
    assert w["theirs"].claimed_by == moderator_b
    assert not w["theirs"].decisions.exists()
    assert "Claimed by moderator_b" in rows[w["theirs"].pk].skipped
    assert not w["done"].decisions.exists()
    assert "only received or in-review" in rows[w["done"].pk].skipped
    w["untouched"].refresh_from_db()
    assert w["untouched"].state == State.RECEIVED
    page = response.content.decode()
    assert "3 decided, 2 skipped." in page


def test_a_case_that_fails_while_deciding_is_skipped_and_left_unclaimed(
    bulk_world, moderator_a, monkeypatch
):
    case = bulk_world["free"][0]

    def refuse(**kwargs):
        from cases.errors import Conflict

        raise Conflict("The platform is in maintenance.")

    monkeypatch.setattr(services, "case_decide", refuse)
    response = web_as(moderator_a).post(BULK, bulk_body([case], step="apply"))
    row = response.context["rows"][0]
    assert row.skipped == "The platform is in maintenance."
    case.refresh_from_db()
    assert case.claimed_by is None
    assert not case.decisions.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"case": []}, "Select at least one case"),
        ({"outcome": ""}, "Choose whether to uphold or reject"),
        ({"outcome": "request_info"}, "Choose whether to uphold or reject"),
        ({"ground": "portrait_right"}, "Choose a ground that applies to this outcome."),
        ({"reasons": "  "}, "A statement of reasons is required"),
        ({"case": ["abc"]}, "is not a case number"),
        ({"case": ["999999"]}, "No case 999999."),
    ],
)
def test_a_bulk_decision_with_bad_input_says_why_and_changes_nothing(
    bulk_world, moderator_a, change, message
):
    before = snapshot()
    body = bulk_body(bulk_world["free"], step="apply")
    body.update(change)
    response = web_as(moderator_a).post(BULK, body, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_bulk_uphold_applies_the_requested_measure_on_the_platform(
    anonymous_api, clinic_post, moderator_a
):
    filed = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(clinic_post)]), format="multipart"
    )
    case = Case.objects.get(notice__reference=filed.json()["reference"])
    body = bulk_body(
        [case],
        outcome="uphold",
        ground="portrait_right",
        reasons="Her selfie is used as an advert.",
    )
    preview = web_as(moderator_a).post(BULK, body).content.decode()
    assert "Uphold: Delete the content for post-" in preview
    assert Post.objects.get(pk=clinic_post.pk).state != "deleted"

    web_as(moderator_a).post(BULK, {**body, "step": "apply"})
    case.refresh_from_db()
    assert case.state == State.ACTIONED
    assert Post.objects.get(pk=clinic_post.pk).state == "deleted"


# --- the decision form: reason templates and a measure per item ------------------------------


def test_every_reason_template_goes_with_a_configured_ground_of_its_outcome():
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    for template in REASON_TEMPLATES:
        if template.outcome == "request_info":
            assert template.ground == ""
        else:
            assert template.outcome in grounds[template.ground]["outcomes"], template.key
    outcomes = {t.outcome for t in reason_templates()}
    assert outcomes == {"uphold", "reject", "request_info"}
    assert {t.outcome for t in reason_templates(("uphold", "reject"))} == {"uphold", "reject"}


def test_reason_templates_are_translated(settings):
    from django.utils import translation

    template = REASON_TEMPLATES[0]
    # Lazy: the text is looked up in the reviewer's language when the form is shown.
    assert type(template.text).__name__ == "__proxy__"
    with translation.override("zh-hans"):
        assert str(template.label)  # resolves through the catalogue (English until translated)


def test_the_decision_form_offers_reason_templates_and_a_measure_per_item(moderator_a):
    case = make_case()
    ReportedItem.objects.create(
        notice=case.notice, submitted="post-extra", content_id="post-extra", url="http://x/1/"
    )
    services.case_claim(case_id=case.pk, actor=Actor.staff(moderator_a))
    page = web_as(moderator_a).get(reverse("cases:detail", args=[case.pk])).content.decode()
    for item in case.notice.items.all():
        assert f'name="measure_{item.pk}"' in page
    assert page.count('value="none">No measure (not upheld for this item)') == 2
    commercial = next(t for t in REASON_TEMPLATES if t.key == "portrait_commercial")
    assert 'data-ground="portrait_right"' in page
    assert str(commercial.label) in page
    assert "PRC Civil Code arts. 1018-1019" in page  # the template's text, for the script


def test_a_template_filled_uphold_with_per_item_measures_is_recorded(moderator_a):
    case = make_case()
    extra = ReportedItem.objects.create(
        notice=case.notice, submitted="post-extra", content_id="post-extra", url="http://x/1/"
    )
    first = case.notice.items.exclude(pk=extra.pk).get()
    services.case_claim(case_id=case.pk, actor=Actor.staff(moderator_a))
    template = next(t for t in REASON_TEMPLATES if t.key == "portrait_commercial")
    web_as(moderator_a).post(
        reverse("cases:decide", args=[case.pk]),
        {
            "outcome": "uphold",
            "ground": template.ground,
            "reasons": str(template.text),
            f"measure_{first.pk}": "block",
            f"measure_{extra.pk}": "none",
        },
    )
    first.refresh_from_db()
    extra.refresh_from_db()
    assert (first.outcome, first.measure) == ("upheld", "block")
    assert (extra.outcome, extra.measure) == ("rejected", "")
    assert case.decisions.get().reasons == str(template.text)


# --- the staff API takes the same filters -----------------------------------------------------


def test_the_queue_api_filters_by_due_time_and_claim_like_the_page(queue_world, moderator_a):
    w = queue_world
    api = api_as(moderator_a)

    def ids(**query):
        response = api.get("/api/v1/cases/", query)
        assert response.status_code == 200, response.json()
        return {case["id"] for case in response.json()["results"]}

    assert ids(due="overdue") == {w["overdue_match"].pk}
    assert ids(due="soon", priority="trusted") == {w["soon_trusted"].pk}
    assert ids(claim="mine") == {w["mine"].pk}
    assert ids(claim="others") == {w["theirs"].pk}
    assert w["lapsed"].pk in ids(claim="unclaimed", verdict="match")
    bad = api.get("/api/v1/cases/", {"claim": "everyone"})
    assert bad.status_code == 400
    assert "claim must be one of mine, unclaimed, others." in str(bad.json())


def test_the_api_schema_describes_the_queue_filters(moderator_a):
    schema = api_as(moderator_a).get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert set(parameters["due"]["schema"]["enum"]) == {"soon", "overdue"}
    assert set(parameters["claim"]["schema"]["enum"]) == {"mine", "unclaimed", "others"}

"""The moderator's flow: queue, claim, reveal, decide; measures on the platform; e-mails."""

import pytest
from django.core import mail
from django.urls import reverse

from cases.models import ActionLog, Case, PlatformMeasure
from demo_platform.models import Post, UploaderMessage

from .conftest import api_as, notice_payload, post_url, posts_by_role, web_as


@pytest.fixture
def case(anonymous_api, clinic_post, pack_post):
    """Mei Lin's notice against the clinic's and the photo-pack seller's posts."""
    response = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post), post_url(pack_post)]),
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    return Case.objects.get(notice__reference=response.json()["reference"])


DEFAULT_GROUND = {"uphold": "portrait_right", "reject": "insufficient_evidence"}


def decide(user, case, **body):
    """Decide through the API, giving the usual ground unless the test names one."""
    if body.get("outcome") in DEFAULT_GROUND:
        body.setdefault("ground", DEFAULT_GROUND[body["outcome"]])
    return api_as(user).post(f"/api/v1/cases/{case.pk}/decide/", body, format="json")


def test_match_evidence_appears_with_a_verdict_and_sets_the_case_due_sooner(case, settings):
    data = api_as_moderator_view(case)
    verdicts = {item["url"]: item["match"]["verdict"] for item in data["items"]}
    assert set(verdicts.values()) == {"match"}
    for item in data["items"]:
        match = item["match"]
        assert match["distance"] <= settings.TAKEDOWN_MATCH_THRESHOLD
        assert match["best_reference_id"] is not None
        assert {"phash", "dhash"} <= set(match["distances"])
    case.refresh_from_db()
    assert case.verdict == "match"
    hours = (case.due_at - case.notice.received_at).total_seconds() / 3600
    assert hours == pytest.approx(settings.TAKEDOWN_DUE_HOURS["match"])
    assert case.state == "received"  # the match sets priority; it never decides


def api_as_moderator_view(case):
    from django.contrib.auth.models import Group, User

    viewer, _ = User.objects.get_or_create(username="viewer")
    viewer.groups.add(Group.objects.get(name="moderator"))
    response = api_as(viewer).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    return response.json()


def test_an_unrelated_post_gets_no_match_and_a_later_deadline(anonymous_api, demo_posts, settings):
    unrelated = posts_by_role("unrelated")[0]
    response = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(unrelated)]), format="multipart"
    )
    case = Case.objects.get(notice__reference=response.json()["reference"])
    assert case.verdict == "no_match"
    assert case.notice.items.get().match.verdict == "no_match"
    hours = (case.due_at - case.notice.received_at).total_seconds() / 3600
    assert hours == pytest.approx(settings.TAKEDOWN_DUE_HOURS["no_match"])


def test_the_queue_puts_a_verified_match_before_an_older_non_match(
    anonymous_api, demo_posts, moderator_a, clinic_post
):
    unrelated = posts_by_role("unrelated")[0]
    anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(unrelated)]), format="multipart"
    )
    anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(clinic_post)]), format="multipart"
    )

    results = api_as(moderator_a).get("/api/v1/cases/").json()["results"]
    assert [c["verdict"] for c in results] == ["match", "no_match"]


def test_a_moderator_claims_upholds_and_the_posts_change_on_the_platform(
    case, moderator_a, clinic_post, pack_post, client
):
    mail.outbox.clear()
    claim = api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    assert claim.status_code == 200
    assert claim.json()["state"] == "in_review"
    assert claim.json()["claimed_by"] == "moderator_a"
    items = {i["content_id"]: i["id"] for i in claim.json()["items"]}

    response = decide(
        moderator_a,
        case,
        outcome="uphold",
        reasons="The clinic and the seller use the complainant's selfie without consent.",
        items=[
            {"id": items[clinic_post.content_id], "measure": "delete"},
            {"id": items[pack_post.content_id], "measure": "disconnect_link"},
        ],
    )

    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert case.state == "actioned"
    # The demo platform really changed: deleted answers 410, disconnected 404.
    assert client.get(reverse("demo_platform:post", args=[clinic_post.pk])).status_code == 410
    assert client.get(reverse("demo_platform:post", args=[pack_post.pk])).status_code == 404
    assert Post.objects.get(pk=clinic_post.pk).state == "deleted"
    # One measure row per item, applied, with the platform's answer.
    measures = PlatformMeasure.objects.filter(case=case).order_by("pk")
    assert [(m.measure, m.status) for m in measures] == [
        ("delete", "applied"),
        ("disconnect_link", "applied"),
    ]
    assert all(m.platform_response["state"] for m in measures)
    assert all(m.requested_by == moderator_a for m in measures)
    # The log tells the whole story, in order.
    actions = list(case.log.order_by("pk").values_list("action", flat=True))
    assert actions[:3] == ["notice_received", "match_verified", "claim"]
    assert actions[3] == "uphold"
    assert actions.count("measure_applied") == 2
    assert actions.count("uploader_notified") == 2
    uphold = case.log.get(action="uphold")
    assert (uphold.from_state, uphold.to_state, uphold.actor_label) == (
        "in_review",
        "actioned",
        "moderator_a",
    )
    applied = case.log.filter(action="measure_applied").first()
    assert applied.details["content_id"] == f"post-{clinic_post.pk}"
    assert applied.details["platform_response"]["state"] == "deleted"
    # E-mails: the decision with reasons to the complainant, the notice to each uploader.
    decision_mail = [m for m in mail.outbox if m.to == ["mei.lin@example.com"]]
    assert len(decision_mail) == 1
    assert "upheld" in decision_mail[0].subject
    assert "without consent" in decision_mail[0].body
    assert UploaderMessage.objects.filter(post__in=[clinic_post, pack_post]).count() == 2
    uploader_mail = [m for m in mail.outbox if m.to != ["mei.lin@example.com"]]
    assert len(uploader_mail) == 2
    assert all("without consent" in m.body for m in uploader_mail)


def test_one_measure_for_every_item_is_accepted(case, moderator_a, clinic_post, pack_post):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    response = decide(
        moderator_a, case, outcome="uphold", reasons="Portrait used.", measure="block"
    )

    assert response.status_code == 200, response.json()
    assert set(
        Post.objects.filter(pk__in=[clinic_post.pk, pack_post.pk]).values_list("state", flat=True)
    ) == {"blocked"}


def test_upholding_without_a_measure_is_a_400_and_changes_nothing(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    response = decide(moderator_a, case, outcome="uphold", reasons="Portrait used.")

    assert response.status_code == 400
    assert "measure" in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == "in_review"
    assert not PlatformMeasure.objects.exists()


def test_a_measure_for_only_some_items_is_a_400(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    first = case.notice.items.first()
    response = decide(
        moderator_a,
        case,
        outcome="uphold",
        reasons="x",
        items=[{"id": first.pk, "measure": "delete"}],
    )
    assert response.status_code == 400
    assert "missing" in response.json()["detail"]


def test_reasons_are_required_by_the_server(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    response = decide(moderator_a, case, outcome="reject", reasons="   ")

    assert response.status_code == 400
    assert "reasons" in response.json()
    case.refresh_from_db()
    assert case.state == "in_review"


def test_rejecting_sends_the_reasons_and_leaves_the_posts_alone(
    case, moderator_a, clinic_post, client
):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    mail.outbox.clear()
    response = decide(
        moderator_a,
        case,
        outcome="reject",
        reasons="The person in the reported photos is not the complainant.",
        private_notes="Checked twice.",
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == "rejected"
    assert set(case.notice.items.values_list("outcome", flat=True)) == {"rejected"}
    assert client.get(reverse("demo_platform:post", args=[clinic_post.pk])).status_code == 200
    assert not PlatformMeasure.objects.exists()
    [message] = mail.outbox
    assert "not upheld" in message.subject
    assert "not the complainant" in message.body
    assert "Checked twice" not in message.body


def test_requesting_information_asks_the_complainant_and_they_can_answer(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    mail.outbox.clear()
    response = decide(
        moderator_a,
        case,
        outcome="request_info",
        reasons="Please send a clearer photo of your identity document.",
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == "needs_info"
    assert case.info_due_at is not None
    [message] = mail.outbox
    assert "more information" in message.subject
    assert "clearer photo" in message.body


def test_deciding_a_case_you_have_not_claimed_is_a_409(case, moderator_a, moderator_b):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    response = decide(moderator_b, case, outcome="reject", reasons="No.")

    assert response.status_code == 409
    assert "not claimed" in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == "in_review"


def test_a_second_moderator_cannot_claim_a_claimed_case(case, moderator_a, moderator_b):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    response = api_as(moderator_b).post(f"/api/v1/cases/{case.pk}/claim/")

    assert response.status_code == 409
    assert "claimed by moderator_a" in response.json()["detail"]


def test_a_lapsed_claim_can_be_taken_over_and_the_stale_decision_is_refused(
    case, moderator_a, moderator_b, settings
):
    from datetime import timedelta

    from django.utils import timezone

    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    Case.objects.filter(pk=case.pk).update(claim_expires_at=timezone.now() - timedelta(minutes=1))

    stale = decide(moderator_a, case, outcome="reject", reasons="Late.")
    assert stale.status_code == 409
    assert "lapsed" in stale.json()["detail"]
    assert api_as(moderator_b).post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200


def test_releasing_a_claim_lets_another_moderator_take_it(case, moderator_a, moderator_b):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    assert api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/release/").status_code == 200
    assert api_as(moderator_b).post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200


def test_the_log_api_lists_every_entry_with_its_hash_chain(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    entries = api_as(moderator_a).get(f"/api/v1/cases/{case.pk}/log/").json()

    assert [e["action"] for e in entries] == ["notice_received", "match_verified", "claim"]
    assert entries[0]["previous_hash"] == "0" * 64
    assert entries[1]["previous_hash"] == entries[0]["entry_hash"]
    assert entries[2]["actor_label"] == "moderator_a"


def test_the_web_pages_take_a_moderator_through_claim_reveal_and_uphold(
    case, moderator_a, clinic_post, pack_post
):
    browser = web_as(moderator_a)
    queue = browser.get(reverse("cases:queue"))
    assert case.notice.reference in queue.content.decode()

    page = browser.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "portrait concealed" in page  # blurred until revealed
    assert "data-reveal" in page
    browser.post(reverse("cases:claim", args=[case.pk]))
    page = browser.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="decide"' in page

    form = {
        "outcome": "uphold",
        "ground": "portrait_right",
        "reasons": "Her selfie is used as an advert.",
    }
    for item in case.notice.items.all():
        form[f"measure_{item.pk}"] = "delete"
    response = browser.post(reverse("cases:decide", args=[case.pk]), form, follow=True)

    assert "Decision recorded." in response.content.decode()
    case.refresh_from_db()
    assert case.state == "actioned"
    assert set(
        Post.objects.filter(pk__in=[clinic_post.pk, pack_post.pk]).values_list("state", flat=True)
    ) == {"deleted"}
    assert "Measure applied" in response.content.decode()


def test_the_web_page_shows_a_refused_decision_as_an_error(case, moderator_a):
    browser = web_as(moderator_a)
    browser.post(reverse("cases:claim", args=[case.pk]))
    response = browser.post(
        reverse("cases:decide", args=[case.pk]),
        {"outcome": "reject", "ground": "insufficient_evidence", "reasons": ""},
        follow=True,
    )
    assert "statement of reasons is required" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "in_review"


def test_every_log_entry_is_written_in_the_same_transaction_as_its_change(case, moderator_a):
    """A refused transition leaves neither a state change nor a log entry behind."""
    before = ActionLog.objects.count()
    response = decide(moderator_a, case, outcome="reject", reasons="Not claimed.")
    assert response.status_code == 409
    assert ActionLog.objects.count() == before


def test_an_item_can_be_left_alone_while_the_others_are_upheld(
    case, moderator_a, clinic_post, pack_post
):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    items = {item.content_id: item.pk for item in case.notice.items.all()}
    response = decide(
        moderator_a,
        case,
        outcome="uphold",
        reasons="The clinic uses her selfie; the grid could not be confirmed.",
        items=[
            {"id": items[clinic_post.content_id], "measure": "delete"},
            {"id": items[pack_post.content_id], "measure": "none"},
        ],
    )

    assert response.status_code == 200, response.json()
    outcomes = dict(case.notice.items.values_list("content_id", "outcome"))
    assert outcomes == {clinic_post.content_id: "upheld", pack_post.content_id: "rejected"}
    assert Post.objects.get(pk=pack_post.pk).state == "live"
    assert PlatformMeasure.objects.filter(case=case).count() == 1


def test_upholding_with_no_measure_on_any_item_is_refused(case, moderator_a):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    items = [{"id": item.pk, "measure": "none"} for item in case.notice.items.all()]
    response = decide(moderator_a, case, outcome="uphold", reasons="x", items=items)

    assert response.status_code == 400
    assert "reject the notice" in response.json()["detail"]


def test_a_notice_about_content_already_removed_closes_with_no_further_action(
    case, moderator_a, anonymous_api, clinic_post
):
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    decide(moderator_a, case, outcome="uphold", reasons="Her selfie.", measure="delete")
    mail.outbox.clear()

    # From another notifier (the same notifier's notice would join the first case).
    second = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)], notifier_email="ana@example.com"),
        format="multipart",
    ).json()

    later = Case.objects.get(notice__reference=second["reference"])
    assert later.state == "closed"
    assert later.notice.items.get().outcome == "already_removed"
    assert later.log.filter(action="close_no_action", actor_label="system").exists()
    [message] = [m for m in mail.outbox if "already removed" in m.subject]
    assert message.to == ["ana@example.com"]


def test_the_web_queue_shows_open_cases_unless_asked_for_all(case, moderator_a, legal):
    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(state="closed", due_at=timezone.now())
    browser = web_as(moderator_a)
    reference = case.notice.reference

    assert reference not in browser.get(reverse("cases:queue")).content.decode()
    assert reference in browser.get(reverse("cases:queue"), {"state": "all"}).content.decode()
    assert reference in browser.get(reverse("cases:queue"), {"state": "closed"}).content.decode()
    odd = browser.get(reverse("cases:queue"), {"state": "bogus"}, follow=True).content.decode()
    assert "Unknown state" in odd

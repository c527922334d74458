"""Notices about content that already has an open case; suspended notifiers at intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cases.models import ActionLog, Case, JoinedNotice
from notices.authentication import api_token_create
from notices.models import EvidenceFile, Notice, NotifierSanction, Organisation, ReportedItem

from .conftest import (
    CommitAPIClient,
    api_as,
    jpeg_bytes,
    notice_payload,
    pdf_bytes,
    post_url,
    upload,
    web_as,
)

API = "/api/v1/notices/"


def file(client, *posts, **overrides) -> dict:
    response = client.post(
        API, notice_payload([post_url(p) for p in posts], **overrides), format="multipart"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def track(client, filed: dict):
    return client.get(f"{API}{filed['reference']}/", HTTP_X_TRACKING_TOKEN=filed["tracking_token"])


def actions(case: Case) -> list[str]:
    return list(case.log.order_by("pk").values_list("action", flat=True))


# --- the same notifier: one case -----------------------------------------------------------------


def test_the_same_notifiers_second_notice_joins_the_open_case(anonymous_api, clinic_post):
    first = file(anonymous_api, clinic_post)
    # The same e-mail address, written differently.
    second = file(anonymous_api, clinic_post, notifier_email="Mei.Lin@Example.COM")

    assert first["reference"] != second["reference"]
    assert first["tracking_token"] != second["tracking_token"]
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert case.notice.reference == first["reference"]
    joined = JoinedNotice.objects.get()
    assert joined.case == case
    assert joined.notice.reference == second["reference"]
    assert joined.notice.notifier_email == "mei.lin@example.com"
    assert second["status"] == case.state
    assert actions(case)[-1] == "notice_joined"
    entry = case.log.get(action="notice_joined")
    assert entry.details["notice"] == second["reference"]
    receipts = [m for m in mail.outbox if "We received your" in m.subject]
    assert sorted(second["reference"] in m.subject for m in receipts) == [False, True]


def test_both_references_follow_the_one_case(anonymous_api, clinic_post, moderator_a):
    first = file(anonymous_api, clinic_post)
    second = file(anonymous_api, clinic_post)
    case = Case.objects.get()

    one, two = track(anonymous_api, first), track(anonymous_api, second)

    assert one.status_code == two.status_code == 200
    assert one.json()["status"] == two.json()["status"] == case.state
    assert two.json()["reference"] == second["reference"]
    assert two.json()["handled_with"] == first["reference"]
    assert one.json()["handled_with"] is None
    assert "notice_joined" in [e["event"] for e in two.json()["timeline"]]
    # The tracking page too.
    page = anonymous_api.get(
        f"/notices/track/{second['reference']}/?token={second['tracking_token']}", follow=True
    )
    assert page.status_code == 200
    assert second["reference"] in page.content.decode()
    assert f"your earlier notice {first['reference']}" in page.content.decode()


def test_a_joined_notice_shows_the_outcome_decided_on_the_case(anonymous_api, clinic_post):
    first = file(anonymous_api, clinic_post)
    second = file(anonymous_api, clinic_post)
    ReportedItem.objects.filter(notice__reference=first["reference"]).update(
        measure="delete", outcome="upheld"
    )

    item = track(anonymous_api, second).json()["items"][0]

    assert item["outcome"] == "upheld"
    assert item["measure"] == "delete"


def test_withdrawing_through_a_joined_notice_withdraws_the_case(anonymous_api, clinic_post):
    file(anonymous_api, clinic_post)
    second = file(anonymous_api, clinic_post)

    response = anonymous_api.post(
        f"{API}{second['reference']}/withdraw/",
        {"message": "Solved"},
        format="json",
        HTTP_X_TRACKING_TOKEN=second["tracking_token"],
    )

    assert response.status_code == 200, response.json()
    assert Case.objects.get().state == "withdrawn"


def test_a_notice_about_more_content_than_the_open_case_opens_a_linked_case(
    anonymous_api, clinic_post, pack_post
):
    file(anonymous_api, clinic_post)
    second = file(anonymous_api, clinic_post, pack_post)

    assert Case.objects.count() == 2
    assert JoinedNotice.objects.count() == 0
    new = Case.objects.get(notice__reference=second["reference"])
    assert new.related_cases.count() == 1


def test_a_finished_case_is_not_joined(anonymous_api, clinic_post):
    first = file(anonymous_api, clinic_post)
    Case.objects.filter(notice__reference=first["reference"]).update(state="withdrawn")

    second = file(anonymous_api, clinic_post)

    assert Case.objects.count() == 2
    assert JoinedNotice.objects.count() == 0
    assert Case.objects.get(notice__reference=second["reference"]).related_cases.count() == 0


def test_an_organisation_filing_again_for_the_same_principal_joins_the_case(clinic_post):
    agency = Organisation.objects.create(
        name="Lin & Partners", kind=Organisation.Kind.AGENT, contact_email="desk@lin.example"
    )
    _, key = api_token_create(agency, "tests")
    client = CommitAPIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    agent = {
        "relationship": "agent",
        "notifier_name": "Mei Lin",
    }

    def mandate():
        return upload("mandate.pdf", pdf_bytes(), "application/pdf")

    first = file(
        client,
        clinic_post,
        notifier_email="mei@a.example",
        authorization_document=mandate(),
        **agent,
    )
    second = file(
        client,
        clinic_post,
        notifier_email="mei.lin@b.example",
        authorization_document=mandate(),
        **{**agent, "notifier_name": "MEI LIN"},
    )

    assert Case.objects.count() == 1
    assert JoinedNotice.objects.get().notice.reference == second["reference"]
    listed = {row["reference"]: row for row in client.get(API).json()["results"]}
    assert listed[second["reference"]]["handled_with"] == first["reference"]
    assert listed[second["reference"]]["status"] == listed[first["reference"]]["status"]


# --- another notifier: linked cases ------------------------------------------------------------


def test_another_notifiers_notice_opens_a_new_case_linked_both_ways(
    anonymous_api, clinic_post, moderator_a
):
    first = file(anonymous_api, clinic_post)
    second = file(
        anonymous_api, clinic_post, notifier_name="Ana Souza", notifier_email="ana@example.com"
    )

    assert Case.objects.count() == 2
    assert JoinedNotice.objects.count() == 0
    old = Case.objects.get(notice__reference=first["reference"])
    new = Case.objects.get(notice__reference=second["reference"])
    assert list(new.related_cases.all()) == [old]
    assert list(old.related_cases.all()) == [new]
    for case, other in ((old, new), (new, old)):
        entry = case.log.get(action="cases_linked")
        assert entry.details["related_cases"] == [
            {"id": other.pk, "reference": other.notice.reference}
        ]

    detail = api_as(moderator_a).get(f"/api/v1/cases/{old.pk}/").json()
    assert detail["related_cases"] == [
        {
            "id": new.pk,
            "reference": second["reference"],
            "state": new.state,
            "notifier_name": "Ana Souza",
        }
    ]
    assert detail["joined_notices"] == []
    page = web_as(moderator_a).get(f"/staff/cases/{old.pk}/").content.decode()
    assert "Related cases" in page and second["reference"] in page


def test_the_case_api_lists_the_joined_notices(anonymous_api, clinic_post, moderator_a):
    file(anonymous_api, clinic_post)
    second = file(anonymous_api, clinic_post, requested_measure="disconnect_link")
    case = Case.objects.get()

    detail = api_as(moderator_a).get(f"/api/v1/cases/{case.pk}/").json()

    assert [j["reference"] for j in detail["joined_notices"]] == [second["reference"]]
    page = web_as(moderator_a).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Joined notices" in page and second["reference"] in page
    assert detail["joined_notices"][0]["requested_measure"] == "disconnect_link"
    assert detail["priority"] == "normal"


def test_the_action_log_stays_intact_through_joins_and_links(anonymous_api, clinic_post):
    from cases.actionlog import log_verify

    file(anonymous_api, clinic_post)
    file(anonymous_api, clinic_post)
    file(anonymous_api, clinic_post, notifier_email="ana@example.com")

    assert log_verify() == []
    assert ActionLog.objects.filter(action="cases_linked").count() == 2


# --- suspended notifiers (DSA art. 23) ----------------------------------------------------------


def suspend(email: str, *, starts: timedelta, ends: timedelta | None) -> NotifierSanction:
    now = timezone.now()
    earlier = Notice.objects.create(
        reference="TD-2025-000001",
        tracking_token_hash=Notice.hash_token("t"),
        notifier_name="Someone",
        notifier_email=email,
        relationship="self",
        use_type="other",
        description="x",
        requested_measure="delete",
        good_faith=True,
        accuracy=True,
        signature="Someone",
    )
    return NotifierSanction.objects.create(
        notifier_email=email,
        kind=NotifierSanction.Kind.SUSPENSION,
        unfounded_count=3,
        reasons="Three manifestly unfounded notices.",
        starts_at=now + starts,
        ends_at=now + ends if ends is not None else None,
        notice=earlier,
    )


def stored() -> tuple[int, int, int]:
    return Notice.objects.count(), EvidenceFile.objects.count(), Case.objects.count()


def test_a_suspended_notifier_is_refused_with_403_naming_the_end_and_nothing_is_stored(
    anonymous_api, clinic_post
):
    sanction = suspend("mei.lin@example.com", starts=-timedelta(days=1), ends=timedelta(days=30))
    before = stored()

    response = anonymous_api.post(
        API,
        notice_payload([post_url(clinic_post)], notifier_email="MEI.LIN@example.com"),
        format="multipart",
    )

    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "suspended" in detail
    assert f"{sanction.ends_at:%Y-%m-%d}" in detail
    assert "Nothing was stored" in detail
    assert stored() == before
    assert not [m for m in mail.outbox if "We received your" in m.subject]


def test_an_open_ended_suspension_says_until_further_notice(anonymous_api, clinic_post):
    suspend("mei.lin@example.com", starts=-timedelta(hours=1), ends=None)

    response = anonymous_api.post(API, notice_payload([post_url(clinic_post)]), format="multipart")

    assert response.status_code == 403
    assert "until further notice" in response.json()["detail"]


def test_the_web_form_refuses_a_suspended_notifier_too(client, clinic_post):
    sanction = suspend("mei.lin@example.com", starts=-timedelta(days=1), ends=timedelta(days=3))
    before = stored()
    payload = notice_payload([post_url(clinic_post)])
    payload["reported_urls"] = post_url(clinic_post)
    payload["identity_document"] = upload("id.jpg", jpeg_bytes())

    response = client.post("/notices/new/", payload)

    assert response.status_code == 403
    page = response.content.decode()
    assert "suspended" in page
    assert f"{sanction.ends_at:%Y-%m-%d}" in page
    assert stored() == before


@pytest.mark.parametrize(
    ("starts", "ends", "kind"),
    [
        (-timedelta(days=30), -timedelta(seconds=1), "suspension"),  # over
        (timedelta(days=1), timedelta(days=30), "suspension"),  # not begun
        (-timedelta(days=1), timedelta(days=30), "warning"),  # a warning only
    ],
    ids=["expired", "future", "warning"],
)
def test_a_suspension_not_running_now_lets_the_notice_in(
    anonymous_api, clinic_post, starts, ends, kind
):
    sanction = suspend("mei.lin@example.com", starts=starts, ends=ends)
    if kind != "suspension":
        NotifierSanction.objects.filter(pk=sanction.pk).update(kind=kind)

    filed = file(anonymous_api, clinic_post)

    assert Notice.objects.filter(reference=filed["reference"]).exists()


def test_the_notifier_email_is_stored_in_lower_case(anonymous_api, clinic_post):
    filed = file(anonymous_api, clinic_post, notifier_email="Mei.Lin@EXAMPLE.com")

    assert Notice.objects.get(reference=filed["reference"]).notifier_email == "mei.lin@example.com"

"""A complainant acts on their own notice with the tracking token: withdraw, answer a request."""

import pytest

from cases.models import Case

from .conftest import api_as, notice_payload, post_url, posts_by_role


@pytest.fixture
def filed(anonymous_api, demo_posts):
    clinic = posts_by_role("clinic")[0]
    body = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    ).json()
    return body


def test_a_complainant_withdraws_their_notice(anonymous_api, filed):
    response = anonymous_api.post(
        f"/api/v1/notices/{filed['reference']}/withdraw/",
        {"message": "Settled with the clinic."},
        format="json",
        HTTP_X_TRACKING_TOKEN=filed["tracking_token"],
    )

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert "You withdrew your notice." in [e["description"] for e in response.json()["timeline"]]


def test_withdrawing_with_a_wrong_token_is_404_and_changes_nothing(anonymous_api, filed):
    response = anonymous_api.post(
        f"/api/v1/notices/{filed['reference']}/withdraw/", HTTP_X_TRACKING_TOKEN="wrong"
    )
    assert response.status_code == 404
    assert Case.objects.get(notice__reference=filed["reference"]).state == "received"


def test_a_complainant_answers_a_request_for_information_and_the_case_returns_to_the_queue(
    anonymous_api, filed, moderator_a
):
    case = Case.objects.get(notice__reference=filed["reference"])
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    api_as(moderator_a).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "request_info", "reasons": "Send a clearer ID photo."},
        format="json",
    )
    url = f"/api/v1/notices/{filed['reference']}/info/"
    token = {"HTTP_X_TRACKING_TOKEN": filed["tracking_token"]}

    empty = anonymous_api.post(url, {"message": ""}, format="json", **token)
    assert empty.status_code == 400
    answered = anonymous_api.post(url, {"message": "Sent by post."}, format="json", **token)

    assert answered.status_code == 200
    assert answered.json()["status"] == "received"
    case.refresh_from_db()
    assert case.state == "received"
    assert case.log.filter(action="provide_info", reasons="Sent by post.").exists()


def test_withdrawing_a_decided_notice_is_409(anonymous_api, filed, moderator_a):
    case = Case.objects.get(notice__reference=filed["reference"])
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    api_as(moderator_a).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "reject", "ground": "insufficient_evidence", "reasons": "No."},
        format="json",
    )
    response = anonymous_api.post(
        f"/api/v1/notices/{filed['reference']}/withdraw/",
        HTTP_X_TRACKING_TOKEN=filed["tracking_token"],
    )
    assert response.status_code == 409
    assert "rejected" in response.json()["detail"]


def test_the_tracking_page_offers_withdrawal_and_performs_it(client, filed):
    url = f"/notices/track/{filed['reference']}/?token={filed['tracking_token']}"
    page = client.get(url, follow=True)
    assert page.redirect_chain == [(f"/notices/track/{filed['reference']}/", 302)]
    assert 'id="withdraw"' in page.content.decode()

    response = client.post(page.redirect_chain[0][0], {"action": "withdraw"}, follow=True)

    assert "Withdrawn" in response.content.decode()
    assert 'id="withdraw"' not in response.content.decode()

"""Registered organisations: API tokens, trusted flaggers' priority, agents' notices."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, Decision, Priority
from notices.authentication import api_token_create, api_token_revoke, hash_key
from notices.models import ApiToken, Notice, Organisation

from .conftest import CommitAPIClient, api_as, notice_payload, pdf_bytes, post_url, upload

API = "/api/v1/notices/"
CASES = "/api/v1/cases/"


def organisation(name: str, kind: str, **extra) -> Organisation:
    return Organisation.objects.create(
        name=name, kind=kind, contact_email=f"{kind}@{name.split()[0].lower()}.example", **extra
    )


@pytest.fixture
def flagger(db):
    return organisation("Portrait Watch", Organisation.Kind.TRUSTED_FLAGGER)


@pytest.fixture
def agency(db):
    return organisation("Lin & Partners", Organisation.Kind.AGENT)


@pytest.fixture
def other_agency(db):
    return organisation("Other Law Firm", Organisation.Kind.AGENT)


def with_token(org: Organisation, client_class=CommitAPIClient) -> APIClient:
    _, key = api_token_create(org, "tests")
    client = client_class()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def mandate():
    return upload("mandate.pdf", pdf_bytes(), "application/pdf")


def file_as_agent(client, post, principal: str, email: str):
    payload = notice_payload(
        [post_url(post)],
        notifier_name=principal,
        notifier_email=email,
        signature=principal,
        relationship="agent",
        authorization_document=mandate(),
    )
    response = client.post(API, payload, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()


# --- the token ---------------------------------------------------------------------------------


def test_a_valid_token_files_a_notice_recorded_as_filed_by_its_organisation(flagger, clinic_post):
    client = with_token(flagger)

    response = client.post(API, notice_payload([post_url(clinic_post)]), format="multipart")

    assert response.status_code == 201, response.json()
    notice = Notice.objects.get(reference=response.json()["reference"])
    assert notice.filed_by == flagger
    token = ApiToken.objects.get()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token tdo_not-a-real-key", "not an organisation's API token"),
        ("Token", "Authorization: Token <key>"),
        ("Token two parts", "Authorization: Token <key>"),
    ],
)
def test_a_wrong_token_is_refused_with_401_and_nothing_is_stored(
    anonymous_api, clinic_post, header, message
):
    anonymous_api.credentials(HTTP_AUTHORIZATION=header)

    response = anonymous_api.post(API, notice_payload([post_url(clinic_post)]), format="multipart")

    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"
    assert Notice.objects.count() == 0


def test_a_revoked_token_is_refused_with_401_naming_the_revocation(flagger, clinic_post):
    token, key = api_token_create(flagger, "old system")
    api_token_revoke(token)
    client = CommitAPIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    filing = client.post(API, notice_payload([post_url(clinic_post)]), format="multipart")
    listing = client.get(API)

    for response in (filing, listing):
        assert response.status_code == 401
        assert "revoked" in response.json()["detail"]
    assert Notice.objects.count() == 0


def test_an_inactive_organisations_tokens_are_refused_with_401(flagger, clinic_post):
    client = with_token(flagger)
    flagger.active = False
    flagger.save()

    response = client.post(API, notice_payload([post_url(clinic_post)]), format="multipart")

    assert response.status_code == 401
    assert "not active" in response.json()["detail"]
    assert Notice.objects.count() == 0


def test_only_the_hash_and_a_prefix_of_the_key_are_stored(flagger):
    token, key = api_token_create(flagger, "case system")

    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["key_hash"] == hash_key(key)
    assert key not in str(stored)
    assert key.startswith(stored["prefix"])


def test_the_command_prints_the_key_once_and_the_key_works(flagger, clinic_post):
    out = io.StringIO()
    call_command("create_api_token", "Portrait Watch", "--name", "case system", stdout=out)

    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.name == "case system"
    assert token.key_hash == hash_key(key)
    client = CommitAPIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(API).status_code == 200


def test_the_command_refuses_an_unknown_or_inactive_organisation(flagger):
    with pytest.raises(CommandError, match="No organisation is named"):
        call_command("create_api_token", "Nobody", "--name", "x", stdout=io.StringIO())
    flagger.active = False
    flagger.save()
    with pytest.raises(CommandError, match="not active"):
        call_command("create_api_token", "Portrait Watch", "--name", "x", stdout=io.StringIO())
    assert ApiToken.objects.count() == 0


def test_the_admin_shows_a_new_tokens_key_once(flagger, client):
    superuser = User.objects.create_superuser("root", "root@platform.example", "pw-for-tests")
    client.force_login(superuser)

    response = client.post(
        "/admin/notices/apitoken/add/", {"organisation": flagger.pk, "name": "from the admin"}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key)
    assert key in response.content.decode()
    change_page = client.get(f"/admin/notices/apitoken/{token.pk}/change/").content.decode()
    assert key not in change_page
    assert token.prefix in change_page


def test_the_admin_revokes_tokens(flagger, client):
    superuser = User.objects.create_superuser("root", "root@platform.example", "pw-for-tests")
    client.force_login(superuser)
    token, _ = api_token_create(flagger, "to revoke")

    client.post(
        "/admin/notices/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None


# --- priority ----------------------------------------------------------------------------------


def test_a_trusted_flaggers_case_is_trusted_and_due_sooner(flagger, clinic_post, settings):
    # Without running the verification on commit: the due time set at intake.
    flagger_client = with_token(flagger, client_class=APIClient)
    anonymous = APIClient()

    trusted = flagger_client.post(API, notice_payload([post_url(clinic_post)]), format="multipart")
    normal = anonymous.post(
        API,
        notice_payload([post_url(clinic_post)], notifier_email="someone@example.com"),
        format="multipart",
    )

    trusted_case = Case.objects.get(notice__reference=trusted.json()["reference"])
    normal_case = Case.objects.get(notice__reference=normal.json()["reference"])
    assert trusted_case.priority == Priority.TRUSTED
    assert normal_case.priority == Priority.NORMAL
    received = trusted_case.notice.received_at
    assert trusted_case.due_at == received + timedelta(hours=settings.TAKEDOWN_DUE_HOURS_TRUSTED)
    assert trusted_case.due_at < normal_case.due_at


def test_a_trusted_case_stays_due_sooner_after_verification_and_leads_the_queue(
    flagger, clinic_post, moderator_a, settings
):
    normal = CommitAPIClient().post(
        API,
        notice_payload([post_url(clinic_post)], notifier_email="someone@example.com"),
        format="multipart",
    )
    trusted = with_token(flagger).post(
        API, notice_payload([post_url(clinic_post)]), format="multipart"
    )
    trusted_case = Case.objects.get(notice__reference=trusted.json()["reference"])
    assert trusted_case.verdict == "match"
    assert trusted_case.due_at <= trusted_case.notice.received_at + timedelta(
        hours=settings.TAKEDOWN_DUE_HOURS_TRUSTED
    )

    queue = api_as(moderator_a).get(CASES).json()["results"]
    assert [c["reference"] for c in queue] == [
        trusted.json()["reference"],
        normal.json()["reference"],
    ]
    only_trusted = api_as(moderator_a).get(CASES, {"priority": "trusted"}).json()
    assert [c["reference"] for c in only_trusted["results"]] == [trusted.json()["reference"]]
    bad = api_as(moderator_a).get(CASES, {"priority": "urgent"})
    assert bad.status_code == 400
    assert "priority must be one of" in bad.json()["detail"]


# --- agents ------------------------------------------------------------------------------------


def test_an_agent_files_for_several_principals_and_lists_only_its_own_notices(
    agency, other_agency, clinic_post, pack_post, moderator_a
):
    ours = with_token(agency)
    first = file_as_agent(ours, clinic_post, "Mei Lin", "mei.lin@example.com")
    second = file_as_agent(ours, pack_post, "Ana Souza", "ana@example.com")
    theirs = file_as_agent(with_token(other_agency), clinic_post, "Kai Chen", "kai@example.com")
    Decision.objects.create(
        case=Case.objects.get(notice__reference=first["reference"]),
        outcome="reject",
        reasons="Not the person shown.",
        decided_by=moderator_a,
    )

    response = ours.get(API)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {row["reference"]: row for row in body["results"]}
    assert set(rows) == {first["reference"], second["reference"]}
    assert theirs["reference"] not in rows
    assert rows[first["reference"]]["principal_name"] == "Mei Lin"
    assert rows[second["reference"]]["principal_name"] == "Ana Souza"
    assert rows[first["reference"]]["latest_decision"] == "reject"
    assert rows[second["reference"]]["latest_decision"] is None
    assert rows[first["reference"]]["status"] == "received"
    assert rows[first["reference"]]["items"][0]["content_id"] == f"post-{clinic_post.pk}"
    assert {"received_at", "items", "status"} <= set(rows[second["reference"]])


def test_the_list_is_paginated_and_filtered_by_status(agency, clinic_post, pack_post):
    ours = with_token(agency)
    first = file_as_agent(ours, clinic_post, "Mei Lin", "mei.lin@example.com")
    file_as_agent(ours, pack_post, "Ana Souza", "ana@example.com")
    Case.objects.filter(notice__reference=first["reference"]).update(state="withdrawn")

    withdrawn = ours.get(API, {"status": "withdrawn"}).json()
    page = ours.get(API, {"page": 1}).json()
    bad = ours.get(API, {"status": "lost"})

    assert [row["reference"] for row in withdrawn["results"]] == [first["reference"]]
    assert {"count", "next", "previous", "results"} <= set(page)
    assert bad.status_code == 400
    assert "status must be one of" in bad.json()["detail"]


def test_listing_without_a_token_is_401_with_a_clear_message(anonymous_api, db):
    response = anonymous_api.get(API)

    assert response.status_code == 401
    assert "API token" in response.json()["detail"]


def test_an_agent_organisation_must_file_as_agent(agency, clinic_post):
    response = with_token(agency).post(
        API, notice_payload([post_url(clinic_post)]), format="multipart"
    )

    assert response.status_code == 400
    assert "relationship must be 'agent'" in response.json()["relationship"][0]
    assert Notice.objects.count() == 0


def test_an_agent_still_needs_the_principals_authorisation(agency, clinic_post):
    response = with_token(agency).post(
        API, notice_payload([post_url(clinic_post)], relationship="agent"), format="multipart"
    )

    assert response.status_code == 400
    assert "authorization_document" in response.json()


# --- tracking with the organisation's token ----------------------------------------------------


def test_an_organisation_tracks_its_notice_with_its_token_instead_of_the_tracking_token(
    agency, clinic_post
):
    ours = with_token(agency)
    filed = file_as_agent(ours, clinic_post, "Mei Lin", "mei.lin@example.com")

    response = ours.get(f"{API}{filed['reference']}/")

    assert response.status_code == 200
    assert response.json()["reference"] == filed["reference"]
    assert response.json()["status"] == "received"


def test_another_organisations_notice_is_the_same_404_as_an_unknown_reference(
    agency, other_agency, clinic_post
):
    filed = file_as_agent(with_token(agency), clinic_post, "Mei Lin", "mei.lin@example.com")
    theirs = with_token(other_agency)

    foreign = theirs.get(f"{API}{filed['reference']}/")
    unknown = theirs.get(f"{API}TD-2026-999999/")
    withdraw = theirs.post(f"{API}{filed['reference']}/withdraw/", {}, format="json")

    assert foreign.status_code == unknown.status_code == withdraw.status_code == 404
    assert foreign.json() == unknown.json()
    assert Case.objects.get(notice__reference=filed["reference"]).state == "received"


def test_an_organisation_withdraws_its_own_notice_with_its_token(agency, clinic_post):
    ours = with_token(agency)
    filed = file_as_agent(ours, clinic_post, "Mei Lin", "mei.lin@example.com")

    response = ours.post(
        f"{API}{filed['reference']}/withdraw/", {"message": "Settled"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"


def test_the_tracking_token_still_works_for_a_notice_filed_by_an_organisation(
    agency, clinic_post, anonymous_api
):
    filed = file_as_agent(with_token(agency), clinic_post, "Mei Lin", "mei.lin@example.com")

    response = anonymous_api.get(
        f"{API}{filed['reference']}/", HTTP_X_TRACKING_TOKEN=filed["tracking_token"]
    )

    assert response.status_code == 200
    assert anonymous_api.get(f"{API}{filed['reference']}/").status_code == 404


def test_each_use_of_a_token_is_recorded_on_it(flagger):
    token, key = api_token_create(flagger, "x")
    client = CommitAPIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    before = timezone.now()

    client.get(API)

    token.refresh_from_db()
    assert token.last_used_at >= before

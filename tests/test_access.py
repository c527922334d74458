"""Who may see and do what: the complainant's tracking view, the staff role matrix, the
append-only action log, the review-queue API and the API documentation."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.pagination import PageNumberPagination

from cases.actionlog import log_verify
from cases.models import ActionLog, Case
from demo_platform import story_images
from notices.models import Notice

from .conftest import (
    CommitAPIClient,
    CommitClient,
    api_as,
    notice_payload,
    pdf_bytes,
    post_url,
    upload,
    web_as,
)

NOTICES = "/api/v1/notices/"
CASES = "/api/v1/cases/"
PRIVATE_NOTE = "Uploader looks like a repeat offender; check the other posts of the clinic."
REASONS = "The post reuses the selfie of the complainant to advertise without her consent."


# --- helpers -------------------------------------------------------------------------------


_seed_posts_once = functools.cache(story_images.seed_posts)


@pytest.fixture(autouse=True)
def fast_setup(settings, monkeypatch):
    """Most tests here are rows of a table: a fast password hasher (personas and the demo seed
    create users) and the demo images drawn once keep the table quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(story_images, "seed_posts", _seed_posts_once)


def file_notice(client, *posts, **overrides) -> SimpleNamespace:
    """File a notice through the public API; the reference, token and the case it opened."""
    response = client.post(
        NOTICES, notice_payload([post_url(p) for p in posts], **overrides), format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    return SimpleNamespace(
        reference=body["reference"],
        token=body["tracking_token"],
        case=Case.objects.get(notice__reference=body["reference"]),
    )


@pytest.fixture
def filed(anonymous_api, clinic_post):
    return file_notice(anonymous_api, clinic_post)


def track(reference: str, token: str | None = None):
    headers = {} if token is None else {"HTTP_X_TRACKING_TOKEN": token}
    return CommitAPIClient().get(f"{NOTICES}{reference}/", **headers)


def tracking_page(reference: str, token: str | None = None):
    query = "" if token is None else f"?token={token}"
    return CommitClient().get(f"/notices/track/{reference}/{query}", follow=True)


def claim(user, case) -> None:
    response = api_as(user).post(f"{CASES}{case.pk}/claim/")
    assert response.status_code == 200, response.json()


def uphold(user, case, **extra):
    response = api_as(user).post(
        f"{CASES}{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": REASONS,
            "measure": "delete",
            **extra,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response


def log_snapshot(case) -> list[tuple]:
    return list(
        ActionLog.objects.filter(case=case)
        .order_by("pk")
        .values_list("pk", "action", "reasons", "entry_hash")
    )


# --- 1. tracking ---------------------------------------------------------------------------


def test_a_complainant_follows_their_notice_with_the_tracking_token(filed, clinic_post):
    response = track(filed.reference, filed.token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == filed.reference
    assert body["status"] == "received"
    assert body["decision"] is None
    [item] = body["items"]
    assert item["url"].endswith(f"/platform/posts/{clinic_post.pk}/")
    assert (item["measure"], item["outcome"]) == ("", "pending")
    assert isinstance(body["timeline"], list) and body["timeline"]
    for entry in body["timeline"]:
        assert set(entry) == {"at", "event", "description"}
    assert body["timeline"][0]["event"] == "notice_received"
    assert "receipt was sent" in body["timeline"][0]["description"]


def test_wrong_missing_and_unknown_tracking_credentials_get_the_same_404(filed):
    wrong_token = track(filed.reference, "not-the-token")
    missing_token = track(filed.reference)
    empty_token = track(filed.reference, "")
    unknown_reference = track("TD-1999-999999", filed.token)

    answers = [wrong_token, missing_token, empty_token, unknown_reference]
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert len({a.content for a in answers}) == 1, [a.content for a in answers]
    assert filed.reference not in wrong_token.content.decode()


def test_a_complainant_cannot_follow_someone_elses_notice_with_their_own_token(
    anonymous_api, clinic_post, unrelated_post
):
    mine = file_notice(anonymous_api, clinic_post)
    theirs = file_notice(anonymous_api, unrelated_post, notifier_email="someone.else@example.com")

    response = track(theirs.reference, mine.token)

    assert response.status_code == 404
    assert response.content == track("TD-1999-999999", mine.token).content
    assert "someone.else" not in response.content.decode()


def test_the_tracking_page_shows_the_status_and_the_timeline(filed):
    response = tracking_page(filed.reference, filed.token)

    assert response.status_code == 200
    page = response.content.decode()
    assert filed.reference in page
    assert '<strong id="status">Received</strong>' in page
    assert "Notice received; a receipt was sent to you." in page


@pytest.mark.parametrize("token", ["not-the-token", "", None], ids=["wrong", "empty", "missing"])
def test_the_tracking_page_answers_404_without_the_right_token(filed, token):
    response = tracking_page(filed.reference, token)

    assert response.status_code == 404
    assert filed.reference not in response.content.decode()


def test_the_tracking_page_answers_an_unknown_reference_as_it_answers_a_wrong_token(filed):
    unknown = tracking_page("TD-1999-999999", filed.token)
    wrong = tracking_page(filed.reference, "not-the-token")

    assert unknown.status_code == wrong.status_code == 404

    # The same page, but for the CSRF token of the language switcher, masked afresh each time.
    def without_csrf(response):
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)

    assert without_csrf(unknown) == without_csrf(wrong)
    assert b"No notice with this reference and token." in wrong.content


def test_the_complainant_sees_the_decision_but_never_staff_names_or_private_notes(
    filed, moderator_a
):
    claim(moderator_a, filed.case)
    uphold(moderator_a, filed.case, private_notes=PRIVATE_NOTE)

    response = track(filed.reference, filed.token)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "actioned"
    assert body["decision"]["outcome"] == "uphold"
    assert body["decision"]["reasons"] == REASONS
    assert body["items"][0]["measure"] == "delete"
    assert body["items"][0]["outcome"] == "upheld"
    events = [entry["event"] for entry in body["timeline"]]
    assert events[:3] == ["notice_received", "claim", "uphold"]

    page = tracking_page(filed.reference, filed.token)
    assert page.status_code == 200
    for text in (response.content.decode(), page.content.decode()):
        assert "moderator_a" not in text
        assert PRIVATE_NOTE not in text
        assert "repeat offender" not in text
    assert REASONS in page.content.decode()


def test_the_database_stores_only_the_sha256_of_the_tracking_token(filed):
    notice = Notice.objects.get(reference=filed.reference)
    assert notice.tracking_token_hash == hashlib.sha256(filed.token.encode()).hexdigest()

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    everything = dump.getvalue()
    assert notice.tracking_token_hash in everything
    assert filed.token not in everything


def test_filing_through_the_web_form_leaves_no_readable_tracking_token_in_the_database(
    client, clinic_post
):
    payload = notice_payload([])
    payload["reported_urls"] = post_url(clinic_post)
    response = client.post(reverse("notices:new"), payload, follow=True)
    assert response.status_code == 200
    notice = Notice.objects.get()
    token = response.context["token"]
    assert notice.tracking_token_hash == Notice.hash_token(token)

    stored_sessions = [session.get_decoded() for session in Session.objects.all()]
    assert token not in json.dumps(stored_sessions, default=str)


# --- 2. the role matrix --------------------------------------------------------------------

PERSONAS = ["anonymous", "stranger", "moderator_a", "legal", "admin_user"]
STAFF_PERSONAS = ["moderator_a", "legal", "admin_user"]
REFUSED = {"anonymous": {401, 403}, "stranger": {403}}


def persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


def api_for(user):
    return CommitAPIClient() if user is None else api_as(user)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "cases/"),
        ("get", "cases/{id}/"),
        ("get", "cases/{id}/log/"),
        ("post", "cases/{id}/claim/"),
    ],
    ids=["queue", "case", "log", "claim"],
)
@pytest.mark.parametrize("who", PERSONAS)
def test_only_staff_roles_reach_the_staff_api(request, filed, who, method, path):
    user = persona(request, who)
    log_before = log_snapshot(filed.case)

    url = "/api/v1/" + path.format(id=filed.case.pk)
    response = getattr(api_for(user), method)(url)

    if who in REFUSED:
        assert response.status_code in REFUSED[who], response.content
        if who == "stranger":
            assert "Only trust-and-safety staff" in response.json()["detail"]
        case = Case.objects.get(pk=filed.case.pk)
        assert case.claimed_by is None
        assert case.state == "received"
        assert log_snapshot(filed.case) == log_before
    else:
        assert response.status_code == 200, response.content
        if method == "post":
            assert response.json()["claimed_by"] == user.username


@pytest.mark.parametrize("who", STAFF_PERSONAS)
def test_staff_roles_see_the_web_queue(request, filed, who):
    response = web_as(persona(request, who)).get(reverse("cases:queue"))

    assert response.status_code == 200
    assert filed.reference in response.content.decode()


def test_the_web_queue_sends_anonymous_visitors_to_sign_in(client, filed):
    response = client.get(reverse("cases:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/staff/" in response["Location"]


def test_the_web_queue_is_forbidden_to_a_signed_in_user_without_a_role(stranger, filed):
    response = web_as(stranger).get(reverse("cases:queue"))

    assert response.status_code == 403
    assert filed.reference not in response.content.decode()


@pytest.fixture
def agent_case(anonymous_api, clinic_post, moderator_a):
    """An agent's notice (so it has every kind of evidence), claimed by moderator_a."""
    filed = file_notice(
        anonymous_api,
        clinic_post,
        relationship="agent",
        authorization_document=upload("mandate.pdf", pdf_bytes(), "application/pdf"),
    )
    claim(moderator_a, filed.case)
    kinds = dict(filed.case.notice.evidence.values_list("kind", "pk"))
    assert set(kinds) == set(PUBLIC_TO_STAFF + PRIVATE_DOCUMENTS), kinds
    filed.evidence = kinds
    return filed


PUBLIC_TO_STAFF = ["reference_photo", "reported_snapshot"]
PRIVATE_DOCUMENTS = ["identity", "authorization"]


@pytest.mark.parametrize(
    "who, kind, expected",
    [
        *[("anonymous", kind, 302) for kind in PUBLIC_TO_STAFF + PRIVATE_DOCUMENTS],
        *[("stranger", kind, 403) for kind in PUBLIC_TO_STAFF + PRIVATE_DOCUMENTS],
        *[(who, kind, 200) for who in ["moderator_a", "moderator_b"] for kind in PUBLIC_TO_STAFF],
        *[(who, kind, 200) for who in ["legal", "admin_user"] for kind in PUBLIC_TO_STAFF],
        # Only the identity-document permission opens them: holding the claim (moderator_a)
        # is not enough unless TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM says so.
        *[(who, kind, 404) for who in ["moderator_a", "moderator_b"] for kind in PRIVATE_DOCUMENTS],
        *[(who, kind, 200) for who in ["legal", "admin_user"] for kind in PRIVATE_DOCUMENTS],
    ],
)
def test_evidence_files_are_served_only_to_the_staff_allowed_to_see_them(
    request, agent_case, who, kind, expected
):
    user = persona(request, who)
    client = CommitClient() if user is None else web_as(user)

    response = client.get(reverse("cases:evidence", args=[agent_case.evidence[kind]]))

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))
    if expected == 200:
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content)
    else:
        assert b"%PDF" not in response.content


def test_a_moderator_whose_claim_lapsed_no_longer_sees_the_identity_document(
    agent_case, moderator_a
):
    Case.objects.filter(pk=agent_case.case.pk).update(
        claim_expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = web_as(moderator_a).get(
        reverse("cases:evidence", args=[agent_case.evidence["identity"]])
    )

    assert response.status_code == 404


def test_an_integration_signs_in_with_an_api_token(filed, moderator_a):
    token = Token.objects.create(user=moderator_a)
    client = CommitAPIClient()

    listed = client.get(CASES, HTTP_AUTHORIZATION=f"Token {token.key}")
    claimed = client.post(f"{CASES}{filed.case.pk}/claim/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert listed.status_code == 200
    assert [case["reference"] for case in listed.json()["results"]] == [filed.reference]
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["claimed_by"] == "moderator_a"


def test_a_bad_api_token_or_a_token_without_a_role_is_refused(filed, stranger):
    token = Token.objects.create(user=stranger)
    client = CommitAPIClient()

    bogus = client.get(CASES, HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    no_role = client.get(CASES, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert bogus.status_code in (401, 403)
    assert "Invalid token" in bogus.json()["detail"]
    assert no_role.status_code == 403
    assert filed.reference not in no_role.content.decode()


def test_a_signed_in_session_must_send_the_csrf_token_to_claim(filed, moderator_a):
    client = CommitClient(enforce_csrf_checks=True)
    client.force_login(moderator_a)

    forged_api = client.post(f"{CASES}{filed.case.pk}/claim/")
    forged_web = client.post(reverse("cases:claim", args=[filed.case.pk]))

    assert forged_api.status_code == 403
    assert "CSRF" in forged_api.json()["detail"]
    assert forged_web.status_code == 403
    assert Case.objects.get(pk=filed.case.pk).claimed_by is None

    client.get(reverse("cases:queue"))  # a page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    genuine = client.post(f"{CASES}{filed.case.pk}/claim/", HTTP_X_CSRFTOKEN=csrf)
    assert genuine.status_code == 200, genuine.content
    assert Case.objects.get(pk=filed.case.pk).claimed_by == moderator_a


# --- 3. the action log is append-only ------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_the_log_api_has_no_way_to_write(filed, admin_user, method):
    before = log_snapshot(filed.case)

    response = getattr(api_as(admin_user), method)(
        f"{CASES}{filed.case.pk}/log/", {"reasons": "tampered"}, format="json"
    )

    assert response.status_code == 405
    assert log_snapshot(filed.case) == before


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@platform.example", "pw-for-tests-only")


@pytest.fixture
def entry(filed):
    return ActionLog.objects.filter(case=filed.case).order_by("pk").first()


def test_even_a_superuser_sees_a_log_entry_read_only_in_the_admin(superuser, entry):
    response = web_as(superuser).get(reverse("admin:cases_actionlog_change", args=[entry.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert entry.entry_hash in page
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert "deletelink" not in page


def test_even_a_superuser_cannot_change_a_log_entry_in_the_admin(superuser, filed, entry):
    before = log_snapshot(filed.case)

    response = web_as(superuser).post(
        reverse("admin:cases_actionlog_change", args=[entry.pk]),
        {
            "case": filed.case.pk,
            "actor_label": "nobody",
            "action": "notice_received",
            "reasons": "tampered",
            "public_summary": "tampered",
            "previous_hash": "0" * 64,
            "entry_hash": "f" * 64,
            "_save": "Save",
        },
    )

    assert response.status_code == 403
    assert log_snapshot(filed.case) == before


def test_even_a_superuser_cannot_delete_a_log_entry_in_the_admin(superuser, filed, entry):
    client = web_as(superuser)
    before = log_snapshot(filed.case)
    delete_url = reverse("admin:cases_actionlog_delete", args=[entry.pk])

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:cases_actionlog_add")).status_code == 403
    assert log_snapshot(filed.case) == before


def test_the_admin_log_list_offers_no_delete_action(superuser, filed, entry):
    client = web_as(superuser)
    changelist = reverse("admin:cases_actionlog_changelist")

    page = client.get(changelist)
    assert page.status_code == 200
    assert "delete_selected" not in page.content.decode()

    client.post(changelist, {"action": "delete_selected", "_selected_action": [entry.pk]})
    client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert ActionLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda e: e.save(), id="save-an-existing-entry"),
        pytest.param(lambda e: e.save(update_fields=["reasons"]), id="save-named-fields"),
        pytest.param(lambda e: e.delete(), id="delete-an-entry"),
        pytest.param(
            lambda e: ActionLog.objects.filter(pk=e.pk).update(reasons="x"), id="queryset-update"
        ),
        pytest.param(lambda e: ActionLog.objects.filter(pk=e.pk).delete(), id="queryset-delete"),
        pytest.param(lambda e: e.case.log.update(reasons="x"), id="related-update"),
        pytest.param(lambda e: e.case.log.all().delete(), id="related-delete"),
        pytest.param(lambda e: ActionLog.objects.bulk_update([e], ["reasons"]), id="bulk-update"),
    ],
)
def test_code_cannot_change_or_delete_a_log_entry(filed, entry, tamper):
    before = log_snapshot(filed.case)
    entry.reasons = "tampered"

    # A savepoint, so that the refused write does not break the test's transaction.
    with pytest.raises(PermissionDenied, match="append-only"), transaction.atomic():
        tamper(entry)

    assert log_snapshot(filed.case) == before


def _raw(sql: str, *params) -> None:
    table = connection.ops.quote_name(ActionLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


@pytest.fixture
def worked_case(filed, moderator_a):
    """A case with a full history: filed, matched, claimed, upheld, applied, notified."""
    claim(moderator_a, filed.case)
    uphold(moderator_a, filed.case, private_notes=PRIVATE_NOTE)
    entries = list(ActionLog.objects.filter(case=filed.case).order_by("pk"))
    assert len(entries) >= 4, [e.action for e in entries]
    filed.entries = entries
    return filed


def test_an_intact_log_verifies(worked_case):
    assert log_verify() == []
    assert log_verify(case_ids=[worked_case.case.pk]) == []


def test_an_entry_altered_in_the_database_is_reported(worked_case):
    target = worked_case.entries[1]
    _raw("UPDATE {table} SET reasons = %s WHERE id = %s", "edited by hand", target.pk)

    problems = log_verify()

    assert problems == [
        f"entry {target.sequence} (case {worked_case.case.pk}): contents were altered"
    ]


def test_an_entry_altered_with_a_recomputed_hash_breaks_the_chain(worked_case):
    target = worked_case.entries[1]
    forged = ActionLog.objects.get(pk=target.pk)
    forged.reasons = "edited by hand"
    _raw(
        "UPDATE {table} SET reasons = %s, entry_hash = %s WHERE id = %s",
        forged.reasons,
        forged.compute_hash(),
        target.pk,
    )

    problems = log_verify()

    following = worked_case.entries[2]
    assert problems == [
        f"entry {following.sequence} (case {worked_case.case.pk}): chain broken before it "
        f"(its previous hash is not the hash of entry {target.sequence})"
    ]


def test_an_entry_deleted_from_the_database_breaks_the_chain(worked_case):
    removed, following = worked_case.entries[1], worked_case.entries[2]
    _raw("DELETE FROM {table} WHERE id = %s", removed.pk)

    problems = log_verify()

    assert problems == [
        f"entry {removed.sequence} is missing: the chain jumps to {following.sequence}"
    ]


# --- 4. the queue API ----------------------------------------------------------------------


@pytest.fixture
def three_cases(anonymous_api, clinic_post, unrelated_post):
    """Three cases filed in order; their due times are then shuffled."""
    cases = [
        file_notice(anonymous_api, clinic_post),
        file_notice(anonymous_api, unrelated_post),
        file_notice(anonymous_api, clinic_post, unrelated_post),
    ]
    now = timezone.now()
    for filed, hours in zip(cases, [30, 5, 12], strict=True):
        Case.objects.filter(pk=filed.case.pk).update(due_at=now + timedelta(hours=hours))
    return cases


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [case["reference"] for case in response.json()["results"]]


def test_the_queue_lists_the_soonest_due_case_first(three_cases, moderator_a):
    first, second, third = three_cases

    assert refs(api_as(moderator_a).get(CASES)) == [
        second.reference,
        third.reference,
        first.reference,
    ]


def test_the_queue_filters_by_state(three_cases, moderator_a):
    first, second, third = three_cases
    claim(moderator_a, first.case)
    client = api_as(moderator_a)

    assert refs(client.get(CASES, {"state": "in_review"})) == [first.reference]
    assert refs(client.get(CASES, {"state": "received"})) == [second.reference, third.reference]
    assert refs(client.get(CASES, {"state": "closed"})) == []


def test_the_queue_filters_by_match_verdict(three_cases, moderator_a):
    first, second, third = three_cases
    client = api_as(moderator_a)

    # The clinic's post reuses the reference selfie; the unrelated post does not.
    assert refs(client.get(CASES, {"verdict": "match"})) == [third.reference, first.reference]
    assert refs(client.get(CASES, {"verdict": "no_match"})) == [second.reference]
    assert refs(client.get(CASES, {"verdict": "match", "state": "in_review"})) == []


@pytest.mark.parametrize(
    "query, message",
    [
        ({"state": "open"}, "state must be one of received, needs_info, in_review"),
        ({"verdict": "maybe"}, "verdict must be one of pending, match, possible"),
    ],
)
def test_an_invalid_queue_filter_is_a_400_that_says_what_is_allowed(
    filed, moderator_a, query, message
):
    response = api_as(moderator_a).get(CASES, query)

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_queue_is_paginated(three_cases, moderator_a, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    client = api_as(moderator_a)

    page_one = client.get(CASES).json()
    page_two = client.get(CASES, {"page": 2}).json()

    assert page_one["count"] == 3
    assert len(page_one["results"]) == 2
    assert page_one["next"].endswith("?page=2")
    assert page_one["previous"] is None
    assert len(page_two["results"]) == 1
    assert page_two["next"] is None
    seen = [c["id"] for c in page_one["results"] + page_two["results"]]
    assert sorted(seen) == sorted(f.case.pk for f in three_cases)


def test_each_queued_case_shows_its_items_and_their_match(three_cases, moderator_a):
    body = api_as(moderator_a).get(CASES).json()

    for case in body["results"]:
        assert {"id", "reference", "state", "due_at", "items"} <= set(case)
        assert case["items"]
        for item in case["items"]:
            assert {"id", "url", "measure", "outcome", "match"} <= set(item)
            assert re.search(r"/platform/posts/\d+/$", item["url"])
            assert item["outcome"] == "pending"
            assert item["match"]["verdict"] in {"match", "no_match"}
    both = next(c for c in body["results"] if c["reference"] == three_cases[2].reference)
    assert sorted(item["match"]["verdict"] for item in both["items"]) == ["match", "no_match"]


def test_the_queue_costs_the_same_queries_for_3_cases_as_for_12(
    anonymous_api, clinic_post, unrelated_post, moderator_a, django_assert_max_num_queries
):
    # From different notifiers: the same notifier's notices would join one case.
    def file(n):
        return file_notice(
            anonymous_api, clinic_post, unrelated_post, notifier_email=f"person{n}@example.com"
        )

    cases = [file(n) for n in range(3)]
    claim(moderator_a, cases[0].case)
    uphold(moderator_a, cases[0].case)  # one case with platform measures
    client = api_as(moderator_a)
    client.get(CASES)  # the user's roles are looked up once, then cached
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(CASES).json()["results"]) == 3
    # Counted now: the next request clears the connection's query log.
    queries_for_3 = len(small.captured_queries)

    cases += [file(n) for n in range(3, 12)]
    claim(moderator_a, cases[1].case)

    with django_assert_max_num_queries(queries_for_3):
        body = client.get(CASES).json()
    assert len(body["results"]) == 12
    assert sum(len(c["items"]) for c in body["results"]) == 24


# --- 5. API documentation ------------------------------------------------------------------


def test_the_api_schema_is_an_openapi_3_document_with_intake_and_decisions(anonymous_api, db):
    response = anonymous_api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/notices/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/notices/"]
    assert "/api/v1/cases/{id}/decide/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/cases/{id}/decide/"]


def test_the_api_docs_page_loads_only_local_assets(anonymous_api, db):
    response = anonymous_api.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assets = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    for asset in assets:
        # Our static files, and the page's own script (no inline script under the CSP).
        assert asset.startswith(("/static/", "/api/docs/?script")), asset
    assert not re.search(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']?(?:https?:)?//", page)


def test_the_case_api_gives_a_reviewer_the_notice_evidence_and_decisions(
    anonymous_api, clinic_post, unrelated_post, moderator_a, legal
):
    from .conftest import api_as as client_for

    filed = file_notice(anonymous_api, clinic_post, unrelated_post)
    case_id = filed.case.pk

    as_moderator = client_for(moderator_a).get(f"/api/v1/cases/{case_id}/").json()
    assert as_moderator["notice"]["description"]
    assert as_moderator["notice"]["signature"] == "Mei Lin"
    kinds = {e["kind"] for e in as_moderator["evidence"]}
    assert kinds == {"reference_photo", "reported_snapshot"}  # no identity without the claim

    as_legal = client_for(legal).get(f"/api/v1/cases/{case_id}/").json()
    identity = next(e for e in as_legal["evidence"] if e["kind"] == "identity")
    download = client_for(legal).get(identity["url"].replace("http://testserver", ""))
    assert download.status_code == 200
    assert (
        client_for(moderator_a).get(identity["url"].replace("http://testserver", "")).status_code
        == 404
    )


def test_a_json_body_nested_too_deeply_is_a_400_that_changes_nothing(filed, moderator_a):
    from django.contrib.auth.models import Group

    screener = User.objects.create(username="screener")
    screener.groups.add(Group.objects.get(name="platform"))
    hostile = "[" * 5000 + "]" * 5000
    calls = [
        (CommitAPIClient(), f"{NOTICES}{filed.reference}/withdraw/", filed.token),
        (api_as(moderator_a), f"/api/v1/cases/{filed.case.pk}/decide/", None),
        (api_as(screener), "/api/v1/screen/", None),
    ]
    for client, path, token in calls:
        headers = {"HTTP_X_TRACKING_TOKEN": token} if token else {}
        response = client.generic("POST", path, hostile, content_type="application/json", **headers)
        assert response.status_code == 400, (path, response.content[:200])
        assert "nested too deeply" in response.json()["detail"]
    filed.case.refresh_from_db()
    assert filed.case.state == "received" and not filed.case.decisions.exists()

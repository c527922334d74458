"""Statements of reasons exported in the EU DSA Transparency Database format (DSA art. 24(5))."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from cases import dsa_schema, services
from cases.models import Case, Decision, PlatformMeasure
from cases.roles import Actor
from cases.transparency import export_statements, statement_for, validate_statement
from notices.models import Notice, Organisation

from .conftest import api_as, notice_payload, post_url

REASONS = (
    "Mei Lin (mei.lin@example.com) showed that the clinic's post http://clinic.example/p/4 "
    "uses her selfie, mirrored and cropped, as a customer result without her consent."
)


def file_notice(anonymous_api, *posts) -> Case:
    response = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(p) for p in posts]), format="multipart"
    )
    assert response.status_code == 201, response.json()
    return Case.objects.get(notice__reference=response.json()["reference"])


def uphold(case, user, measures: dict, ground="portrait_right", **extra) -> Decision:
    """Claim through the API, decide through the service (with its ground), and run the
    measures on the demo platform as a commit would."""
    assert api_as(user).post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    items = [
        {"id": case.notice.items.get(content_id=post.content_id).pk, "measure": measure}
        for post, measure in measures.items()
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = services.case_decide(
            case_id=case.pk,
            actor=Actor.staff(user),
            outcome="uphold",
            reasons=extra.pop("reasons", REASONS),
            items=items,
            ground=ground,
            **extra,
        )
    assert set(decision.measures.values_list("status", flat=True)) == {"applied"}
    return decision


@pytest.fixture
def upheld(anonymous_api, clinic_post, pack_post, moderator_a):
    """Mei Lin's notice upheld: the clinic's post deleted, the seller's link disconnected."""
    case = file_notice(anonymous_api, clinic_post, pack_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete", pack_post: "disconnect_link"})
    return case, decision


def measure_on(decision, post) -> PlatformMeasure:
    return decision.measures.get(item__content_id=post.content_id)


def test_each_applied_measure_gives_one_statement_checked_field_by_field(
    upheld, clinic_post, pack_post, settings
):
    case, decision = upheld
    deleted = measure_on(decision, clinic_post)
    disconnected = measure_on(decision, pack_post)

    export = export_statements()

    assert export.ok, export.problems
    assert [s["puid"] for s in export.statements] == [
        f"{case.reference}-item{deleted.item_id}-measure{deleted.pk}",
        f"{case.reference}-item{disconnected.item_id}-measure{disconnected.pk}",
    ]
    ground = settings.TAKEDOWN_DECISION_GROUNDS["portrait_right"]
    received = timezone.localdate(case.notice.received_at).isoformat()
    expected_facts = (
        "[removed] ([removed]) showed that the clinic's post [removed] uses her selfie, "
        "mirrored and cropped, as a customer result without her consent."
    )
    assert export.statements[0] == {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "category": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "illegal_content_legal_ground": ground["reference"],
        "illegal_content_explanation": ground["explanation"],
        "decision_facts": expected_facts,
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "territorial_scope": list(dsa_schema.EUROPEAN_ECONOMIC_AREA_COUNTRY_CODES),
        "content_date": received,
        "application_date": timezone.localdate(deleted.completed_at).isoformat(),
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": f"{case.reference}-item{deleted.item_id}-measure{deleted.pk}",
    }
    second = export.statements[1]
    assert second["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert "end_date_visibility_restriction" not in second  # indefinite
    for statement in export.statements:
        assert validate_statement(statement) == []
        text = json.dumps(statement)
        assert "Mei Lin" not in text and "example.com" not in text and "http" not in text


def test_a_decision_that_restricted_one_item_builds_the_same_statement(
    anonymous_api, clinic_post, moderator_a
):
    case = file_notice(anonymous_api, clinic_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete"})
    assert statement_for(decision) == statement_for(decision.measures.get())


def test_scope_end_date_blocking_automation_and_trusted_flagger_are_mapped(
    anonymous_api, clinic_post, moderator_a
):
    case = file_notice(anonymous_api, clinic_post)
    flagger = Organisation.objects.create(
        name="Portrait Watch", kind="trusted_flagger", contact_email="desk@watch.example"
    )
    Notice.objects.filter(pk=case.notice_id).update(filed_by=flagger)
    ends = timezone.localdate() + datetime.timedelta(days=90)
    decision = uphold(
        case,
        moderator_a,
        {clinic_post: "block"},
        reasons="Reported by Portrait Watch; the portrait is used in an advert.",
        territorial_scope=["DE", "fr", "CN"],
        ends_on=ends,
    )
    # The decide service records no automated means yet; a decision that used them:
    Decision.objects.filter(pk=decision.pk).update(
        automated_detection=True, automated_decision=True
    )
    decision.refresh_from_db()

    statement = statement_for(decision.measures.get())

    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert statement["territorial_scope"] == ["DE", "FR"]  # CN is outside the EU/EEA
    assert statement["end_date_visibility_restriction"] == ends.isoformat()
    assert statement["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert statement["automated_detection"] == "Yes"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    assert statement["decision_facts"] == (
        "Reported by [removed]; the portrait is used in an advert."
    )
    assert validate_statement(statement) == []


def test_a_terms_of_service_ground_fills_the_incompatible_content_fields(
    anonymous_api, clinic_post, moderator_a, settings
):
    case = file_notice(anonymous_api, clinic_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete"}, ground="impersonation_terms")
    statement = statement_for(decision.measures.get())
    ground = settings.TAKEDOWN_DECISION_GROUNDS["impersonation_terms"]
    assert statement["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert statement["category"] == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert statement["incompatible_content_ground"] == ground["reference"]
    assert statement["incompatible_content_explanation"] == ground["explanation"]
    assert "illegal_content_legal_ground" not in statement
    assert validate_statement(statement) == []


def test_restrictions_only_outside_europe_and_failed_measures_are_not_exported(
    anonymous_api, clinic_post, pack_post, moderator_a
):
    case = file_notice(anonymous_api, clinic_post, pack_post)
    decision = uphold(
        case, moderator_a, {clinic_post: "delete", pack_post: "delete"}, territorial_scope=["CN"]
    )
    assert export_statements().statements == []
    Decision.objects.filter(pk=decision.pk).update(territorial_scope=[])
    PlatformMeasure.objects.filter(pk=measure_on(decision, pack_post).pk).update(status="failed")
    assert [s["puid"] for s in export_statements().statements] == [
        statement_for(measure_on(decision, clinic_post))["puid"]
    ]


# --- Validation --------------------------------------------------------------------------


def valid_statement() -> dict:
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "category": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "illegal_content_legal_ground": "PRC Civil Code arts. 1018-1019",
        "illegal_content_explanation": "The portrait is used without consent.",
        "decision_facts": "A selfie used as an advert without consent.",
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "territorial_scope": ["DE"],
        "content_date": "2026-01-05",
        "application_date": "2026-01-06",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "puid": "TD-2026-000001-item1-measure1",
    }


def with_changes(**changes) -> dict:
    statement = valid_statement()
    for name, value in changes.items():
        if value is None:
            del statement[name]
        else:
            statement[name] = value
    return statement


def test_the_sample_statement_is_valid():
    assert validate_statement(valid_statement()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"decision_ground": None}, "decision_ground: required."),
        ({"puid": None}, "puid: required."),
        ({"content_type": []}, "content_type: required."),
        ({"category": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"}, "category: "),
        ({"automated_detection": "no"}, "automated_detection: 'no' is not one of Yes, No."),
        ({"automated_decision": "No"}, "automated_decision: 'No' is not one of"),
        ({"source_type": "SOURCE_NOTICE"}, "source_type: 'SOURCE_NOTICE' is not one of"),
        ({"territorial_scope": ["DE", "GB"]}, "territorial_scope: 'GB' is not one of"),
        ({"content_type": "CONTENT_TYPE_IMAGE"}, "content_type: must be a list."),
        ({"decision_facts": "x" * 5001}, "decision_facts: 5001 characters, at most 5000"),
        ({"illegal_content_legal_ground": "x" * 501}, "illegal_content_legal_ground: 501"),
        ({"illegal_content_explanation": "x" * 2001}, "illegal_content_explanation: 2001"),
        ({"puid": "x" * 501}, "puid: 501 characters, at most 500 allowed."),
        ({"puid": "TD 2026/1"}, "puid: only letters, digits, hyphens and underscores"),
        ({"application_date": "06/01/2026"}, "application_date: '06/01/2026' is not a date"),
        ({"application_date": "2026-01-06-12"}, "application_date: '2026-01-06-12' is not a"),
        ({"content_date": "2026-02-30"}, "content_date: '2026-02-30' is not a real date."),
        ({"content_date": "1999-12-31"}, "content_date: 1999-12-31 is before 2000-01-01."),
        ({"application_date": "2019-12-31"}, "application_date: 2019-12-31 is before 2020-01-01"),
        (
            {"end_date_visibility_restriction": "2026-01-01"},
            "end_date_visibility_restriction: 2026-01-01 is before the application_date",
        ),
        ({"content_date": "2026-01-07"}, "content_date: 2026-01-07 is after the application"),
        ({"decision_visibility": None}, "decision: at least one of decision_visibility"),
        ({"illegal_content_legal_ground": None}, "illegal_content_legal_ground: required when"),
        ({"incompatible_content_ground": "ToS 4.2"}, "incompatible_content_ground: only given"),
        (
            {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
            "decision_visibility_other: required when decision_visibility is",
        ),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other: required when"),
        ({"content_id": {"EAN-13": "123"}}, "content_id: EAN-13 must be 13 digits."),
        ({"uploader": "clinic"}, "uploader: not a field of the Transparency Database schema."),
        ({"decision_facts": "Write to a@b.example"}, "decision_facts: contains an e-mail"),
        ({"decision_facts": "See https://x.example/u/1"}, "decision_facts: contains a link"),
    ],
)
def test_validation_names_what_breaks_the_schema(changes, problem):
    problems = validate_statement(with_changes(**changes))
    assert any(p.startswith(problem) for p in problems), problems


# --- The command -------------------------------------------------------------------------


def test_the_command_prints_one_batch_per_line_and_filters_by_day(upheld, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_statements", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    batch = json.loads(lines[0])
    assert list(batch) == ["statements"] and len(batch["statements"]) == 2
    assert batch["statements"] == export_statements().statements
    assert "2 statement(s) in 1 batch(es)" in err.getvalue()

    today = timezone.localdate()
    target = tmp_path / "sor.jsonl"
    call_command(
        "export_statements",
        since=today.isoformat(),
        until=today.isoformat(),
        output=str(target),
        stderr=io.StringIO(),
    )
    assert json.loads(target.read_text().splitlines()[0]) == batch
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    out = io.StringIO()
    call_command("export_statements", since=tomorrow, stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""


def test_batches_hold_at_most_a_hundred_statements():
    from cases.transparency import Export

    export = Export(statements=[{"puid": f"p{i}"} for i in range(205)])
    assert [len(b["statements"]) for b in export.batches()] == [100, 100, 5]


def test_the_command_refuses_and_exports_nothing_when_a_record_is_invalid(
    upheld, clinic_post, tmp_path
):
    case, decision = upheld
    Decision.objects.filter(pk=decision.pk).update(ground="", ground_reference="")
    target = tmp_path / "sor.jsonl"
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="2 statement\\(s\\) fail validation"):
        call_command("export_statements", output=str(target), stdout=out, stderr=err)

    assert out.getvalue() == "" and not target.exists()
    measure = measure_on(decision, clinic_post)
    assert f"case {case.reference}, item {measure.item_id}, delete measure {measure.pk}" in (
        err.getvalue()
    )
    assert "decision_ground: required." in err.getvalue()
    assert "category: required." in err.getvalue()


def test_the_command_refuses_a_date_that_is_not_a_day():
    with pytest.raises(CommandError, match="not a date in the format YYYY-MM-DD"):
        call_command("export_statements", "--since", "2026-13-01", stderr=io.StringIO())


# --- The staff API -----------------------------------------------------------------------


def test_legal_and_admin_get_the_statements(upheld, legal, admin_user):
    for user in (legal, admin_user):
        response = api_as(user).get("/api/v1/statements/")
        assert response.status_code == 200, response.json()
        assert response.json() == {"count": 2, "statements": export_statements().statements}


def test_moderators_and_strangers_are_refused_and_anonymous_must_authenticate(
    upheld, moderator_a, stranger, anonymous_api
):
    for user in (moderator_a, stranger):
        response = api_as(user).get("/api/v1/statements/")
        assert response.status_code == 403
        assert "legal and admin" in response.json()["detail"]
    assert anonymous_api.get("/api/v1/statements/").status_code == 401


def test_the_api_filters_by_day_and_explains_bad_dates(upheld, legal):
    client = api_as(legal)
    today = timezone.localdate()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/statements/?until={yesterday}").json()["count"] == 0
    assert client.get(f"/api/v1/statements/?since={today}&until={today}").json()["count"] == 2

    response = client.get("/api/v1/statements/?since=yesterday")
    assert response.status_code == 400
    assert response.json()["since"] == [
        "since must be a date in the format YYYY-MM-DD, not 'yesterday'."
    ]
    response = client.get(f"/api/v1/statements/?since={today}&until={yesterday}")
    assert response.status_code == 400
    assert "is after until" in response.json()["detail"]


def test_the_api_returns_nothing_while_a_record_is_invalid(upheld, legal):
    _, decision = upheld
    Decision.objects.filter(pk=decision.pk).update(reasons="Call her at someone@example.com")
    response = api_as(legal).get("/api/v1/statements/")
    assert response.status_code == 200  # the e-mail address is removed from the facts
    Decision.objects.filter(pk=decision.pk).update(ground="lawful_use")  # no DSA mapping
    response = api_as(legal).get("/api/v1/statements/")
    assert response.status_code == 409
    body = response.json()
    assert "statements" not in body
    assert len(body["records"]) == 2
    assert "decision_ground: required." in body["records"][0]["problems"]


# --- The end of a temporary measure ------------------------------------------------------


def decide_with_end(case, user, ends_on):
    client = api_as(user)
    assert client.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    return client.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Her selfie as an advert.",
            "measure": "block",
            "ends_on": ends_on,
        },
        format="json",
    )


@pytest.mark.parametrize(
    ("days", "day", "reason"),
    [
        (-1, None, "must be after today"),
        (0, None, "must be after today"),
        (None, "2038-01-02", "the last end date the EU Transparency Database accepts"),
        (None, "2099-12-31", "the last end date the EU Transparency Database accepts"),
    ],
)
def test_a_decision_refuses_an_end_date_the_database_would_refuse(
    anonymous_api, clinic_post, moderator_a, days, day, reason
):
    case = file_notice(anonymous_api, clinic_post)
    if day is None:
        day = (timezone.localdate() + datetime.timedelta(days=days)).isoformat()

    response = decide_with_end(case, moderator_a, day)

    assert response.status_code == 400, response.json()
    assert reason in response.json()["ends_on"][0]
    case.refresh_from_db()
    assert case.state == "in_review" and not case.decisions.exists()
    assert not PlatformMeasure.objects.exists()


@pytest.mark.parametrize("day", ["tomorrow", "2038-01-01"])
def test_a_decision_accepts_an_end_from_tomorrow_to_the_last_accepted_day(
    anonymous_api, clinic_post, moderator_a, day
):
    case = file_notice(anonymous_api, clinic_post)
    if day == "tomorrow":
        day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = decide_with_end(case, moderator_a, day)

    assert response.status_code == 200, response.json()
    assert case.decisions.get().ends_on.isoformat() == day

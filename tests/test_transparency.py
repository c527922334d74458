"""Statements of reasons exported in the EU DSA Transparency Database format (DSA art. 24(5))."""

import copy
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from cases import dsa_schema, services, transparency
from cases.errors import Conflict
from cases.models import Case, Decision, PlatformMeasure, RepeatInfringer, StatementExport
from cases.personal_data import Party, scrub
from cases.roles import Actor
from cases.transparency import (
    Export,
    export_statements,
    puid_for,
    record_export,
    statement_for,
    validate_statement,
)
from demo_platform.models import Account, Post, UploaderMessage
from notices.models import Notice, Organisation

from .conftest import api_as, notice_payload, post_url

REASONS = (
    "Mei Lin (mei.lin@example.com) showed that the clinic's post http://clinic.example/p/4 "
    "uses her selfie, mirrored and cropped, as a customer result without her consent."
)


def file_notice(anonymous_api, *posts, **payload) -> Case:
    response = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(p) for p in posts], **payload),
        format="multipart",
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

    assert export.ok, export.invalid
    assert [s["puid"] for s in export.statements] == [
        f"{case.reference}-item{deleted.item_id}-measure{deleted.pk}",
        f"{case.reference}-item{disconnected.item_id}-measure{disconnected.pk}",
    ]
    ground = settings.TAKEDOWN_DECISION_GROUNDS["portrait_right"]
    # The demo platform says when each post was made; that day, not the notice's, is the date.
    posted = timezone.localdate(deleted.item.posted_at).isoformat()
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
        "content_date": posted,
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
        case, moderator_a, {clinic_post: "block", pack_post: "block"}, territorial_scope=["CN"]
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
    call_command("export_statements", dry_run=True, stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    batch = json.loads(lines[0])
    assert list(batch) == ["statements"] and len(batch["statements"]) == 2
    assert batch["statements"] == export_statements().statements
    assert "2 statement(s) in 1 batch(es) exported (dry run: not recorded)." in err.getvalue()
    assert not StatementExport.objects.exists()

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

    with pytest.raises(CommandError, match="2 statement\\(s\\) fail validation") as refused:
        call_command("export_statements", output=str(target), stdout=out, stderr=err)

    assert out.getvalue() == "" and not target.exists()
    assert not StatementExport.objects.exists()
    measure = measure_on(decision, clinic_post)
    assert f"puid {puid_for(measure)} (case {case.reference}, item {measure.item_id}, delete " in (
        err.getvalue()
    )
    assert "export the valid ones with --skip-invalid" in str(refused.value)
    assert "decision_ground: required." in err.getvalue()
    assert "category: required." in err.getvalue()


def test_the_command_refuses_a_date_that_is_not_a_day():
    with pytest.raises(CommandError, match="not a date in the format YYYY-MM-DD"):
        call_command("export_statements", "--since", "2026-13-01", stderr=io.StringIO())


# --- The staff API -----------------------------------------------------------------------


def test_legal_and_admin_preview_the_statements_without_recording_them(upheld, legal, admin_user):
    for user in (legal, admin_user):
        response = api_as(user).get("/api/v1/statements/")
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "count": 2,
            "statements": export_statements().statements,
            "reexported": [],
            "skipped": {"invalid": 0, "already_exported": 0, "outside_europe": 0},
            "invalid": [],
            "batch": None,
        }
    assert not StatementExport.objects.exists()


def test_moderators_and_strangers_are_refused_and_anonymous_must_authenticate(
    upheld, moderator_a, stranger, anonymous_api
):
    for user in (moderator_a, stranger):
        for call in (api_as(user).get, api_as(user).post):
            response = call("/api/v1/statements/")
            assert response.status_code == 403
            assert "legal and admin" in response.json()["detail"]
    assert anonymous_api.get("/api/v1/statements/").status_code == 401
    assert anonymous_api.post("/api/v1/statements/").status_code == 401
    assert not StatementExport.objects.exists()


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


def test_an_export_with_its_options_in_the_body_is_refused_and_records_nothing(upheld, legal):
    response = api_as(legal).post("/api/v1/statements/", {"since": "2099-01-01"}, format="json")

    assert response.status_code == 400
    assert "Options go in the query string" in response.json()["detail"]
    assert not StatementExport.objects.exists()
    assert api_as(legal).post("/api/v1/statements/").json()["count"] == 2


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
    assert len(body["invalid"]) == 2
    assert body["invalid"][0]["puid"] == statement_for(decision.measures.first())["puid"]
    assert "decision_ground: required." in body["invalid"][0]["problems"]
    assert "skip_invalid=true" in body["detail"]
    assert api_as(legal).post("/api/v1/statements/").status_code == 409
    assert not StatementExport.objects.exists()


# --- Personal data -----------------------------------------------------------------------

PARTIES = (
    Party("complainant", "name", "李梅"),
    Party("complainant", "name", "Mei Lin"),
    Party("complainant", "phone number", "+86 138 0013 8000"),
    Party("complainant", "e-mail address", "li.mei@example.cn"),
    Party("uploader", "name", "张伟民"),
    Party("uploader", "account handle", "glow.clinic"),
)


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("李梅说照片是她的。", "[removed]说照片是她的。"),  # a two-character name
        ("请李 梅确认", "请[removed]确认"),
        ("张伟民的诊所用了它。", "[removed]的诊所用了它。"),  # three characters
        ("Mei Lin and LIN MEI agree.", "[removed] and [removed] agree."),
        ("Mei-Lin, mei.lin and MeiLin wrote.", "[removed], [removed] and [removed] wrote."),
        ("Meiling is someone else; so is Melina.", None),
        ("Call +86 138 0013 8000.", "Call [removed]."),
        ("电话13800138000", "电话[removed]"),
        ("or 138-0013-8000", "or [removed]"),
        ("US office: (555) 123-4567.", "US office: [removed]."),
        ("or 555-123-4567", "or [removed]"),
        ("Berlin +49 (0)30 1234567", "Berlin [removed]"),
        ("Write to Li.Mei@Example.CN today", "Write to [removed] today"),
        ("ID 11010519491231002X and 110105194912310021.", "ID [removed] and [removed]."),
        ("passport E12345678", "passport [removed]"),
        ("at https://platform.example/@glow.clinic", "at [removed]"),
        ("posted by @glow.clinic", "posted by [removed]"),
        # What is not personal data stays as it is.
        ("PRC Civil Code arts. 1018-1019 (portrait right)", None),
        ("Seen on 2026-01-05 13:00 in case TD-2026-000123.", None),
        ("The clinic's Linux server, 3 posts, 12 days.", None),
    ],
)
def test_personal_data_is_removed_from_free_text(text, scrubbed):
    assert scrub(text, PARTIES) == (text if scrubbed is None else scrubbed)


@pytest.mark.parametrize(
    ("facts", "problem"),
    [
        (
            "李梅 says it is her.",
            "decision_facts: contains the complainant's name (personal data).",
        ),
        ("Glow staff and 张伟民 agree.", "decision_facts: contains the uploader's name"),
        ("Ring 0013 8000.", "decision_facts: contains the complainant's phone number"),
        ("Ring 13911112222.", "decision_facts: contains a phone number (personal data)."),
        ("Ring (555) 123-4567.", "decision_facts: contains a phone number"),
        ("ID 11010519491231002X.", "decision_facts: contains an identity or document number"),
        ("Card 6222021234567890123.", "decision_facts: contains a long number"),
        ("Posted by glow.clinic.", "decision_facts: contains the uploader's account handle"),
    ],
)
def test_validation_refuses_personal_data_naming_the_field_and_the_kind(facts, problem):
    problems = validate_statement(with_changes(decision_facts=facts), PARTIES)
    assert any(p.startswith(problem) for p in problems), problems
    assert not any("李梅" in p or "张伟民" in p or "0013" in p for p in problems)


def test_validation_looks_in_every_free_text_field():
    statement = with_changes(illegal_content_explanation="李梅's portrait, call 13911112222.")
    assert validate_statement(statement, PARTIES) == [
        "illegal_content_explanation: contains a phone number (personal data).",
        "illegal_content_explanation: contains the complainant's name (personal data).",
    ]


def test_the_parties_details_are_removed_from_every_free_text_field_of_a_statement(
    anonymous_api, clinic_post, moderator_a, settings
):
    Account.objects.filter(pk=clinic_post.account_id).update(display_name="张伟民")
    grounds = copy.deepcopy(settings.TAKEDOWN_DECISION_GROUNDS)
    grounds["portrait_right"]["explanation"] = "李梅 (+86 138 0013 8000) did not consent."
    settings.TAKEDOWN_DECISION_GROUNDS = grounds
    case = file_notice(
        anonymous_api,
        clinic_post,
        notifier_name="李梅",
        signature="Mei Lin",
        notifier_email="li.mei@example.cn",
        notifier_phone="+86 138 0013 8000",
    )
    reasons = (
        "李梅（电话 +86 138 0013 8000，邮箱 li.mei@example.cn）"
        "说张伟民的诊所把她的自拍当作客户案例。"
        "Mei Lin can also be reached on 13800138000 or (555) 123-4567; ID 11010519491231002X. "
        "Posted by @glow.clinic at https://platform.example/@glow.clinic, "
        "PRC Civil Code arts. 1018-1019."
    )
    decision = uphold(case, moderator_a, {clinic_post: "delete"}, reasons=reasons)

    statement = statement_for(decision.measures.get())

    assert statement["decision_facts"] == (
        "[removed]（电话 [removed]，邮箱 [removed]）"
        "说[removed]的诊所把她的自拍当作客户案例。"
        "[removed] can also be reached on [removed] or [removed]; ID [removed]. "
        "Posted by [removed] at [removed], PRC Civil Code arts. 1018-1019."
    )
    assert statement["illegal_content_explanation"] == "[removed] ([removed]) did not consent."
    assert validate_statement(statement, transparency.parties_of_case(case)) == []


def test_an_export_refuses_a_statement_that_still_names_a_party(
    anonymous_api, clinic_post, moderator_a, monkeypatch
):
    case = file_notice(anonymous_api, clinic_post, notifier_name="李梅")
    decision = uphold(case, moderator_a, {clinic_post: "delete"}, reasons="李梅's selfie.")
    # Were the removal to miss it, the check before export still finds it.
    monkeypatch.setattr(transparency, "scrub", lambda text, parties=(): text)

    export = export_statements()

    assert export.refused and export.statements == []
    [record] = export.invalid
    assert record.puid == puid_for(decision.measures.get())
    assert record.problems == [
        "decision_facts: contains the complainant's name (personal data).",
    ]


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


@pytest.fixture
def two_decisions(anonymous_api, clinic_post, pack_post, moderator_a):
    """Two notices upheld: the clinic's post deleted, then the seller's link disconnected."""
    first = uphold(file_notice(anonymous_api, clinic_post), moderator_a, {clinic_post: "delete"})
    second = uphold(
        file_notice(anonymous_api, pack_post), moderator_a, {pack_post: "disconnect_link"}
    )
    return first, second


def test_one_invalid_record_is_named_and_the_others_can_be_exported_without_it(
    two_decisions, tmp_path
):
    stale, good = two_decisions
    # An end date already past, recorded before decisions were checked for it.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Decision.objects.filter(pk=stale.pk).update(ends_on=yesterday)
    stale_puid, good_puid = puid_for(stale.measures.get()), puid_for(good.measures.get())
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 statement\\(s\\) fail validation"):
        call_command("export_statements", stdout=io.StringIO(), stderr=err)
    assert f"puid {stale_puid} (case " in err.getvalue()
    assert (
        f"  - end_date_visibility_restriction: {yesterday} is before the application_date"
        in err.getvalue()
    )

    out, err = io.StringIO(), io.StringIO()
    call_command("export_statements", skip_invalid=True, stdout=out, stderr=err)
    [line] = out.getvalue().splitlines()
    assert [s["puid"] for s in json.loads(line)["statements"]] == [good_puid]
    assert f"puid {stale_puid} (case " in err.getvalue()
    assert "1 statement(s) in 1 batch(es) exported." in err.getvalue()
    assert "Skipped: 1 invalid (listed above), 0 already exported" in err.getvalue()
    assert list(StatementExport.objects.values_list("puid", flat=True)) == [good_puid]


def test_the_api_exports_the_valid_records_when_asked_to_skip_the_invalid_ones(
    two_decisions, legal
):
    stale, good = two_decisions
    Decision.objects.filter(pk=stale.pk).update(ground="")
    client = api_as(legal)
    assert client.post("/api/v1/statements/").status_code == 409

    response = client.post("/api/v1/statements/?skip_invalid=true")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [s["puid"] for s in body["statements"]] == [puid_for(good.measures.get())]
    assert body["skipped"] == {"invalid": 1, "already_exported": 0, "outside_europe": 0}
    [record] = body["invalid"]
    assert record["puid"] == puid_for(stale.measures.get())
    assert "decision_ground: required." in record["problems"]
    response = client.get("/api/v1/statements/?skip_invalid=maybe")
    assert response.status_code == 400
    assert response.json()["skip_invalid"] == ["skip_invalid must be true or false, not 'maybe'."]


# --- Each statement is exported once -----------------------------------------------------


def test_puids_are_stable_and_unique_per_statement(upheld, clinic_post):
    case, decision = upheld
    puids = [puid_for(m) for m in PlatformMeasure.objects.filter(case=case)]
    assert len(set(puids)) == len(puids) == 2
    measure = measure_on(decision, clinic_post)
    assert statement_for(measure)["puid"] == puid_for(PlatformMeasure.objects.get(pk=measure.pk))
    # Restricted again after a restore: another measure, so another statement.
    again = PlatformMeasure.objects.create(
        case=case,
        item=measure.item,
        decision=decision,
        measure="delete",
        idempotency_key="td-measure-again",
        status="applied",
        completed_at=timezone.now(),
    )
    assert puid_for(again) not in puids
    assert dsa_schema.PUID_PATTERN.match(puid_for(again))


def test_an_export_leaves_out_what_an_earlier_one_handed_out(upheld, pack_post):
    first, err = io.StringIO(), io.StringIO()
    call_command("export_statements", stdout=first, stderr=io.StringIO())
    puids = [s["puid"] for s in json.loads(first.getvalue())["statements"]]
    rows = list(StatementExport.objects.all())
    assert [r.puid for r in rows] == puids
    assert {(r.channel, r.reexport, r.exported_by) for r in rows} == {("command", False, None)}
    assert len({r.batch for r in rows}) == 1

    again = io.StringIO()
    call_command("export_statements", stdout=again, stderr=err)
    assert again.getvalue() == ""
    assert "0 statement(s) in 0 batch(es) exported." in err.getvalue()
    assert "2 already exported (--include-exported to export them again)" in err.getvalue()

    out, err = io.StringIO(), io.StringIO()
    call_command("export_statements", include_exported=True, stdout=out, stderr=err)
    assert [s["puid"] for s in json.loads(out.getvalue())["statements"]] == puids
    assert "2 of them were exported before: the database refuses a puid" in err.getvalue()
    reexports = StatementExport.objects.filter(reexport=True)
    assert sorted(reexports.values_list("puid", flat=True)) == sorted(puids)
    assert reexports.values("batch").distinct().count() == 1


def test_the_api_records_what_it_exports_and_by_whom(upheld, legal):
    client = api_as(legal)
    preview = client.get("/api/v1/statements/").json()
    assert not StatementExport.objects.exists()

    exported = client.post("/api/v1/statements/").json()

    assert exported["statements"] == preview["statements"] and exported["count"] == 2
    rows = StatementExport.objects.all()
    assert {(r.exported_by, r.channel, str(r.batch)) for r in rows} == {
        (legal, "api", exported["batch"])
    }
    again = client.post("/api/v1/statements/").json()
    assert again["count"] == 0 and again["batch"] is None
    assert again["skipped"] == {"invalid": 0, "already_exported": 2, "outside_europe": 0}
    assert client.get("/api/v1/statements/").json()["count"] == 0

    reexported = client.post("/api/v1/statements/?include_exported=true").json()
    assert reexported["count"] == 2
    assert reexported["reexported"] == [s["puid"] for s in preview["statements"]]
    assert StatementExport.objects.filter(reexport=True).count() == 2


def test_two_exports_cannot_both_hand_out_the_same_statements(upheld):
    mine, theirs = export_statements(), export_statements()
    record_export(theirs, channel="api")

    with pytest.raises(Conflict, match="Another export handed out some of these statements"):
        record_export(mine, channel="command")

    assert StatementExport.objects.count() == 2


def test_statements_restricted_only_outside_europe_are_counted_as_skipped(
    anonymous_api, clinic_post, moderator_a, legal
):
    case = file_notice(anonymous_api, clinic_post)
    uphold(case, moderator_a, {clinic_post: "block"}, territorial_scope=["CN"])
    body = api_as(legal).get("/api/v1/statements/").json()
    assert body["count"] == 0
    assert body["skipped"] == {"invalid": 0, "already_exported": 0, "outside_europe": 1}


# --- When the content was posted ---------------------------------------------------------


def test_content_date_is_the_day_the_content_was_posted(anonymous_api, clinic_post, moderator_a):
    posted = timezone.now() - datetime.timedelta(days=400)
    Post.objects.filter(pk=clinic_post.pk).update(created_at=posted)
    case = file_notice(anonymous_api, clinic_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete"})
    item = case.notice.items.get()
    assert item.posted_at == posted

    statement = statement_for(decision.measures.get())

    assert statement["content_date"] == timezone.localdate(posted).isoformat()
    assert statement["content_date"] != timezone.localdate(case.notice.received_at).isoformat()


def test_content_date_falls_back_to_the_day_the_notice_arrived_when_the_platform_is_silent(
    anonymous_api, clinic_post, moderator_a
):
    case = file_notice(anonymous_api, clinic_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete"})
    case.notice.items.update(posted_at=None)
    Notice.objects.filter(pk=case.notice_id).update(
        received_at=timezone.now() - datetime.timedelta(days=3)
    )
    case.notice.refresh_from_db()

    statement = statement_for(decision.measures.get())

    assert statement["content_date"] == timezone.localdate(case.notice.received_at).isoformat()


# --- Account measures on repeat infringers -----------------------------------------------


def test_an_account_suspension_has_a_statement_that_is_exported_and_sent_to_the_uploader(
    anonymous_api, clinic_post, moderator_a, settings
):
    settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD = 1
    settings.TAKEDOWN_REPEAT_INFRINGER_ACCOUNT_MEASURE = "suspend"
    settings.TAKEDOWN_REPEAT_INFRINGER_WARN_FIRST = False
    posted = timezone.now() - datetime.timedelta(days=30)
    Post.objects.filter(pk=clinic_post.pk).update(created_at=posted)
    case = file_notice(anonymous_api, clinic_post)
    decision = uphold(case, moderator_a, {clinic_post: "delete"})
    flagged = RepeatInfringer.objects.get()
    assert flagged.account_measure_at is not None

    export = export_statements()

    assert export.ok, export.invalid
    assert [s["puid"] for s in export.statements] == [
        puid_for(decision.measures.get()),
        f"repeat-infringer{flagged.pk}-account-suspend",
    ]
    ground = settings.TAKEDOWN_REPEAT_INFRINGER_GROUND
    assert export.statements[1] == {
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "incompatible_content_ground": ground["reference"],
        "incompatible_content_explanation": ground["explanation"],
        "decision_facts": (
            "The account was suspended under the platform's repeat-infringer policy: notices "
            "that its content used a person's portrait unlawfully were upheld in 1 cases "
            f"within {settings.TAKEDOWN_REPEAT_INFRINGER_WINDOW_DAYS} days. Each of those "
            "decisions was taken by a person; the account measure followed automatically once "
            "the policy's threshold was reached."
        ),
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "territorial_scope": list(dsa_schema.EUROPEAN_ECONOMIC_AREA_COUNTRY_CODES),
        "content_date": timezone.localdate(posted).isoformat(),
        "application_date": timezone.localdate(flagged.account_measure_at).isoformat(),
        # Suspended for the policy's period (TAKEDOWN_REPEAT_INFRINGER_SUSPENSION_DAYS).
        "end_date_account_restriction": timezone.localdate(
            flagged.account_measure_at + datetime.timedelta(days=90)
        ).isoformat(),
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY",
        "puid": f"repeat-infringer{flagged.pk}-account-suspend",
    }
    assert "glow" not in json.dumps(export.statements[1]).lower()

    message = UploaderMessage.objects.filter(post=clinic_post).order_by("pk").last()
    assert message.subject == "Your account was suspended under the repeat-infringer policy"
    assert "Statement of reasons:" in message.body
    assert f"Ground: {ground['reference']}" in message.body
    assert "by automated means" in message.body
    assert "out-of-court dispute settlement body" in message.body
    flagged.refresh_from_db()
    assert flagged.uploader_notified_at is not None
    assert case.log.filter(action="uploader_told_account_measure").count() == 1


def test_an_account_measure_the_schema_has_no_word_for_is_reported_not_dropped(
    anonymous_api, clinic_post, moderator_a, settings
):
    case = file_notice(anonymous_api, clinic_post)
    uphold(case, moderator_a, {clinic_post: "delete"})
    flagged = RepeatInfringer.objects.create(
        uploader_id="glow.clinic",
        uploader_name="Glow Aesthetic Clinic",
        upheld_cases=3,
        flagged_at=timezone.now(),
        account_measure="shadow_ban",
        account_measure_at=timezone.now(),
    )

    export = export_statements(skip_invalid=True)

    assert len(export.statements) == 1
    [record] = export.invalid
    assert record.puid == f"repeat-infringer{flagged.pk}-account-shadow_ban"
    assert record.problems == [
        "decision: at least one of decision_visibility, decision_monetary, decision_provision, "
        "decision_account is required."
    ]


def test_batches_of_an_export_with_nothing_in_it_are_empty():
    assert Export().batches() == []

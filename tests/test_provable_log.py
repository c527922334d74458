"""The action log is one hash chain over every case: numbered without gaps, each entry's hash
covering the one before it, checked end to end by `verify_log`, and its head shown on the
dashboard and in every case export so that it can be kept outside the system."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from cases.actionlog import GENESIS, log_append, log_check, log_head
from cases.models import ActionLog, Case, LogHead
from cases.roles import Actor
from notices.models import Notice, ReportedItem

from .conftest import api_as, notice_payload, post_url, posts_by_role, web_as


def _case(number: int) -> Case:
    notice = Notice.objects.create(
        reference=f"TD-2026-88{number:04d}",
        tracking_token_hash=Notice.hash_token(f"t{number}"),
        notifier_name="Mei Lin",
        notifier_email="mei@example.com",
        relationship="self",
        use_type="sale",
        description="My selfie is sold in a pack.",
        requested_measure="delete",
        good_faith=True,
        accuracy=True,
        signature="Mei Lin",
    )
    ReportedItem.objects.create(
        notice=notice,
        submitted=f"post-{number}",
        content_id=f"post-{number}",
        url=f"http://x/platform/posts/{number}/",
    )
    return Case.objects.create(notice=notice, due_at=timezone.now() + timedelta(hours=1))


def _append(case: Case, n: int) -> ActionLog:
    return log_append(
        case=case,
        actor=Actor.system(),
        action="note",
        from_state=case.state,
        reasons=f"Entry {n}.",
        details={"n": n},
    )


@pytest.fixture
def two_cases(db):
    """Two cases whose entries interleave in the log: 1 a, 2 b, 3 a, 4 b, 5 a, 6 b."""
    first, second = _case(1), _case(2)
    entries = [_append(first if n % 2 else second, n) for n in range(1, 7)]
    return first, second, entries


def _raw(sql: str, *params) -> None:
    table = connection.ops.quote_name(ActionLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def verify_log(command: str = "verify_log") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_log_fails() -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_log", stdout=io.StringIO(), stderr=err)
    return str(failure.value), err.getvalue()


# --- one chain --------------------------------------------------------------------------------


def test_every_entry_gets_the_next_sequence_number_whatever_its_case(two_cases):
    first, second, entries = two_cases

    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5, 6]
    assert [e.case_id for e in entries] == [first.pk, second.pk] * 3
    assert entries[0].previous_hash == GENESIS
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.previous_hash == before.entry_hash


def test_the_head_is_the_last_entry(two_cases):
    last = two_cases[2][-1]

    head = log_head()

    assert (head.sequence, head.entry_hash) == (6, last.entry_hash)
    assert LogHead.objects.get().sequence == 6


def test_an_entry_hash_covers_its_sequence_number_and_the_previous_hash(two_cases):
    entry = ActionLog.objects.get(sequence=3)
    assert entry.compute_hash() == entry.entry_hash

    entry.sequence = 4
    assert entry.compute_hash() != entry.entry_hash
    entry.sequence, entry.previous_hash = 3, GENESIS
    assert entry.compute_hash() != entry.entry_hash


def test_an_append_rolled_back_with_its_transaction_leaves_no_gap(two_cases):
    first = two_cases[0]

    with pytest.raises(RuntimeError), transaction.atomic():
        _append(first, 7)
        raise RuntimeError("the transition failed after logging")
    later = _append(first, 8)

    assert later.sequence == 7
    assert log_check().intact


def test_the_head_is_recreated_after_the_last_entry_if_its_row_is_missing(two_cases):
    # Only a database emptied by hand lacks the row; appending must not restart at 1.
    LogHead.objects.all().delete()

    entry = _append(two_cases[0], 7)

    assert entry.sequence == 7
    assert entry.previous_hash == two_cases[2][-1].entry_hash
    assert log_check().intact


# --- verify_log -------------------------------------------------------------------------------


def test_verify_log_prints_the_head_of_an_intact_log(two_cases):
    out, err = verify_log()

    assert err == ""
    assert "Action log intact: 6 entries verified." in out
    assert f"Head: sequence 6, hash {two_cases[2][-1].entry_hash}" in out


def test_verify_log_passes_on_an_empty_log(db):
    out, _ = verify_log()

    assert "Action log intact: 0 entries verified." in out
    assert f"Head: sequence 0, hash {GENESIS}" in out


def test_verify_action_log_is_another_name_for_verify_log(two_cases):
    out, _ = verify_log("verify_action_log")

    assert "Head: sequence 6" in out


def test_verify_log_names_an_entry_changed_in_the_database_by_its_sequence_number(two_cases):
    first = two_cases[0]
    _raw("UPDATE {table} SET reasons = %s WHERE sequence = %s", "edited by hand", 3)

    summary, problems = verify_log_fails()

    assert "first broken entry is sequence 3" in summary
    assert problems.splitlines() == [f"entry 3 (case {first.pk}): contents were altered"]


def test_verify_log_names_an_entry_whose_hash_was_recomputed_at_the_next_one(two_cases):
    forged = ActionLog.objects.get(sequence=3)
    forged.details = {"n": 3, "measure": "none"}
    _raw(
        "UPDATE {table} SET details = %s, entry_hash = %s WHERE sequence = 3",
        json.dumps(forged.details),
        forged.compute_hash(),
    )

    summary, problems = verify_log_fails()

    assert "first broken entry is sequence 4" in summary
    assert "entry 4 (case" in problems and "chain broken before it" in problems


def test_verify_log_reports_a_deleted_entry_as_a_gap(two_cases):
    _raw("DELETE FROM {table} WHERE sequence = %s", 4)

    summary, problems = verify_log_fails()

    assert "first broken entry is sequence 4" in summary
    assert problems.splitlines() == ["entry 4 is missing: the chain jumps to 5"]


def test_verify_log_reports_entries_deleted_from_the_end_against_the_head(two_cases):
    _raw("DELETE FROM {table} WHERE sequence >= %s", 5)

    summary, problems = verify_log_fails()

    assert "first broken entry is sequence 5" in summary
    assert problems.splitlines() == [
        "entries 5 to 6 are missing: the log head is at 6 but the last entry is 4"
    ]


def test_verify_log_reports_a_renumbered_entry(two_cases):
    # Closing a gap by renumbering changes the content the hash covers.
    _raw("DELETE FROM {table} WHERE sequence = 6")
    _raw("UPDATE {table} SET sequence = 6 WHERE sequence = 5")

    summary, problems = verify_log_fails()

    assert "first broken entry is sequence 5" in summary
    assert problems.splitlines()[0] == "entry 5 is missing: the chain jumps to 6"


# --- the head where people see it --------------------------------------------------------------


def test_the_dashboard_shows_the_log_head(two_cases, admin_user):
    last = two_cases[2][-1]

    page = web_as(admin_user).get("/staff/dashboard/").content.decode()
    figures = api_as(admin_user).get("/api/v1/dashboard/").json()

    assert '<dd id="log-head-sequence">6</dd>' in page
    assert f'<code id="log-head-hash">{last.entry_hash}</code>' in page
    assert figures["log_head"] == {"sequence": 6, "hash": last.entry_hash}


@pytest.fixture
def exported(two_cases, moderator_a):
    first = two_cases[0]
    response = api_as(moderator_a).get(f"/api/v1/cases/{first.pk}/export/")
    assert response.status_code == 200, response.content
    return first, response


def test_a_case_export_lists_the_case_entries_with_their_sequence_numbers_and_hashes(exported):
    case, response = exported
    body = response.json()

    stored = list(case.log.order_by("sequence"))
    assert [(e["sequence"], e["previous_hash"], e["entry_hash"]) for e in body["log"]] == [
        (e.sequence, e.previous_hash, e.entry_hash) for e in stored
    ]
    assert [e["sequence"] for e in body["log"]] == [1, 3, 5]
    assert body["case"]["reference"] == case.notice.reference
    assert [item["content_id"] for item in body["items"]] == ["post-1"]
    assert body["decisions"] == [] and body["measures"] == []


def test_a_case_export_carries_the_log_head_at_export_time(exported):
    _, response = exported

    head = LogHead.objects.get()
    assert response.json()["log_head"] == {"sequence": 6, "hash": head.entry_hash}
    assert "-export.json" in response["Content-Disposition"]


def test_a_case_export_describes_evidence_without_its_contents_or_a_link(exported):
    _, response = exported

    notice = response.json()["notice"]
    for evidence in notice["evidence"]:
        assert set(evidence) == {"id", "kind", "content_type", "size", "sha256"}
    assert "/api/v1/evidence/" not in response.content.decode()


def test_a_case_export_is_for_staff_only(two_cases, stranger):
    url = f"/api/v1/cases/{two_cases[0].pk}/export/"

    assert api_as().get(url).status_code == 401
    assert api_as(stranger).get(url).status_code == 403


def test_exporting_an_unknown_case_is_a_404(db, moderator_a):
    assert api_as(moderator_a).get("/api/v1/cases/999999/export/").status_code == 404


def test_an_upheld_case_export_has_its_decision_measures_and_every_entry(
    demo_posts, anonymous_api, moderator_a
):
    reported = posts_by_role("clinic")[0]
    filed = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(reported)]), format="multipart"
    )
    assert filed.status_code == 201, filed.json()
    case = Case.objects.get(notice__reference=filed.json()["reference"])
    moderator = api_as(moderator_a)
    assert moderator.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    decided = moderator.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "measure": "delete",
            "reasons": "The clinic's advert reuses the complainant's selfie without consent.",
        },
        format="json",
    )
    assert decided.status_code == 200, decided.json()

    body = moderator.get(f"/api/v1/cases/{case.pk}/export/").json()

    assert [d["outcome"] for d in body["decisions"]] == ["uphold"]
    assert [(m["measure"], m["status"]) for m in body["measures"]] == [("delete", "applied")]
    actions = [e["action"] for e in body["log"]]
    assert actions[0] == "notice_received" and "uphold" in actions
    assert "measure_applied" in actions
    assert [e["sequence"] for e in body["log"]] == list(
        case.log.order_by("sequence").values_list("sequence", flat=True)
    )
    assert body["log_head"]["sequence"] >= body["log"][-1]["sequence"]
    assert {e["kind"] for e in body["notice"]["evidence"]} >= {"identity", "reference_photo"}
    assert log_check().intact


# --- checking an export outside the system ------------------------------------------------------


def _recomputed(entry: dict) -> str:
    """The recipe the README gives: SHA-256 of every field but the hash, as sorted compact JSON."""
    content = {name: value for name, value in entry.items() if name != "entry_hash"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.fixture
def export_file(db, moderator_a, tmp_path):
    """A case with three entries in a row (1-3), another case's entry (4), then a fifth entry;
    the first case exported to a file."""
    case, other = _case(1), _case(2)
    for n in (1, 2, 3):
        _append(case, n)
    _append(other, 4)
    _append(case, 5)
    body = api_as(moderator_a).get(f"/api/v1/cases/{case.pk}/export/").json()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(body))
    return path


def _exported(path) -> dict:
    return json.loads(path.read_text())


def verify_export(path) -> str:
    out = io.StringIO()
    call_command("verify_log", export=str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_export_fails(path) -> tuple[str, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_log", export=str(path), stdout=io.StringIO(), stderr=err)
    return str(failure.value), err.getvalue()


def test_an_export_carries_every_field_each_entry_hash_covers(export_file):
    body = _exported(export_file)

    stored = ActionLog.objects.get(sequence=1)
    assert set(body["log"][0]) == {*stored.canonical_content(), "entry_hash"}
    assert body["log"][0]["actor"] is None and body["log"][0]["case"] == stored.case_id
    assert [_recomputed(entry) for entry in body["log"]] == [e["entry_hash"] for e in body["log"]]


def test_verify_log_checks_an_untouched_export_offline(export_file):
    report = verify_export(export_file)

    assert "Export intact: 4 entries recomputed, 2 links between consecutive entries" in report
    assert "1 gap(s) hold other cases' entries" in report
    assert "sequence 5" in report


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda log: log[1].update(reasons="Nothing to see."), "entry 2: contents were altered"),
        (lambda log: log[0].update(actor=7), "entry 1: contents were altered"),
        (lambda log: log[3].update(created_at="2020-01-01T00:00:00+00:00"), "entry 5: contents"),
        (lambda log: log[3].update(extra="x"), "entry 5: fields its hash does not cover"),
        (lambda log: log[2].update(sequence="x"), "entry x: its sequence number is not a whole"),
        (lambda log: log.append("not an entry"), "log item 5: not an entry"),
        (lambda log: log.clear(), "the export holds no log entries"),
    ],
)
def test_verify_log_finds_a_tampered_export_entry(export_file, tamper, problem):
    body = _exported(export_file)
    tamper(body["log"])
    export_file.write_text(json.dumps(body))

    summary, problems = verify_export_fails(export_file)

    assert "The export fails verification" in summary
    assert problem in problems


def test_an_entry_rewritten_with_a_recomputed_hash_breaks_the_link_to_the_next(export_file):
    body = _exported(export_file)
    body["log"][0]["reasons"] = "Rewritten."
    body["log"][0]["entry_hash"] = _recomputed(body["log"][0])
    export_file.write_text(json.dumps(body))

    _, problems = verify_export_fails(export_file)

    assert problems.splitlines() == [
        "entry 2: chain broken before it (its previous hash is not the hash of entry 1)"
    ]


def test_an_entry_removed_from_an_export_and_the_gap_closed_is_found(export_file):
    body = _exported(export_file)
    del body["log"][1]
    body["log"][1]["sequence"] = 2  # entry 3 renumbered, its hash recomputed
    body["log"][1]["entry_hash"] = _recomputed(body["log"][1])
    export_file.write_text(json.dumps(body))

    _, problems = verify_export_fails(export_file)

    assert "entry 2: chain broken before it" in problems


def test_an_export_without_a_log_is_refused(export_file):
    body = _exported(export_file)
    del body["log"]
    export_file.write_text(json.dumps(body))

    _, problems = verify_export_fails(export_file)

    assert "the export holds no log entries" in problems


def test_an_export_in_the_earlier_format_is_refused_with_the_reason(export_file):
    body = _exported(export_file)
    body["format"] = "takedown-case-export/1"
    export_file.write_text(json.dumps(body))

    _, problems = verify_export_fails(export_file)

    assert "earlier formats leave out fields the hashes cover" in problems


def test_the_export_check_runs_without_the_system(export_file):
    script = Path(__file__).resolve().parent.parent / "cases" / "logchain.py"

    intact = subprocess.run(  # noqa: S603 - our own script, on a file we wrote
        [sys.executable, "-I", str(script), str(export_file)], capture_output=True, text=True
    )
    body = _exported(export_file)
    body["log"][2]["details"] = {"n": 99}
    export_file.write_text(json.dumps(body))
    tampered = subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(script), str(export_file)], capture_output=True, text=True
    )

    assert intact.returncode == 0 and "Export intact: 4 entries" in intact.stdout
    assert tampered.returncode == 1 and "entry 3: contents were altered" in tampered.stderr

"""Retention and erasure: files are deleted from storage (not only marked) when their time
after the case closed is up, or at once when the complainant asks; the rows stay as the record
that they existed; every deletion is logged; nothing under legal hold is touched."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from cases.models import ActionLog, Case, MatchResult
from notices.evidence import recent_folders
from notices.models import EvidenceFile, Notice
from notices.retention import purge_expired_evidence, purge_expired_hashes

from .conftest import CommitAPIClient, CommitClient, notice_payload, post_url
from .test_access import fast_setup, file_notice  # noqa: F401 - fixtures

NOTICES = "/api/v1/notices/"


@pytest.fixture
def filed(anonymous_api, clinic_post):  # noqa: F811
    return file_notice(anonymous_api, clinic_post)


def files_of(filed) -> dict[str, EvidenceFile]:
    return {e.kind: e for e in EvidenceFile.objects.filter(notice__reference=filed.reference)}


def in_storage(evidence: EvidenceFile, name: str) -> bool:
    return evidence.file.storage.exists(name)


def withdraw(filed) -> None:
    response = CommitAPIClient().post(
        f"{NOTICES}{filed.reference}/withdraw/", HTTP_X_TRACKING_TOKEN=filed.token
    )
    assert response.status_code == 200, response.content


def purge_after(days: int) -> dict:
    with time_machine.travel(timezone.now() + timedelta(days=days), tick=False):
        return purge_expired_evidence()


def test_the_purge_deletes_each_kind_from_storage_when_its_time_is_up_and_logs_it(filed):
    withdraw(filed)
    before = files_of(filed)
    names = {kind: e.file.name for kind, e in before.items()}
    assert all(in_storage(e, names[k]) for k, e in before.items())

    too_early = purge_after(89)
    identity_due = purge_after(91)
    after_90 = files_of(filed)
    photo_kept = in_storage(before["reference_photo"], names["reference_photo"])
    photos_due = purge_after(366)
    after_365 = files_of(filed)

    assert too_early == {"cases": 0, "files": 0}
    assert identity_due == {"cases": 1, "files": 1}
    assert not in_storage(before["identity"], names["identity"])
    assert after_90["identity"].purged_at is not None
    assert photo_kept and after_90["reference_photo"].purged_at is None
    assert photos_due["files"] == 2
    for kind in ("reference_photo", "reported_snapshot"):
        assert not in_storage(before[kind], names[kind])
    for kind, evidence in after_365.items():  # the record that each file existed stays
        assert evidence.purged_at is not None and evidence.purge_reason == "retention"
        assert (evidence.sha256, evidence.size) == (before[kind].sha256, before[kind].size)
        assert evidence.file.name == ""
    logged = ActionLog.objects.filter(case=filed.case, action="evidence_purged").order_by("pk")
    assert [[f["kind"] for f in e.details["files"]] for e in logged] == [
        ["identity"],
        ["reference_photo", "reported_snapshot"],
    ]
    assert logged[0].actor_label == "system"
    assert logged[0].details["files"][0]["sha256"] == before["identity"].sha256


def test_nothing_is_purged_while_the_case_is_open(filed):
    result = purge_after(1000)

    assert result == {"cases": 0, "files": 0}
    assert not EvidenceFile.objects.filter(purged_at__isnull=False).exists()


def test_the_clock_starts_when_the_case_reaches_its_final_state(filed):
    with time_machine.travel(timezone.now() + timedelta(days=50), tick=False):
        withdraw(filed)

    assert purge_after(100)["files"] == 0  # 50 days after the withdrawal
    assert purge_after(142)["files"] == 1


def test_a_purged_file_is_no_longer_served_and_not_listed(filed, legal):
    from .conftest import api_as, web_as

    withdraw(filed)
    identity = files_of(filed)["identity"]
    purge_after(91)

    response = web_as(legal).get(f"/staff/evidence/{identity.pk}/")
    listed = api_as(legal).get(f"/api/v1/cases/{filed.case.pk}/").json()["evidence"]

    assert response.status_code == 404
    assert "identity" not in {e["kind"] for e in listed}


def test_the_purge_runs_under_beat():
    assert (
        settings.CELERY_BEAT_SCHEDULE["purge-expired-evidence"]["task"]
        == "notices.tasks.purge_expired_evidence"
    )


def test_a_complainant_withdraws_and_erases_their_documents_and_is_told_by_email(filed):
    before = files_of(filed)
    names = {kind: e.file.name for kind, e in before.items()}
    mail.outbox.clear()

    response = CommitAPIClient().post(
        f"{NOTICES}{filed.reference}/erase/", HTTP_X_TRACKING_TOKEN=filed.token
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "withdrawn"
    assert sorted(f["kind"] for f in body["erased"]) == ["identity", "reference_photo"]
    for kind in ("identity", "reference_photo"):
        assert not in_storage(before[kind], names[kind])
        assert files_of(filed)[kind].purge_reason == "erasure"
    # The snapshot of the platform's content is not the complainant's document: it follows
    # the retention rules.
    assert in_storage(before["reported_snapshot"], names["reported_snapshot"])
    actions = list(Case.objects.get(pk=filed.case.pk).log.values_list("action", flat=True))
    assert actions[-2:] == ["withdraw", "evidence_erased"]
    erased_mail = [m for m in mail.outbox if "Your documents were deleted" in m.subject]
    assert len(erased_mail) == 1
    assert erased_mail[0].to == ["mei.lin@example.com"]
    assert "identity document" in erased_mail[0].body
    assert before["identity"].sha256 not in erased_mail[0].body
    tracked = CommitAPIClient().get(
        f"{NOTICES}{filed.reference}/", HTTP_X_TRACKING_TOKEN=filed.token
    )
    assert "your identity documents and reference photos were deleted" in str(tracked.json())


def test_asking_twice_erases_nothing_more_and_sends_no_second_email(filed):
    url = f"{NOTICES}{filed.reference}/erase/"
    CommitAPIClient().post(url, HTTP_X_TRACKING_TOKEN=filed.token)
    mail.outbox.clear()

    again = CommitAPIClient().post(url, HTTP_X_TRACKING_TOKEN=filed.token)

    assert again.status_code == 200
    assert again.json()["erased"] == []
    assert not mail.outbox


def test_a_wrong_token_erases_nothing(filed):
    response = CommitAPIClient().post(
        f"{NOTICES}{filed.reference}/erase/", HTTP_X_TRACKING_TOKEN="not-the-token"
    )

    assert response.status_code == 404
    assert not EvidenceFile.objects.filter(purged_at__isnull=False).exists()


@pytest.mark.parametrize(
    "state, reason",
    [("appealed", "an appeal"), ("disputed", "disputed"), ("counter_noticed", "contested")],
)
def test_files_under_legal_hold_are_not_erased_and_the_answer_says_why(filed, state, reason):
    Case.objects.filter(pk=filed.case.pk).update(state=state)
    mail.outbox.clear()

    response = CommitAPIClient().post(
        f"{NOTICES}{filed.reference}/erase/", HTTP_X_TRACKING_TOKEN=filed.token
    )

    assert response.status_code == 409
    assert reason in response.json()["detail"]
    assert "legal hold" in response.json()["detail"]
    assert not EvidenceFile.objects.filter(purged_at__isnull=False).exists()
    assert all(in_storage(e, e.file.name) for e in files_of(filed).values())
    assert not [m for m in mail.outbox if "deleted" in m.subject]


def test_the_tracking_page_has_an_erase_button_that_erases(filed):
    client = CommitClient()
    page = client.get(f"/notices/track/{filed.reference}/?token={filed.token}", follow=True)
    assert 'id="erase"' in page.content.decode()

    response = client.post(f"/notices/track/{filed.reference}/erase/", follow=True)

    assert response.status_code == 200
    assert "were deleted" in response.content.decode()
    assert files_of(filed)["identity"].purged_at is not None
    assert Case.objects.get(pk=filed.case.pk).state == "withdrawn"


def test_a_verification_sent_again_after_an_erasure_finds_no_photo_and_says_so(filed):
    from cases.verification import case_verify_matches

    CommitAPIClient().post(f"{NOTICES}{filed.reference}/erase/", HTTP_X_TRACKING_TOKEN=filed.token)
    Case.objects.filter(pk=filed.case.pk).update(verdict="pending")

    case = case_verify_matches(case_id=filed.case.pk)

    assert case.verdict == "unavailable"


# --- files no row names -------------------------------------------------------------------------


def stored_files(storage) -> set[str]:
    root = Path(storage.location)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_an_intake_that_fails_after_storing_its_files_leaves_none_in_storage(
    anonymous_api, clinic_post, private_storage, monkeypatch
):
    from notices import services

    def lost_the_race(notice, refs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "_open_or_join_case", lost_the_race)

    with pytest.raises(IntegrityError):
        anonymous_api.post(
            NOTICES,
            notice_payload([post_url(clinic_post)]),
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="retry-7",
        )

    assert not Notice.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files(private_storage) == set()


def _aged(storage, name: str, hours: float) -> None:
    when = time.time() - hours * 3600
    os.utime(storage.path(name), (when, when))


def test_the_sweep_deletes_files_no_row_names_an_hour_after_they_were_stored(
    filed, private_storage, caplog
):
    kept = {e.file.name for e in files_of(filed).values()}
    folder = recent_folders()[0]
    abandoned = private_storage.save(f"{folder}/abandoned.bin", ContentFile(b"x"))
    in_flight = private_storage.save(f"{folder}/in-flight.jpg", ContentFile(b"y"))
    for name in (*kept, abandoned):
        _aged(private_storage, name, hours=2)
    out = io.StringIO()

    call_command("remove_orphaned_evidence", stdout=out)

    assert stored_files(private_storage) == kept | {in_flight}
    assert f"Deleted {abandoned}" in out.getvalue()
    assert "Deleted 1 evidence object(s) that no evidence row names" in out.getvalue()
    assert f"Deleted evidence object {abandoned}" in caplog.text
    assert all(e.purged_at is None for e in files_of(filed).values())


def test_the_sweep_reaches_older_folders_only_when_asked_to_scan_everything(filed, private_storage):
    forgotten = private_storage.save("2019/01/forgotten.bin", ContentFile(b"z"))
    _aged(private_storage, forgotten, hours=24 * 365)

    call_command("remove_orphaned_evidence", stdout=io.StringIO())
    scanned_recent = stored_files(private_storage)
    call_command("remove_orphaned_evidence", "--all", stdout=io.StringIO())

    assert forgotten in scanned_recent
    assert forgotten not in stored_files(private_storage)
    assert {e.file.name for e in files_of(filed).values()} <= stored_files(private_storage)


def test_the_orphan_sweep_runs_under_beat(filed, private_storage):
    from notices.tasks import remove_orphaned_evidence

    assert (
        settings.CELERY_BEAT_SCHEDULE["remove-orphaned-evidence"]["task"]
        == "notices.tasks.remove_orphaned_evidence"
    )
    abandoned = private_storage.save(f"{recent_folders()[0]}/abandoned.bin", ContentFile(b"x"))
    _aged(private_storage, abandoned, hours=2)
    assert remove_orphaned_evidence() == 1


# --- hashes ---------------------------------------------------------------------------------------


def purge_hashes_after(days: int) -> dict:
    with time_machine.travel(timezone.now() + timedelta(days=days), tick=False):
        return purge_expired_hashes()


def match_of(filed) -> MatchResult:
    return MatchResult.objects.get(item__notice__reference=filed.reference)


def test_hashes_are_cleared_after_the_legal_hold_once_the_files_are_gone_and_it_is_logged(
    filed,
):
    withdraw(filed)
    assert match_of(filed).reference_hashes, "the match result holds the photos' hashes"
    hold = settings.TAKEDOWN_LEGAL_HOLD_DAYS
    assert hold == settings.TAKEDOWN_RETENTION_HASHES_DAYS
    purge_after(366)
    recorded = {e.kind: e.sha256 for e in files_of(filed).values()}

    too_early = purge_hashes_after(hold - 1)
    kept = {e.kind: e.sha256 for e in files_of(filed).values()}
    due = purge_hashes_after(hold + 1)
    again = purge_hashes_after(hold + 2)

    assert too_early == {"cases": 0, "hashes": 0} and kept == recorded
    assert due == {"cases": 1, "hashes": len(recorded) + 1}
    assert again == {"cases": 0, "hashes": 0}
    assert {e.sha256 for e in files_of(filed).values()} == {""}
    assert all(e.size for e in files_of(filed).values())  # kind and size stay as the record
    match = match_of(filed)
    assert match.reference_hashes == [] and match.reported_hashes == {}
    assert match.verdict and match.distance is not None  # the comparison's outcome stays
    (entry,) = ActionLog.objects.filter(case=filed.case, action="hashes_purged")
    assert entry.actor_label == "system" and entry.details["retention_days"] == hold
    assert sorted(entry.details["evidence_files"]) == sorted(e.pk for e in files_of(filed).values())
    assert not any(value in str(entry.details) for value in recorded.values())


def test_a_files_hash_stays_while_the_file_is_kept_whatever_the_hash_setting(filed, settings):
    settings.TAKEDOWN_RETENTION_HASHES_DAYS = 30
    withdraw(filed)

    cleared = purge_hashes_after(31)

    assert cleared == {"cases": 1, "hashes": 1}  # the match result's perceptual hashes
    assert match_of(filed).reference_hashes == []
    assert all(e.sha256 for e in files_of(filed).values())  # files still stored: hashes kept


def test_nothing_is_cleared_while_the_case_is_open(filed):
    assert purge_hashes_after(5000) == {"cases": 0, "hashes": 0}
    assert match_of(filed).reference_hashes


def test_the_beat_task_purges_files_then_hashes(filed):
    from notices.tasks import purge_expired_evidence as task

    withdraw(filed)
    with time_machine.travel(timezone.now() + timedelta(days=5000), tick=False):
        result = task()

    assert result["files"] == 3 and result["hashes"]["cases"] == 1
    assert {e.sha256 for e in files_of(filed).values()} == {""}

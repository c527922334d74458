"""Evidence privacy: every staff view of a person's documents or photos is logged on the case,
identity and authorisation documents are encrypted at rest under rotatable keys, and only staff
with the explicit permission (or, if the policy allows, the claim) see identity documents."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from cases.models import ActionLog
from notices import crypto
from notices.evidence import evidence_bytes, evidence_purge, evidence_rekey
from notices.models import EvidenceFile

from .conftest import api_as, jpeg_bytes, pdf_bytes, upload, web_as
from .test_access import claim, fast_setup, file_notice  # noqa: F401 - fixtures
from .test_lifecycle import story  # noqa: F401 - fixture

ID_CARD = jpeg_bytes((10, 20, 30))
KEY_OLD = Fernet.generate_key().decode()
KEY_NEW = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    settings.TAKEDOWN_EVIDENCE_KEYS = [KEY_OLD]
    return settings


@pytest.fixture
def filed(anonymous_api, clinic_post, keys):  # noqa: F811
    return file_notice(anonymous_api, clinic_post, identity_document=upload("id-card.jpg", ID_CARD))


def identity_of(filed) -> EvidenceFile:
    return filed.case.notice.evidence.get(kind=EvidenceFile.Kind.IDENTITY)


def stored_bytes(evidence: EvidenceFile) -> bytes:
    evidence.refresh_from_db()
    with evidence.file.storage.open(evidence.file.name, "rb") as handle:
        return handle.read()


def served(client, evidence: EvidenceFile) -> bytes:
    response = client.get(reverse("cases:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_each_staff_view_of_an_identity_document_is_logged_with_who_which_file_and_case(
    filed, legal
):
    evidence = identity_of(filed)

    served(web_as(legal), evidence)
    api = api_as(legal).get(f"/api/v1/evidence/{evidence.pk}/")

    assert api.status_code == 200
    entries = list(ActionLog.objects.filter(case=filed.case, action="evidence_viewed"))
    assert [(e.actor_id, e.actor_label) for e in entries] == [(legal.pk, legal.username)] * 2
    assert [e.details["via"] for e in entries] == ["web", "api"]
    for entry in entries:
        assert entry.details["evidence_id"] == evidence.pk
        assert entry.details["kind"] == "identity"
        assert entry.details["sha256"] == evidence.sha256
        assert entry.details["notice"] == filed.reference
        assert entry.from_state == entry.to_state == filed.case.state
        assert entry.created_at is not None


def test_a_view_of_a_reference_photo_is_logged_but_not_one_of_the_platforms_snapshot(
    filed, moderator_b
):
    photo = filed.case.notice.evidence.get(kind=EvidenceFile.Kind.REFERENCE_PHOTO)
    snapshot = filed.case.notice.evidence.get(kind=EvidenceFile.Kind.REPORTED_SNAPSHOT)

    served(web_as(moderator_b), photo)
    served(web_as(moderator_b), snapshot)

    logged = ActionLog.objects.filter(case=filed.case, action="evidence_viewed")
    assert [(e.actor_label, e.details["kind"]) for e in logged] == [
        ("moderator_b", "reference_photo")
    ]


def test_a_refused_view_is_not_logged_and_shows_nothing(filed, moderator_b):
    evidence = identity_of(filed)

    response = web_as(moderator_b).get(reverse("cases:evidence", args=[evidence.pk]))

    assert response.status_code == 404
    assert not ActionLog.objects.filter(action="evidence_viewed").exists()


def test_identity_documents_are_encrypted_at_rest_and_served_as_uploaded(filed, legal):
    evidence = identity_of(filed)
    photo = filed.case.notice.evidence.get(kind=EvidenceFile.Kind.REFERENCE_PHOTO)

    on_disk = stored_bytes(evidence)
    shown = served(web_as(legal), evidence)

    assert evidence.encrypted and not photo.encrypted
    assert on_disk != shown and b"JFIF" not in on_disk and not evidence.file.name.endswith(".jpg")
    assert Fernet(KEY_OLD).decrypt(on_disk) == shown
    assert hashlib.sha256(shown).hexdigest() == evidence.sha256
    assert shown[:2] == b"\xff\xd8"  # the re-encoded JPEG, as uploaded
    assert stored_bytes(photo)[:2] == b"\xff\xd8"  # photos are not encrypted


def test_an_agents_authorisation_document_is_encrypted_too(anonymous_api, clinic_post, keys):  # noqa: F811
    pdf = pdf_bytes()
    filed = file_notice(
        anonymous_api,
        clinic_post,
        relationship="agent",
        authorization_document=upload("mandate.pdf", pdf, "application/pdf"),
    )
    mandate = filed.case.notice.evidence.get(kind=EvidenceFile.Kind.AUTHORIZATION)

    assert mandate.encrypted and b"%PDF" not in stored_bytes(mandate)
    assert Fernet(KEY_OLD).decrypt(stored_bytes(mandate)).startswith(b"%PDF-")


def test_rotating_the_keys_keeps_files_readable_and_reencrypts_them(filed, legal, keys):
    evidence = identity_of(filed)
    old_name = evidence.file.name
    original = served(web_as(legal), evidence)

    keys.TAKEDOWN_EVIDENCE_KEYS = [KEY_NEW, KEY_OLD]
    assert served(web_as(legal), evidence) == original  # readable before the rotation runs
    out = io.StringIO()
    call_command("rotate_evidence_keys", stdout=out)
    again = io.StringIO()
    call_command("rotate_evidence_keys", stdout=again)

    rotated = stored_bytes(evidence)
    assert "Re-encrypted 1 file(s)" in out.getvalue()
    assert "Re-encrypted 0 file(s) under the newest key; 1 already were." in again.getvalue()
    assert Fernet(KEY_NEW).decrypt(rotated) == original
    with pytest.raises(InvalidToken):
        Fernet(KEY_OLD).decrypt(rotated)
    assert evidence.file.name != old_name
    assert not evidence.file.storage.exists(old_name)
    keys.TAKEDOWN_EVIDENCE_KEYS = [KEY_NEW]  # the old key can go now
    assert served(web_as(legal), evidence) == original


def test_a_file_no_configured_key_opens_is_refused_rather_than_served_garbled(filed, legal, keys):
    keys.TAKEDOWN_EVIDENCE_KEYS = [KEY_NEW]

    with pytest.raises(Exception, match="None of the keys in TAKEDOWN_EVIDENCE_KEYS"):
        web_as(legal).get(reverse("cases:evidence", args=[identity_of(filed).pk]))


@pytest.mark.parametrize("with_claim", [True, False])
def test_the_claim_holder_sees_identity_documents_only_when_the_policy_allows(
    filed, moderator_a, settings, with_claim
):
    settings.TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM = with_claim
    claim(moderator_a, filed.case)

    response = web_as(moderator_a).get(reverse("cases:evidence", args=[identity_of(filed).pk]))
    page = web_as(moderator_a).get(reverse("cases:detail", args=[filed.case.pk]))

    assert response.status_code == (200 if with_claim else 404)
    assert ("identity document</a>" in page.content.decode()) is with_claim


def test_a_moderator_without_the_permission_gets_404_and_with_it_sees_the_document(
    filed, moderator_b, settings
):
    settings.TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM = False
    evidence = identity_of(filed)
    url = reverse("cases:evidence", args=[evidence.pk])

    refused = web_as(moderator_b).get(url)
    api_refused = api_as(moderator_b).get(f"/api/v1/evidence/{evidence.pk}/")
    listed = api_as(moderator_b).get(f"/api/v1/cases/{filed.case.pk}/").json()["evidence"]
    moderator_b.user_permissions.add(
        Permission.objects.get(codename="view_identity_document", content_type__app_label="notices")
    )
    moderator_b.refresh_from_db()

    assert refused.status_code == 404 and api_refused.status_code == 404
    assert "identity" not in {e["kind"] for e in listed}
    assert web_as(moderator_b).get(url).status_code == 200


def test_legal_and_admin_hold_the_identity_permission_and_moderators_do_not(
    legal, admin_user, moderator_a
):
    assert legal.has_perm("notices.view_identity_document")
    assert admin_user.has_perm("notices.view_identity_document")
    assert not moderator_a.has_perm("notices.view_identity_document")


def test_without_keys_a_development_key_is_created_under_var_with_a_warning(
    settings, tmp_path, caplog
):
    from notices import crypto

    settings.TAKEDOWN_EVIDENCE_KEYS = []
    settings.VAR_DIR = tmp_path

    token = crypto.encrypt(b"identity")

    key_file = tmp_path / crypto.DEV_KEY_FILE
    assert Fernet(key_file.read_bytes()).decrypt(token) == b"identity"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "TAKEDOWN_EVIDENCE_KEYS is not set" in caplog.text


def test_nobody_edits_or_deletes_an_evidence_record_in_the_admin_superusers_included(
    filed, admin_user
):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    evidence = identity_of(filed)
    name = evidence.file.name
    browser = web_as(admin_user)
    change = f"/admin/notices/evidencefile/{evidence.pk}/change/"

    page = browser.get(change)
    edited = browser.post(change, {"encrypted": "", "purge_reason": "tidied up"})
    deleted = browser.post(f"/admin/notices/evidencefile/{evidence.pk}/delete/", {"post": "yes"})
    bulk = browser.post(
        "/admin/notices/evidencefile/",
        {"action": "delete_selected", "_selected_action": [evidence.pk], "post": "yes"},
    )

    assert page.status_code == 200 and 'name="encrypted"' not in page.content.decode()
    assert edited.status_code == 403 and deleted.status_code == 403
    assert bulk.status_code in (200, 302)
    evidence.refresh_from_db()
    assert evidence.encrypted and evidence.purged_at is None and evidence.purge_reason == ""
    assert evidence.file.storage.exists(name)


# --- key rotation racing a purge or a reader ------------------------------------------------------


def stored_files(storage) -> list[str]:
    root = Path(storage.location)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def rotating(filed, keys):
    """The identity document as loaded before the keys rotate; the new key put first."""
    evidence = identity_of(filed)
    keys.TAKEDOWN_EVIDENCE_KEYS = [KEY_NEW, KEY_OLD]
    return evidence


def test_a_purge_holding_the_row_from_before_a_rotation_deletes_the_new_file_too(
    rotating, private_storage
):
    before = stored_files(private_storage)
    assert evidence_rekey(EvidenceFile.objects.get(pk=rotating.pk))

    assert evidence_purge(rotating, reason="erasure")

    rotating.refresh_from_db()
    assert rotating.purged_at is not None and rotating.file.name == ""
    assert len(stored_files(private_storage)) == len(before) - 1  # no copy left behind


def test_a_rotation_that_loses_the_race_to_a_purge_removes_its_new_file(
    rotating, private_storage, monkeypatch
):
    before = stored_files(private_storage)
    real_reencrypt = crypto.reencrypt

    def purged_meanwhile(token):
        evidence_purge(EvidenceFile.objects.get(pk=rotating.pk), reason="retention")
        return real_reencrypt(token)

    monkeypatch.setattr(crypto, "reencrypt", purged_meanwhile)

    assert evidence_rekey(rotating) is False
    assert len(stored_files(private_storage)) == len(before) - 1


def test_a_rotation_of_a_file_purged_since_it_was_listed_skips_it(rotating, private_storage):
    evidence_purge(EvidenceFile.objects.get(pk=rotating.pk), reason="erasure")

    assert evidence_rekey(rotating) is False


def test_a_view_served_while_a_rotation_switches_the_file_reads_the_new_one(
    rotating, legal, monkeypatch
):
    from cases import evidence_access

    original = served(web_as(legal), rotating)
    real = evidence_access.evidence_bytes

    def rotated_after_the_row_was_read(evidence):
        assert evidence_rekey(EvidenceFile.objects.get(pk=evidence.pk))
        return real(evidence)

    monkeypatch.setattr(evidence_access, "evidence_bytes", rotated_after_the_row_was_read)

    assert served(web_as(legal), rotating) == original
    with pytest.raises(FileNotFoundError):  # a file really missing is still an error
        rotating.refresh_from_db()
        rotating.file.storage.delete(rotating.file.name)
        evidence_bytes(rotating)


def test_the_uploaders_counter_notice_evidence_and_the_complainants_proof_are_encrypted(
    story,  # noqa: F811
    keys,
    legal,
):
    from .test_lifecycle import UPHOLD

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    story.proof()
    documents = EvidenceFile.objects.filter(
        kind__in=[EvidenceFile.Kind.COUNTER_EVIDENCE, EvidenceFile.Kind.LEGAL_ACTION_PROOF]
    ).order_by("pk")

    assert [d.kind for d in documents] == ["counter_evidence", "legal_action_proof"]
    for document in documents:
        on_disk = stored_bytes(document)
        assert document.encrypted and document.file.name.endswith(".bin")
        assert b"%PDF" not in on_disk
        as_uploaded = Fernet(KEY_OLD).decrypt(on_disk)  # the PDF as re-drawn at upload
        assert as_uploaded.startswith(b"%PDF-")
        assert served(web_as(legal), document) == as_uploaded


def test_rotation_encrypts_a_counter_notice_document_stored_in_clear_before(
    story,  # noqa: F811
    keys,
    legal,
):
    from .test_lifecycle import PDF, UPHOLD

    for name, *args in UPHOLD:
        getattr(story, name)(*args)
    story.counter_notice()
    document = EvidenceFile.objects.get(kind=EvidenceFile.Kind.COUNTER_EVIDENCE)
    # As stored before counter-notice evidence was encrypted at rest.
    clear = document.file.storage.save("2026/11/consent.pdf", io.BytesIO(PDF))
    document.file.storage.delete(document.file.name)
    EvidenceFile.objects.filter(pk=document.pk).update(file=clear, encrypted=False)
    out = io.StringIO()

    call_command("rotate_evidence_keys", stdout=out)

    document.refresh_from_db()
    assert "Encrypted 1 file(s) that were stored in clear." in out.getvalue()
    assert document.encrypted and Fernet(KEY_OLD).decrypt(stored_bytes(document)) == PDF
    assert not document.file.storage.exists(clear)
    assert served(web_as(legal), document) == PDF

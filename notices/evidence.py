"""Reading, purging and re-keying stored evidence files (local disk or S3 alike: only the
Django storage API is used)."""

from __future__ import annotations

import posixpath
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from . import crypto
from .models import EvidenceFile


class EvidencePurged(Exception):
    """The file was deleted under the retention rules or at the complainant's request."""


def evidence_bytes(evidence: EvidenceFile) -> bytes:
    """The file as it was uploaded (decrypted when it is stored encrypted)."""
    if evidence.purged_at is not None or not evidence.file:
        raise EvidencePurged(f"Evidence file {evidence.pk} was deleted on {evidence.purged_at}.")
    with evidence.file.open("rb") as handle:
        data = handle.read()
    return crypto.decrypt(data) if evidence.encrypted else data


def evidence_purge(evidence: EvidenceFile, *, reason: str, now=None) -> bool:
    """Delete the file from storage and mark the row purged (it keeps kind, size and sha256).

    The file goes first: if marking the row fails, the next run finds it again and deleting
    an absent file is harmless. Returns False if it was purged already.
    """
    if evidence.purged_at is not None:
        return False
    now = now or timezone.now()
    name = evidence.file.name
    if name:
        evidence.file.storage.delete(name)
    marked = EvidenceFile.objects.filter(pk=evidence.pk, purged_at__isnull=True).update(
        purged_at=now, purge_reason=reason, file=""
    )
    evidence.purged_at, evidence.purge_reason, evidence.file.name = now, reason, ""
    return bool(marked)


def evidence_rekey(evidence: EvidenceFile) -> bool:
    """Re-encrypt one file under the newest key. Returns False when there was nothing to do.

    The new ciphertext is written under a new name, the row is switched to it only if it still
    names the old file (a compare-and-swap), and then the old file is deleted: a reader holding
    the old name, or a run stopped half-way, never finds a file missing or half-written.
    """
    if not evidence.encrypted or evidence.purged_at is not None or not evidence.file:
        return False
    old_name = evidence.file.name
    storage = evidence.file.storage
    with storage.open(old_name, "rb") as handle:
        token = handle.read()
    if crypto.is_current(token):
        return False
    fresh = posixpath.join(posixpath.dirname(old_name), f"{uuid.uuid4().hex}.bin")
    new_name = storage.save(fresh, ContentFile(crypto.reencrypt(token)))
    switched = EvidenceFile.objects.filter(
        pk=evidence.pk, file=old_name, purged_at__isnull=True
    ).update(file=new_name)
    if not switched:  # purged or re-keyed meanwhile: keep what the row says
        storage.delete(new_name)
        return False
    storage.delete(old_name)
    evidence.file.name = new_name
    return True

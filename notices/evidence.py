"""Reading, purging and re-keying stored evidence files (local disk or S3 alike: only the
Django storage API is used)."""

from __future__ import annotations

import logging
import posixpath
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from . import crypto
from .models import EvidenceFile

logger = logging.getLogger(__name__)

# A purge retries when a key rotation switched the row's file under it; more than a few
# switches in a row means something else is wrong.
MAX_PURGE_ATTEMPTS = 5


class EvidencePurged(Exception):
    """The file was deleted under the retention rules or at the complainant's request."""


def _current(evidence: EvidenceFile) -> None:
    """Reload what may have changed under us: the file's name, encryption and purge."""
    evidence.refresh_from_db(fields=["file", "encrypted", "purged_at", "purge_reason"])


def _read(evidence: EvidenceFile) -> bytes:
    if evidence.purged_at is not None or not evidence.file:
        raise EvidencePurged(f"Evidence file {evidence.pk} was deleted on {evidence.purged_at}.")
    with evidence.file.storage.open(evidence.file.name, "rb") as handle:
        data = handle.read()
    return crypto.decrypt(data) if evidence.encrypted else data


def evidence_bytes(evidence: EvidenceFile) -> bytes:
    """The file as it was uploaded (decrypted when it is stored encrypted).

    A key rotation switches the row to a new file and then deletes the old one: a reader that
    loaded the row before the switch finds the old name gone, and reads the row's current file
    instead (once)."""
    name = evidence.file.name
    try:
        return _read(evidence)
    except FileNotFoundError:
        _current(evidence)
        if evidence.file.name == name and evidence.purged_at is None:
            raise  # really missing: not a rotation or a purge
        return _read(evidence)


def evidence_purge(evidence: EvidenceFile, *, reason: str, now=None) -> bool:
    """Delete the file from storage and mark the row purged (it keeps kind, size and sha256).

    The file goes first: if marking the row fails, the next run finds it again and deleting
    an absent file is harmless. The row is marked only if it still names the file deleted (a
    compare-and-swap): if a key rotation switched it to a new file meanwhile, that file is
    deleted too, so no copy stays behind. Returns False if it was purged already.
    """
    now = now or timezone.now()
    for _ in range(MAX_PURGE_ATTEMPTS):
        _current(evidence)
        if evidence.purged_at is not None:
            return False
        name = evidence.file.name
        if name:
            evidence.file.storage.delete(name)
        marked = EvidenceFile.objects.filter(
            pk=evidence.pk, purged_at__isnull=True, file=name
        ).update(purged_at=now, purge_reason=reason, file="")
        if marked:
            evidence.purged_at, evidence.purge_reason, evidence.file.name = now, reason, ""
            return True
    raise RuntimeError(f"Evidence file {evidence.pk} kept changing while it was being purged.")


def evidence_rekey(evidence: EvidenceFile) -> bool:
    """Re-encrypt one file under the newest key, or encrypt one stored in clear whose kind is
    now encrypted at rest (stored before its kind was). Returns False when there was nothing
    to do.

    The new ciphertext is written under a new name, the row is switched to it only if it still
    names the old file and is not purged (a compare-and-swap), and then the old file is
    deleted: a reader holding the old name reads the row again, a purge racing the rotation
    deletes whichever file the row names, and a run stopped half-way never leaves the row
    naming a missing or half-written file.
    """
    from .services import ENCRYPTED_KINDS

    wanted = evidence.encrypted or evidence.kind in ENCRYPTED_KINDS
    if not wanted or evidence.purged_at is not None or not evidence.file:
        return False
    old_name, was_encrypted = evidence.file.name, evidence.encrypted
    storage = evidence.file.storage
    try:
        with storage.open(old_name, "rb") as handle:
            stored = handle.read()
    except FileNotFoundError:
        _current(evidence)
        if evidence.purged_at is not None or evidence.file.name != old_name:
            return False  # purged or re-keyed meanwhile
        raise
    if was_encrypted and crypto.is_current(stored):
        return False
    token = crypto.reencrypt(stored) if was_encrypted else crypto.encrypt(stored)
    fresh = posixpath.join(posixpath.dirname(old_name), f"{uuid.uuid4().hex}.bin")
    new_name = storage.save(fresh, ContentFile(token))
    switched = EvidenceFile.objects.filter(
        pk=evidence.pk, file=old_name, encrypted=was_encrypted, purged_at__isnull=True
    ).update(file=new_name, encrypted=True)
    if not switched:  # purged or re-keyed meanwhile: keep what the row says
        storage.delete(new_name)
        return False
    storage.delete(old_name)
    evidence.file.name, evidence.encrypted = new_name, True
    return True


def _walk(storage, folder: str = ""):
    """Every file name under ``folder`` of the storage (local disk or S3 alike)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name) if folder else name
    for sub in folders:
        yield from _walk(storage, posixpath.join(folder, sub) if folder else sub)


def recent_folders(now=None) -> list[str]:
    """The folders new evidence goes to (upload_to is year/month): this month's and last's."""
    now = now or timezone.now()
    last_month = now.replace(day=1) - timedelta(days=1)
    return [now.strftime("%Y/%m"), last_month.strftime("%Y/%m")]


def evidence_orphans_remove(*, older_than: timedelta, folders=None, now=None) -> list[str]:
    """Delete the files in evidence storage that no evidence row names and that are older than
    ``older_than`` (a younger one may belong to an intake still running); ``folders`` limits
    the scan (all of the storage when None). Returns the names deleted, each also logged."""
    now = now or timezone.now()
    storage = EvidenceFile._meta.get_field("file").storage
    deleted = []
    for folder in [""] if folders is None else folders:
        names = list(_walk(storage, folder))
        if not names:
            continue
        known = set()
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            known.update(EvidenceFile.objects.filter(file__in=chunk).values_list("file", flat=True))
        for name in names:
            if name in known:
                continue
            try:
                modified = storage.get_modified_time(name)
            except FileNotFoundError:
                continue  # gone meanwhile
            if now - modified < older_than:
                continue
            storage.delete(name)
            deleted.append(name)
            logger.warning(
                "Deleted evidence object %s (%s): no evidence row names it (an intake or "
                "upload that failed after storing it).",
                name,
                modified.isoformat(),
            )
    return deleted

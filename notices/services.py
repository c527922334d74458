"""Filing a notice: the one place a notice, its evidence, items and case are created."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from takedown.enqueue import enqueue_on_commit

from .mail import send_on_commit
from .models import EvidenceFile, Notice, ReportedItem
from .uploads import CleanUpload


@dataclass(frozen=True)
class FiledNotice:
    notice: Notice
    tracking_token: str
    created: bool


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was first used with a different request."""


def _replayed(notice: Notice, fingerprint: str) -> FiledNotice:
    if not secrets.compare_digest(notice.idempotency_fingerprint, fingerprint):
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different notice. Use a new key for "
            "each new notice, and the same key only to retry the very same request."
        )
    return FiledNotice(notice=notice, tracking_token=notice.tracking_token(), created=False)


def request_fingerprint(
    fields: dict, uploads: list[CleanUpload | None], content_ids: list[str]
) -> str:
    """A stable hash of what was filed, files included."""
    canonical = json.dumps(
        {
            "fields": fields,
            "files": [u.sha256 if u else None for u in uploads],
            "items": content_ids,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_evidence(notice: Notice, kind: str, upload: CleanUpload) -> EvidenceFile:
    evidence = EvidenceFile(
        notice=notice,
        kind=kind,
        content_type=upload.content_type,
        sha256=upload.sha256,
        size=len(upload.content),
        width=upload.width,
        height=upload.height,
        original_name=upload.original_name,
    )
    # A random name: nothing about the person or the file's origin appears in storage paths.
    evidence.file.save(
        f"{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.content), save=False
    )
    evidence.save()
    return evidence


def notice_file(
    *,
    fields: dict,
    identity_document: CleanUpload,
    authorization_document: CleanUpload | None,
    reference_photos: list[CleanUpload],
    reported: list,
    idempotency_key: str | None = None,
) -> FiledNotice:
    """Store a validated notice and open its case; receipt and verification follow on commit.

    ``reported`` holds ContentRef pairs (submitted text, resolved ref). With an idempotency
    key already used, the first notice is returned and nothing new is stored.
    """
    from cases import tasks
    from cases.actionlog import log_append
    from cases.models import Case
    from cases.roles import Actor

    fingerprint = request_fingerprint(
        fields,
        [identity_document, authorization_document, *reference_photos],
        [ref.content_id for _, ref in reported],
    )
    if idempotency_key:
        existing = Notice.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replayed(existing, fingerprint)
    nonce = secrets.token_hex(32)
    token = Notice(tracking_nonce=nonce).tracking_token()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                # A placeholder until the pk is known; 32 characters, Notice.reference's limit.
                reference=f"pending-{uuid.uuid4().hex[:24]}",
                tracking_token_hash=Notice.hash_token(token),
                tracking_nonce=nonce,
                idempotency_key=idempotency_key or None,
                idempotency_fingerprint=fingerprint if idempotency_key else "",
                **fields,
            )
            year = timezone.now().year
            notice.reference = f"{settings.TAKEDOWN_REFERENCE_PREFIX}-{year}-{notice.pk:06d}"
            notice.save(update_fields=["reference"])
            store_evidence(notice, EvidenceFile.Kind.IDENTITY, identity_document)
            if authorization_document is not None:
                store_evidence(notice, EvidenceFile.Kind.AUTHORIZATION, authorization_document)
            for photo in reference_photos:
                store_evidence(notice, EvidenceFile.Kind.REFERENCE_PHOTO, photo)
            ReportedItem.objects.bulk_create(
                ReportedItem(notice=notice, submitted=text, content_id=ref.content_id, url=ref.url)
                for text, ref in reported
            )
            case = Case.objects.create(
                notice=notice,
                due_at=notice.received_at + timedelta(hours=settings.TAKEDOWN_DUE_HOURS["pending"]),
            )
            log_append(
                case=case,
                actor=Actor.complainant(),
                action="notice_received",
                to_state=case.state,
                details={
                    "items": [{"content_id": r.content_id, "url": r.url} for _, r in reported],
                    "requested_measure": notice.requested_measure,
                    "evidence_sha256": list(
                        notice.evidence.values_list("kind", "sha256").order_by("pk")
                    ),
                },
                public_summary="Notice received; a receipt was sent to you.",
            )
            send_on_commit(
                template="receipt",
                to=notice.notifier_email,
                context={"notice": notice},
                notice=notice,
            )
            enqueue_on_commit(tasks.verify_case_matches, case.pk)
    except IntegrityError:
        # Two requests with the same key raced: the other one won; answer with its notice.
        if idempotency_key:
            existing = Notice.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replayed(existing, fingerprint)
        raise
    return FiledNotice(notice=notice, tracking_token=token, created=True)


def notice_for_token(reference: str, token: str | None) -> Notice | None:
    """The notice if the token is its tracking token; None otherwise, whatever the reason."""
    return notice_for_token_hash(reference, Notice.hash_token(token or ""))


def notice_for_token_hash(reference: str, token_hash: str) -> Notice | None:
    notice = Notice.objects.filter(reference=reference).select_related("case").first()
    expected = notice.tracking_token_hash if notice else Notice.hash_token("no-such-notice")
    if not secrets.compare_digest(expected, token_hash or "") or notice is None:
        return None
    return notice


def _case_state_label(case_id: int) -> str:
    from cases.models import Case

    return Case.objects.get(pk=case_id).get_state_display().lower()


def complainant_withdraw(case_id: int, message: str) -> None:
    """Withdraw a notice; refusals are worded for the complainant, not for staff."""
    from cases.errors import Conflict
    from cases.services import case_withdraw

    try:
        case_withdraw(case_id=case_id, reasons=message)
    except Conflict:
        state = _case_state_label(case_id)
        raise Conflict(
            f"This notice can no longer be withdrawn: it is {state}. Notices can be withdrawn "
            "until a decision is taken."
        ) from None


def complainant_provide_info(case_id: int, message: str) -> None:
    from cases.errors import Conflict
    from cases.services import case_provide_info

    try:
        case_provide_info(case_id=case_id, message=message)
    except Conflict:
        state = _case_state_label(case_id)
        raise Conflict(
            f"No information was requested for this notice (it is {state}); nothing was sent."
        ) from None


COMPLAINANT_ACTIONS = {"withdraw": complainant_withdraw, "provide_info": complainant_provide_info}

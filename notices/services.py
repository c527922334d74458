"""Filing a notice: the one place a notice, its evidence, items and case are created."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from takedown.enqueue import enqueue_on_commit

from . import crypto
from .mail import send_on_commit
from .models import EvidenceFile, Notice, NotifierSanction, Organisation, ReportedItem
from .uploads import CleanUpload

# A case in one of these states is finished with: a new notice about its content opens a new
# case rather than joining or being linked to it.
FINISHED_STATES = ("withdrawn", "closed", "rejected", "restored")
# At most this many other open cases about the same content are linked to a new case at intake
# (the most recent ones): each link is logged on both cases under their row locks.
RELATED_CASES_LIMIT = 20


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
            gettext(
                "This Idempotency-Key was already used for a different notice. Use a new key "
                "for each new notice, and the same key only to retry the very same request."
            )
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


# Documents that identify a person (or their mandate) are encrypted at rest: the complainant's
# identity and authorisation documents, and the parties' own documents, which may carry an ID
# too (the uploader's counter-notice evidence, the complainant's proof of a legal action).
ENCRYPTED_KINDS = (
    EvidenceFile.Kind.IDENTITY,
    EvidenceFile.Kind.AUTHORIZATION,
    EvidenceFile.Kind.COUNTER_EVIDENCE,
    EvidenceFile.Kind.LEGAL_ACTION_PROOF,
)

# The files store_evidence wrote inside evidence_removed_on_failure(), to delete if it fails.
_written: ContextVar[list | None] = ContextVar("evidence_written", default=None)


@contextmanager
def evidence_removed_on_failure():
    """Delete from storage the files store_evidence writes inside this block if the block
    raises (its transaction rolled back: no row names them). Wrap it around the atomic block,
    so that an error at commit counts too. A process killed meanwhile leaves files that
    remove_orphaned_evidence deletes later."""
    written: list = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _written.reset(token)


def store_evidence(notice: Notice, kind: str, upload: CleanUpload) -> EvidenceFile:
    """Store an uploaded file in the evidence storage. ``sha256`` and ``size`` describe the
    file as uploaded; identity and authorisation documents are written encrypted."""
    encrypted = kind in ENCRYPTED_KINDS
    evidence = EvidenceFile(
        notice=notice,
        kind=kind,
        content_type=upload.content_type,
        sha256=upload.sha256,
        size=len(upload.content),
        width=upload.width,
        height=upload.height,
        original_name=upload.original_name,
        encrypted=encrypted,
    )
    content = crypto.encrypt(upload.content) if encrypted else upload.content
    # A random name: nothing about the person or the file's origin appears in storage paths;
    # an encrypted file's name does not even say what kind of file it is.
    extension = "bin" if encrypted else upload.extension
    evidence.file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(content), save=False)
    written = _written.get()
    if written is not None:
        written.append((evidence.file.storage, evidence.file.name))
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
    filed_by: Organisation | None = None,
) -> FiledNotice:
    """Store a validated notice and open its case; receipt and verification follow on commit.

    ``reported`` holds ContentRef pairs (submitted text, resolved ref). With an idempotency
    key already used, the first notice is returned and nothing new is stored.

    ``filed_by`` is the registered organisation whose API token filed it; a trusted flagger's
    case gets the trusted priority and the shorter deadline. When every reported item already
    belongs to one open case of the same notifier, the notice joins that case (it keeps its
    own reference, receipt and tracking token); otherwise a new case is opened and linked to
    the other open cases about the same content.
    """
    fields = {**fields, "notifier_email": normalise_email(fields["notifier_email"])}
    # The language only chooses how the e-mails read: a retry in another one is the same notice.
    fingerprinted = {name: value for name, value in fields.items() if name != "language"}
    if filed_by is not None:
        fingerprinted["filed_by"] = filed_by.pk
    fingerprint = request_fingerprint(
        fingerprinted,
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
        with evidence_removed_on_failure(), transaction.atomic():
            notice = Notice.objects.create(
                # A placeholder until the pk is known; 32 characters, Notice.reference's limit.
                reference=f"pending-{uuid.uuid4().hex[:24]}",
                tracking_token_hash=Notice.hash_token(token),
                tracking_nonce=nonce,
                idempotency_key=idempotency_key or None,
                idempotency_fingerprint=fingerprint if idempotency_key else "",
                filed_by=filed_by,
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
            _open_or_join_case(notice, [ref for _, ref in reported])
            send_on_commit(
                template="receipt",
                to=notice.notifier_email,
                context={"notice": notice},
                notice=notice,
            )
    except IntegrityError:
        # Two requests with the same key raced: the other one won; answer with its notice.
        if idempotency_key:
            existing = Notice.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _replayed(existing, fingerprint)
        raise
    return FiledNotice(notice=notice, tracking_token=token, created=True)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def notifier_suspension(email: str, now=None) -> NotifierSanction | None:
    """The suspension running now for this notifier e-mail (DSA art. 23), if any; of several,
    the one that ends last (an open-ended one first)."""
    now = now or timezone.now()
    return (
        NotifierSanction.objects.filter(
            notifier_email__iexact=normalise_email(email),
            kind=NotifierSanction.Kind.SUSPENSION,
            starts_at__lte=now,
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by(F("ends_at").desc(nulls_first=True), "-pk")
        .first()
    )


def _notice_details(notice: Notice, refs: list) -> dict:
    details = {
        "items": [{"content_id": r.content_id, "url": r.url} for r in refs],
        "requested_measure": notice.requested_measure,
        "evidence_sha256": list(notice.evidence.values_list("kind", "sha256").order_by("pk")),
    }
    if notice.filed_by_id is not None:
        details["filed_by"] = {"id": notice.filed_by_id, "name": notice.filed_by.name}
    return details


def _same_notifier(notice: Notice) -> Q:
    """Cases whose notice came from the same notifier: the same e-mail address, or the same
    organisation filing for the same principal."""
    same = Q(notice__notifier_email__iexact=notice.notifier_email)
    if notice.filed_by_id is not None:
        same |= Q(notice__filed_by=notice.filed_by_id) & Q(
            notice__notifier_name__iexact=notice.notifier_name.strip()
        )
    return same


def _open_or_join_case(notice: Notice, refs: list) -> None:
    """Join the notice to its notifier's open case about the same content, or open a new case
    linked to the other open cases about that content. Runs inside the intake transaction."""
    from cases import policy, tasks
    from cases.actionlog import log_append
    from cases.models import Case, JoinedNotice, Priority, Verdict
    from cases.roles import Actor

    content_ids = sorted({ref.content_id for ref in refs})
    trusted = notice.filed_by is not None and notice.filed_by.is_trusted_flagger
    trusted_due = notice.received_at + timedelta(hours=settings.TAKEDOWN_DUE_HOURS_TRUSTED)
    open_cases = Case.objects.exclude(state__in=FINISHED_STATES)
    same_notifier = (
        open_cases.filter(_same_notifier(notice), notice__items__content_id__in=content_ids)
        .annotate(covered=Count("notice__items__content_id", distinct=True))
        .filter(covered=len(content_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for case_id in same_notifier[:1]:
        case = open_cases.select_for_update().filter(pk=case_id).first()
        if case is None:
            break  # finished meanwhile: a new case after all
        JoinedNotice.objects.create(case=case, notice=notice)
        details = {"notice": notice.reference, **_notice_details(notice, refs)}
        if trusted and case.priority != Priority.TRUSTED:
            case.priority = Priority.TRUSTED
            case.due_at = min(case.due_at, trusted_due)
            case.save(update_fields=["priority", "due_at", "updated_at"])
            details["priority"] = {"priority": case.priority, "due_at": case.due_at.isoformat()}
        log_append(
            case=case,
            actor=Actor.complainant(),
            action="notice_joined",
            from_state=case.state,
            details=details,
            public_summary=(
                f"Another notice from you about the same content ({notice.reference}) was "
                "received and is handled in this case."
            ),
        )
        return

    case = Case.objects.create(
        notice=notice,
        priority=Priority.TRUSTED if trusted else Priority.NORMAL,
        due_at=policy.decision_due_at(
            notice.received_at,
            Verdict.PENDING,
            trusted=trusted,
            hours=settings.TAKEDOWN_DUE_HOURS,
            trusted_hours=settings.TAKEDOWN_DUE_HOURS_TRUSTED,
        ),
    )
    related_ids = list(
        open_cases.filter(notice__items__content_id__in=content_ids)
        .exclude(pk=case.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .distinct()[:RELATED_CASES_LIMIT]
    )
    # Locked in id order, as every intake does, so that two intakes cannot deadlock; and before
    # the first log entry, whose log-head lock is held to the end: locking a case after it could
    # deadlock with a transition on that case waiting for the head.
    related = list(open_cases.select_for_update().filter(pk__in=related_ids).order_by("pk"))
    log_append(
        case=case,
        actor=Actor.complainant(),
        action="notice_received",
        to_state=case.state,
        details={**_notice_details(notice, refs), "priority": case.priority},
        public_summary=gettext_noop("Notice received; a receipt was sent to you."),
    )
    if related:
        references = dict(
            Notice.objects.filter(case__in=related).values_list("case__pk", "reference")
        )
        case.related_cases.add(*related)
        log_append(
            case=case,
            actor=Actor.system(),
            action="cases_linked",
            from_state=case.state,
            details={
                "related_cases": [{"id": c.pk, "reference": references[c.pk]} for c in related],
                "content_ids": content_ids,
            },
        )
        for other in related:
            log_append(
                case=other,
                actor=Actor.system(),
                action="cases_linked",
                from_state=other.state,
                details={
                    "related_cases": [{"id": case.pk, "reference": notice.reference}],
                    "content_ids": content_ids,
                },
            )
    enqueue_on_commit(tasks.verify_case_matches, case.pk)


def notice_for_token(reference: str, token: str | None) -> Notice | None:
    """The notice if the token is its tracking token; None otherwise, whatever the reason."""
    return notice_for_token_hash(reference, Notice.hash_token(token or ""))


def notice_for_token_hash(reference: str, token_hash: str) -> Notice | None:
    notice = (
        Notice.objects.filter(reference=reference).select_related("case", "joined__case").first()
    )
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
            gettext(
                "This notice can no longer be withdrawn: it is %(state)s. Notices can be "
                "withdrawn until a decision is taken."
            )
            % {"state": state}
        ) from None


def complainant_provide_info(case_id: int, message: str) -> None:
    from cases.errors import Conflict
    from cases.services import case_provide_info

    try:
        case_provide_info(case_id=case_id, message=message)
    except Conflict:
        state = _case_state_label(case_id)
        raise Conflict(
            gettext(
                "No information was requested for this notice (it is %(state)s); nothing was sent."
            )
            % {"state": state}
        ) from None


COMPLAINANT_ACTIONS = {"withdraw": complainant_withdraw, "provide_info": complainant_provide_info}

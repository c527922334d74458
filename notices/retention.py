"""How long evidence files live after a case closes, the job that deletes what is due, and the
complainant's request to erase their documents.

A case *closes* when it reaches a final state — withdrawn, closed, rejected, restored, or
actioned (a measure in force with no counter-notice or appeal open: those are states of their
own) — and its clock starts at the last transition into that state, as the action log records
it. A case that is reopened (an appeal, a counter-notice) stops its clock; when it reaches a
final state again, the clock starts again. While a case is counter-noticed, disputed or under
appeal its files are under legal hold: nothing is deleted, and an erasure request is refused
with the reason.

Deleting removes the file from storage and marks its row purged: the row keeps kind, size and
sha256, the record that the file existed. The hashes themselves — each file's SHA-256 and the
perceptual hashes of the match results (the complainant's reference photos, the reported
image) — go TAKEDOWN_RETENTION_HASHES_DAYS after the case closes (by default the legal hold),
once the files are gone. The staydown bank's entries live while their measure stands (staydown
app); the action log is never deleted.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from .evidence import evidence_purge
from .mail import send_on_commit
from .models import EvidenceFile, Notice

Kind = EvidenceFile.Kind
FINAL_STATES = ("withdrawn", "closed", "rejected", "restored", "actioned")
# Why an erasure request must wait, by the state that holds the files.
LEGAL_HOLD = {
    "counter_noticed": gettext_lazy(
        "the uploader contested the measure and the waiting period is running"
    ),
    "disputed": gettext_lazy("the measure is disputed before an authority or a court"),
    "appealed": gettext_lazy("an appeal against the decision is open"),
}
# The complainant may have erased at once: the documents and photos that identify them.
ERASABLE_KINDS = (Kind.IDENTITY, Kind.AUTHORIZATION, Kind.REFERENCE_PHOTO)
# Withdrawing comes first when the notice is still pending.
WITHDRAWABLE_STATES = ("received", "needs_info", "in_review")


def retention_days(kind: str) -> int:
    """Days a file of this kind is kept after its case closes."""
    if kind in (Kind.IDENTITY, Kind.AUTHORIZATION):
        return settings.TAKEDOWN_RETENTION_IDENTITY_DAYS
    if kind in (Kind.REFERENCE_PHOTO, Kind.REPORTED_SNAPSHOT):
        return settings.TAKEDOWN_RETENTION_PHOTO_DAYS
    # Counter-notice evidence and proofs of legal action: what a court may ask for.
    return settings.TAKEDOWN_LEGAL_HOLD_DAYS


def closed_at(case):
    """When the case entered the final state it is in (None if it is not in one)."""
    if case.state not in FINAL_STATES:
        return None
    entered = (
        case.log.filter(to_state=case.state)
        .exclude(from_state=case.state)
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return entered or case.updated_at


def _case_files(case):
    """The case's evidence still in storage: its notice's and those of notices that joined it."""
    return EvidenceFile.objects.filter(
        Q(notice__case=case) | Q(notice__joined__case=case), purged_at__isnull=True
    ).order_by("pk")


def _described(files) -> list[dict]:
    return [
        {"id": f.pk, "kind": f.kind, "sha256": f.sha256, "size": f.size, "notice": f.notice_id}
        for f in files
    ]


def purge_expired_evidence(now=None) -> dict:
    """Delete from storage every file whose retention ran out, and log it on its case."""
    from cases.models import Case, JoinedNotice

    now = now or timezone.now()
    stored = EvidenceFile.objects.filter(purged_at__isnull=True).values("notice_id")
    case_ids = set(
        Case.objects.filter(state__in=FINAL_STATES, notice_id__in=stored).values_list(
            "pk", flat=True
        )
    ) | set(
        JoinedNotice.objects.filter(case__state__in=FINAL_STATES, notice_id__in=stored).values_list(
            "case_id", flat=True
        )
    )
    counts = {"cases": 0, "files": 0}
    for case_id in sorted(case_ids):
        purged = _purge_case(case_id, now)
        counts["cases"] += bool(purged)
        counts["files"] += purged
    return counts


def _purge_case(case_id: int, now) -> int:
    from cases.actionlog import log_append
    from cases.models import Case
    from cases.roles import Actor

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        closed = closed_at(case)
        if closed is None:
            return 0
        due = [
            f for f in _case_files(case) if closed + timedelta(days=retention_days(f.kind)) <= now
        ]
        if not due:
            return 0
        for evidence in due:
            evidence_purge(evidence, reason="retention", now=now)
        log_append(
            case=case,
            actor=Actor.system(),
            action="evidence_purged",
            from_state=case.state,
            reasons="Retention period after the case closed has ended.",
            details={
                "closed_at": closed.isoformat(),
                "files": _described(due),
                "retention_days": {f.kind: retention_days(f.kind) for f in due},
            },
        )
    return len(due)


def _case_hashes(case):
    """The case's evidence rows whose file is gone but whose SHA-256 is kept, and its match
    results that still hold perceptual hashes."""
    from cases.models import MatchResult

    files = EvidenceFile.objects.filter(
        Q(notice__case=case) | Q(notice__joined__case=case), purged_at__isnull=False
    ).exclude(sha256="")
    matches = MatchResult.objects.filter(
        Q(item__notice__case=case) | Q(item__notice__joined__case=case)
    ).exclude(reference_hashes=[], reported_hashes={})
    return files.order_by("pk"), matches.order_by("pk")


def purge_expired_hashes(now=None) -> dict:
    """Clear the SHA-256 of purged files and the match results' perceptual hashes of every
    case closed more than TAKEDOWN_RETENTION_HASHES_DAYS ago, and log it on the case."""
    from cases.models import Case, MatchResult

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TAKEDOWN_RETENTION_HASHES_DAYS)
    with_files = EvidenceFile.objects.filter(purged_at__isnull=False).exclude(sha256="")
    with_matches = MatchResult.objects.exclude(reference_hashes=[], reported_hashes={})
    # Closed long enough: it entered a final state (as logged) before the cutoff.
    long_closed = Case.objects.filter(state__in=FINAL_STATES).filter(
        Q(log__to_state__in=FINAL_STATES, log__created_at__lte=cutoff) | Q(updated_at__lte=cutoff)
    )
    candidates = long_closed.filter(
        Q(notice__evidence__in=with_files)
        | Q(joined_notices__notice__evidence__in=with_files)
        | Q(notice__items__match__in=with_matches)
        | Q(joined_notices__notice__items__match__in=with_matches)
    )
    counts = {"cases": 0, "hashes": 0}
    for case_id in sorted(set(candidates.values_list("pk", flat=True))):
        cleared = _purge_case_hashes(case_id, now)
        counts["cases"] += bool(cleared)
        counts["hashes"] += cleared
    return counts


def _purge_case_hashes(case_id: int, now) -> int:
    from cases.actionlog import log_append
    from cases.models import Case
    from cases.roles import Actor

    days = settings.TAKEDOWN_RETENTION_HASHES_DAYS
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        closed = closed_at(case)
        if closed is None or closed + timedelta(days=days) > now:
            return 0
        files, matches = _case_hashes(case)
        file_ids = list(files.values_list("pk", flat=True))
        match_ids = list(matches.values_list("pk", flat=True))
        if not file_ids and not match_ids:
            return 0
        EvidenceFile.objects.filter(pk__in=file_ids).update(sha256="")
        matches.model.objects.filter(pk__in=match_ids).update(
            reference_hashes=[], reported_hashes={}
        )
        # The entry names what was cleared, never the hashes themselves.
        log_append(
            case=case,
            actor=Actor.system(),
            action="hashes_purged",
            from_state=case.state,
            reasons="Retention period of the hashes after the case closed has ended.",
            details={
                "closed_at": closed.isoformat(),
                "retention_days": days,
                "evidence_files": file_ids,
                "match_results": match_ids,
            },
        )
    return len(file_ids) + len(match_ids)


def complainant_erase(notice: Notice, message: str = "") -> list[EvidenceFile]:
    """Withdraw the notice if it is still pending, then delete its identity and authorisation
    documents and reference photos from storage at once, log it, and tell the complainant by
    e-mail. Refused (409) while the case is under legal hold; returns the files erased."""
    from cases.actionlog import log_append
    from cases.errors import Conflict
    from cases.models import Case
    from cases.roles import Actor

    from .selectors import notice_case
    from .services import complainant_withdraw

    case_id = notice_case(notice).pk
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.state in WITHDRAWABLE_STATES:
            complainant_withdraw(case_id, message or "Withdrawn with a request to erase.")
            case = Case.objects.select_for_update().get(pk=case_id)
        if case.state in LEGAL_HOLD:
            raise Conflict(
                gettext(
                    "Your documents cannot be erased yet: %(reason)s, so they are kept under "
                    "legal hold until it is resolved. Ask again once the case is closed."
                )
                % {"reason": LEGAL_HOLD[case.state]}
            )
        files = list(
            notice.evidence.filter(purged_at__isnull=True, kind__in=ERASABLE_KINDS).order_by("pk")
        )
        if not files:
            return []
        for evidence in files:
            evidence_purge(evidence, reason="erasure")
        log_append(
            case=case,
            actor=Actor.complainant(),
            action="evidence_erased",
            from_state=case.state,
            reasons=message,
            details={"notice": notice.reference, "files": _described(files)},
            public_summary=gettext_noop(
                "At your request, your identity documents and reference photos were deleted."
            ),
        )
        send_on_commit(
            template="evidence_erased",
            to=notice.notifier_email,
            context={"notice": notice, "files": files},
            notice=notice,
        )
    return files

"""Who may see which evidence file, and the record that they saw it.

The web view (``/staff/evidence/<id>/``) and the API (``/api/v1/evidence/<id>/``) both serve
files through ``evidence_open``: one permission check, and one action-log entry per view of a
document or photo of a person, written under the case's row lock like every other entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from notices.evidence import EvidencePurged, evidence_bytes
from notices.models import EvidenceFile
from notices.selectors import notice_case

from . import services
from .actionlog import log_append
from .models import Case
from .roles import Actor, staff_roles

IDENTITY_PERMISSION = "notices.view_identity_document"
# Any staff role sees these; every other kind needs IDENTITY_PERMISSION (or, if the policy
# allows, a live claim on the case).
OPEN_TO_STAFF = (EvidenceFile.Kind.REFERENCE_PHOTO, EvidenceFile.Kind.REPORTED_SNAPSHOT)
# Snapshots are the platform's public content as fetched; every other view is logged.
NOT_LOGGED = (EvidenceFile.Kind.REPORTED_SNAPSHOT,)


def can_see_documents(user, case: Case) -> bool:
    """Identity and authorisation documents (and the parties' other documents): staff with
    the explicit permission, or the moderator holding the case's live claim when
    TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM is on."""
    if not staff_roles(user):
        return False
    if user.has_perm(IDENTITY_PERMISSION):
        return True
    return (
        settings.TAKEDOWN_IDENTITY_DOCUMENTS_WITH_CLAIM
        and case.claimed_by_id == user.pk
        and services.claim_is_live(case)
    )


def can_view_evidence(user, evidence: EvidenceFile) -> bool:
    if not staff_roles(user) or evidence.purged_at is not None:
        return False
    if evidence.kind in OPEN_TO_STAFF:
        return True
    # A joined notice's files belong to the case it joined.
    return can_see_documents(user, notice_case(evidence.notice))


def evidence_open(*, user, pk: int, via: str) -> tuple[EvidenceFile, bytes]:
    """The file and its bytes for a user allowed to see it, logged on the case; anyone else,
    and a file deleted under the retention rules, gets 404."""
    evidence = (
        EvidenceFile.objects.select_related("notice__case", "notice__joined__case")
        .filter(pk=pk)
        .first()
    )
    if evidence is None or not can_view_evidence(user, evidence):
        raise Http404(_("No evidence file you may see has this id."))
    try:
        data = evidence_bytes(evidence)
    except EvidencePurged:
        raise Http404(_("This evidence file was deleted under the retention rules.")) from None
    if evidence.kind not in NOT_LOGGED:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=notice_case(evidence.notice).pk)
            log_append(
                case=case,
                actor=Actor.staff(user),
                action="evidence_viewed",
                from_state=case.state,
                details={
                    "evidence_id": evidence.pk,
                    "kind": evidence.kind,
                    "sha256": evidence.sha256,
                    "notice": evidence.notice.reference,
                    "via": via,
                },
            )
    return evidence, data

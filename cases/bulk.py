"""Bulk decisions from the review queue: the same decision on several selected cases.

Two steps, so that nothing happens without a confirmation: ``bulk_preview`` lists exactly the
selected cases and what will happen to each (changing nothing), and ``bulk_apply`` then takes
each case through the services one by one (claim it if nobody holds it, then decide), reporting
per case what happened, and why a case was skipped.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .errors import CaseError, InvalidInput
from .models import Case, Decision, State
from .roles import Actor
from .selectors import queue_cases

# A bulk decision is for clearing a run of similar cases, not the whole queue at once.
BULK_MAX_CASES = 50
BULK_OUTCOMES = {
    Decision.Outcome.UPHOLD: gettext_lazy("Uphold"),
    Decision.Outcome.REJECT: gettext_lazy("Reject"),
}
# A first decision can be taken in bulk; appeals and disputes are decided one by one.
BULK_STATES = {State.RECEIVED, State.IN_REVIEW}


@dataclass
class BulkRequest:
    case_ids: list[int]
    outcome: str
    ground: str
    reasons: str


@dataclass
class BulkRow:
    case: Case
    plan: str  # what will happen (preview) or what happened (apply)
    skipped: str = ""  # why the case is (or was) left alone; empty when it is decided


def bulk_request(data, *, confirming: bool = False) -> BulkRequest:
    """Validate the selection and the decision; InvalidInput says what is wrong."""
    errors = []
    case_ids: list[int] = []
    for value in data.getlist("case"):
        try:
            case_ids.append(int(value))
        except ValueError:
            errors.append(_("%(value)r is not a case number.") % {"value": value})
    case_ids = list(dict.fromkeys(case_ids))
    if not case_ids and not errors:
        errors.append(_("Select at least one case (tick its box, or press x on its row)."))
    if len(case_ids) > BULK_MAX_CASES:
        errors.append(
            _("At most %(max)d cases can be decided at once; %(count)d were selected.")
            % {"max": BULK_MAX_CASES, "count": len(case_ids)}
        )
    outcome = data.get("outcome", "")
    if outcome not in BULK_OUTCOMES:
        errors.append(_("Choose whether to uphold or reject the selected cases."))
    ground = data.get("ground", "")
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    if outcome in BULK_OUTCOMES and outcome not in grounds.get(ground, {}).get("outcomes", []):
        errors.append(_("Choose a ground that applies to this outcome."))
    reasons = (data.get("reasons") or "").strip()
    if not reasons:
        errors.append(_("A statement of reasons is required: it is sent to the parties."))
    if errors:
        raise InvalidInput(" ".join(errors))
    return BulkRequest(case_ids=case_ids, outcome=outcome, ground=ground, reasons=reasons)


def _cases(case_ids: list[int]) -> list[Case]:
    found = {case.pk: case for case in queue_cases().filter(pk__in=case_ids)}
    missing = [str(pk) for pk in case_ids if pk not in found]
    if missing:
        raise InvalidInput(_("No case %(ids)s.") % {"ids": ", ".join(missing)})
    return [found[pk] for pk in case_ids]


def _plan(case: Case, request: BulkRequest) -> str:
    if request.outcome == Decision.Outcome.REJECT:
        return _("Reject: no measure; the notifier gets the statement of reasons.")
    measure = case.notice.get_requested_measure_display()
    items = ", ".join(item.content_id for item in case.notice.items.all())
    return _("Uphold: %(measure)s for %(items)s.") % {"measure": measure, "items": items}


def _why_not(case: Case, actor: Actor, now) -> str:
    """Why this case would be skipped, as far as can be seen before trying."""
    if case.state not in BULK_STATES:
        return _("It is %(state)s: only received or in-review cases are decided in bulk.") % {
            "state": case.get_state_display()
        }
    if services.claim_is_live(case, now) and case.claimed_by_id != actor.user_id:
        return _("Claimed by %(user)s until %(time)s.") % {
            "user": case.claimed_by.get_username(),
            "time": formats.time_format(timezone.localtime(case.claim_expires_at)),
        }
    return ""


def bulk_preview(request: BulkRequest, *, actor: Actor) -> list[BulkRow]:
    """What applying would do to each selected case. Changes nothing."""
    now = timezone.now()
    return [
        BulkRow(case=case, plan=_plan(case, request), skipped=_why_not(case, actor, now))
        for case in _cases(request.case_ids)
    ]


def bulk_apply(request: BulkRequest, *, actor: Actor) -> list[BulkRow]:
    """Decide each selected case through the services, each in its own transaction: one
    case that cannot be decided is reported and skipped, the others go ahead."""
    rows = []
    for case in _cases(request.case_ids):
        plan = _plan(case, request)
        why = _why_not(case, actor, timezone.now())
        if why:
            rows.append(BulkRow(case=case, plan=plan, skipped=why))
            continue
        claimed_here = False
        try:
            if not (services.claim_is_live(case) and case.claimed_by_id == actor.user_id):
                services.case_claim(case_id=case.pk, actor=actor)
                claimed_here = True
            services.case_decide(
                case_id=case.pk,
                actor=actor,
                outcome=request.outcome,
                reasons=request.reasons,
                ground=request.ground,
                measure=case.notice.requested_measure
                if request.outcome == Decision.Outcome.UPHOLD
                else None,
            )
        except CaseError as error:
            if claimed_here:
                # Leave the case as it was found: unclaimed, for someone to review alone.
                with contextlib.suppress(CaseError):
                    services.case_release(case_id=case.pk, actor=actor)
            rows.append(BulkRow(case=case, plan=plan, skipped=error.message))
        else:
            rows.append(BulkRow(case=case, plan=plan))
    return rows

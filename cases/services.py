"""The case state machine and every write on a case.

Views, the API, admin actions, tasks and commands call these functions; nothing else changes
a case's state. Each transition locks the case row, checks the from-state and the actor's role,
applies the change, appends the action-log entry in the same transaction, and schedules side
effects (tasks, e-mails) with ``transaction.on_commit``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notices.models import Measure, ReportedItem
from takedown.enqueue import enqueue_on_commit

from . import policy, signals
from .actionlog import log_append
from .end_dates import checked_ends_on
from .errors import CaseNotFound, Conflict, InvalidInput, NotAllowed
from .models import RESTORE, Appeal, Case, Decision, PlatformMeasure, State
from .roles import ADMIN, COMPLAINANT, LEGAL, MODERATOR, SYSTEM, UPLOADER, Actor

STAFF = frozenset({MODERATOR, LEGAL, ADMIN})

# (from-state, action) -> to-state. Anything not listed is refused with 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.RECEIVED, "claim"): State.IN_REVIEW,
    (State.IN_REVIEW, "claim"): State.IN_REVIEW,
    (State.IN_REVIEW, "release"): State.IN_REVIEW,
    (State.IN_REVIEW, "uphold"): State.ACTIONED,
    (State.IN_REVIEW, "reject"): State.REJECTED,
    (State.IN_REVIEW, "request_info"): State.NEEDS_INFO,
    (State.NEEDS_INFO, "provide_info"): State.RECEIVED,
    (State.RECEIVED, "withdraw"): State.WITHDRAWN,
    (State.NEEDS_INFO, "withdraw"): State.WITHDRAWN,
    (State.IN_REVIEW, "withdraw"): State.WITHDRAWN,
    (State.NEEDS_INFO, "close"): State.CLOSED,
    (State.ACTIONED, "close"): State.CLOSED,
    (State.REJECTED, "close"): State.CLOSED,
    (State.WITHDRAWN, "close"): State.CLOSED,
    (State.RECEIVED, "close_no_action"): State.CLOSED,
    # Counter-notice (Civil Code art. 1196, DMCA 512(g)): the uploader contests the measure;
    # the complainant may prove a complaint or lawsuit within the waiting period, else the
    # content is restored.
    (State.ACTIONED, "counter_notice"): State.COUNTER_NOTICED,
    (State.COUNTER_NOTICED, "counter_notice"): State.COUNTER_NOTICED,
    (State.COUNTER_NOTICED, "legal_action_proof"): State.DISPUTED,
    (State.COUNTER_NOTICED, "restore"): State.RESTORED,
    # One uploader's period ended while another's still runs: restore theirs, keep waiting.
    (State.COUNTER_NOTICED, "restore_expired"): State.COUNTER_NOTICED,
    (State.DISPUTED, "maintain"): State.ACTIONED,
    (State.DISPUTED, "restore_after_dispute"): State.RESTORED,
    (State.RESTORED, "close"): State.CLOSED,
    # A temporary measure (a decision's end date) lifts itself when the date has passed.
    (State.ACTIONED, "expire_measure"): State.RESTORED,
    (State.COUNTER_NOTICED, "expire_measure"): State.RESTORED,
    (State.DISPUTED, "expire_measure"): State.RESTORED,
    # Appeals (DSA art. 20) against the latest decision, decided by another reviewer.
    (State.ACTIONED, "appeal"): State.APPEALED,
    (State.REJECTED, "appeal"): State.APPEALED,
    (State.CLOSED, "appeal"): State.APPEALED,
    # Only against a decision that lifted a disputed measure (checked by the redress rules).
    (State.RESTORED, "appeal"): State.APPEALED,
    (State.APPEALED, "claim"): State.APPEALED,
    (State.APPEALED, "release"): State.APPEALED,
    (State.APPEALED, "uphold"): State.ACTIONED,
    (State.APPEALED, "reject"): State.REJECTED,
}

# Who may ask for each action.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "claim": STAFF,
    "release": STAFF,
    "uphold": STAFF,
    "reject": STAFF,
    "request_info": STAFF,
    "provide_info": frozenset({COMPLAINANT}),
    "withdraw": frozenset({COMPLAINANT}),
    "close": frozenset({LEGAL, ADMIN, SYSTEM}),
    # Every reported item was already removed when checked: nothing is left to decide.
    "close_no_action": frozenset({SYSTEM}),
    "counter_notice": frozenset({UPLOADER}),
    "legal_action_proof": frozenset({COMPLAINANT}),
    # After the waiting period; or when staff review a disputed measure.
    "restore": frozenset({SYSTEM}),
    "restore_expired": frozenset({SYSTEM}),
    "maintain": frozenset({LEGAL, ADMIN}),
    "restore_after_dispute": frozenset({LEGAL, ADMIN}),
    "appeal": frozenset({COMPLAINANT, UPLOADER}),
    "expire_measure": frozenset({SYSTEM}),
}

ACTIONS = tuple(ACTION_ROLES)


def allowed_actions(state: str) -> list[str]:
    return [action for (from_state, action) in TRANSITIONS if from_state == state]


def _describe_allowed(state: str) -> str:
    # What a person may do next: steps only the system takes are not offered.
    actions = [a for a in allowed_actions(state) if ACTION_ROLES.get(a) != {SYSTEM}]
    if not actions:
        return _("A case in state %(state)s allows no further action.") % {"state": state}
    return _("From %(state)s the allowed actions are: %(actions)s.") % {
        "state": state,
        "actions": ", ".join(actions),
    }


def case_transition(
    *,
    case_id: int,
    action: str,
    actor: Actor,
    reasons: str = "",
    details: dict | None = None,
    public_summary: str = "",
    apply: Callable[[Case], list[str]] | None = None,
    check: Callable[[Case], None] | None = None,
) -> Case:
    """Move a case through ``action``; the one place that changes ``Case.state``.

    ``check`` may raise to refuse (after the lock, before any change); ``apply`` makes the
    action's own changes and returns the extra field names it set on the case.
    """
    if action not in ACTION_ROLES:
        raise InvalidInput(
            _("Unknown action %(action)r. Known actions: %(known)s.")
            % {"action": action, "known": ", ".join(ACTIONS)}
        )
    if not (actor.roles & ACTION_ROLES[action]):
        people = sorted(ACTION_ROLES[action] - {SYSTEM})
        if not people:
            raise NotAllowed(
                _("Nobody may %(action)s a case: the system does it when its deadline comes.")
                % {"action": action.replace("_", " ")}
            )
        who = " or ".join(
            f"the {role}" if role in (COMPLAINANT, UPLOADER) else role for role in people
        )
        raise NotAllowed(
            _("Your role may not %(action)s a case; only %(who)s may.")
            % {"action": action.replace("_", " "), "who": who}
        )
    with transaction.atomic():
        try:
            case = Case.objects.select_for_update().get(pk=case_id)
        except Case.DoesNotExist:
            raise CaseNotFound(_("Case %(id)s does not exist.") % {"id": case_id}) from None
        from_state = case.state
        to_state = TRANSITIONS.get((from_state, action))
        if to_state is None:
            raise Conflict(
                _("The action %(action)s is not possible in state %(state)s.")
                % {"action": action, "state": from_state}
                + " "
                + _describe_allowed(from_state)
            )
        if check is not None:
            check(case)
        case.state = to_state
        changed = ["state", "updated_at"]
        if apply is not None:
            changed += apply(case)
        case.save(update_fields=changed)
        log_append(
            case=case,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            reasons=reasons,
            details=details,
            public_summary=public_summary,
        )
    return case


# --- claims --------------------------------------------------------------------------------


def claim_is_live(case: Case, now=None) -> bool:
    now = now or timezone.now()
    return bool(case.claimed_by_id and case.claim_expires_at and case.claim_expires_at > now)


def case_claim(*, case_id: int, actor: Actor) -> Case:
    """Claim a case (a lease of TAKEDOWN_CLAIM_MINUTES). Someone else's live claim is a 409."""

    def check(case: Case) -> None:
        _appeal_reviewer_check(case, actor)
        if claim_is_live(case) and case.claimed_by_id != actor.user_id:
            raise Conflict(
                _(
                    "Case %(id)s is claimed by %(holder)s until %(until)s UTC. Wait for the "
                    "claim to lapse or ask them to release it."
                )
                % {
                    "id": case.pk,
                    "holder": case.claimed_by.get_username(),
                    "until": f"{case.claim_expires_at:%Y-%m-%d %H:%M}",
                }
            )

    def apply(case: Case) -> list[str]:
        case.claimed_by = actor.user
        case.claim_expires_at = timezone.now() + timedelta(minutes=settings.TAKEDOWN_CLAIM_MINUTES)
        return ["claimed_by", "claim_expires_at"]

    return case_transition(
        case_id=case_id,
        action="claim",
        actor=actor,
        check=check,
        apply=apply,
        public_summary=gettext_noop("A reviewer started examining your notice."),
    )


def case_release(*, case_id: int, actor: Actor) -> Case:
    def check(case: Case) -> None:
        if case.claimed_by_id != actor.user_id and ADMIN not in actor.roles:
            raise Conflict(_("You can only release a claim you hold."))

    def apply(case: Case) -> list[str]:
        case.claimed_by = None
        case.claim_expires_at = None
        return ["claimed_by", "claim_expires_at"]

    return case_transition(case_id=case_id, action="release", actor=actor, check=check, apply=apply)


def _require_own_live_claim(case: Case, actor: Actor) -> None:
    if case.claimed_by_id != actor.user_id:
        holder = case.claimed_by.get_username() if case.claimed_by_id else _("nobody")
        raise Conflict(
            _("You have not claimed case %(id)s (claimed by %(holder)s). Claim it before deciding.")
            % {"id": case.pk, "holder": holder}
        )
    if not claim_is_live(case):
        raise Conflict(
            _(
                "Your claim on case %(id)s lapsed at %(at)s UTC. Claim it again and review it "
                "before deciding."
            )
            % {"id": case.pk, "at": f"{case.claim_expires_at:%Y-%m-%d %H:%M}"}
        )


# --- decisions -----------------------------------------------------------------------------

OUTCOME_ACTION = {
    Decision.Outcome.UPHOLD: "uphold",
    Decision.Outcome.REJECT: "reject",
    Decision.Outcome.REQUEST_INFO: "request_info",
}

PUBLIC_SUMMARY = {
    "uphold": gettext_noop(
        "Your notice was upheld; the measures are being applied on the platform."
    ),
    "reject": gettext_noop("Your notice was rejected. The statement of reasons is below."),
    "request_info": gettext_noop("We need more information from you."),
}


# In ``items``, this measure upholds the notice for the other items but not for this one.
NO_MEASURE = "none"


def _measures_by_item(case: Case, measure: str | None, items: list | None) -> dict[int, str | None]:
    """Validate the measure for every item: one for all, or one per item id, where "none"
    leaves that item alone (the notice is not upheld for it)."""
    item_ids = list(case.notice.items.values_list("pk", flat=True))
    valid = set(Measure.values)
    if items:
        chosen: dict[int, str | None] = {}
        errors = []
        for entry in items:
            if not isinstance(entry, dict) or "id" not in entry:
                errors.append('Each entry of items needs an "id" and a "measure".')
                continue
            item_id, item_measure = entry.get("id"), entry.get("measure") or measure
            if item_id not in item_ids:
                errors.append(
                    _("Item %(item)s is not part of case %(case)s.")
                    % {"item": item_id, "case": case.pk}
                )
            elif item_measure == NO_MEASURE:
                chosen[item_id] = None
            elif item_measure not in valid:
                errors.append(
                    _("Item %(item)s: measure must be one of %(valid)s or %(none)s.")
                    % {"item": item_id, "valid": ", ".join(sorted(valid)), "none": NO_MEASURE}
                )
            else:
                chosen[item_id] = item_measure
        missing = [i for i in item_ids if i not in chosen]
        if missing and not errors:
            errors.append(
                _("Upholding needs a measure (or none) for every item; missing: %(missing)s.")
                % {"missing": ", ".join(str(i) for i in missing)}
            )
        if not errors and not any(chosen.values()):
            errors.append(_("No item gets a measure: to act on none of them, reject the notice."))
        if errors:
            raise InvalidInput(" ".join(errors), field_errors={"items": errors})
        return chosen
    if measure not in valid:
        message = _("Upholding needs a measure: one of %(valid)s.") % {
            "valid": ", ".join(sorted(valid))
        }
        raise InvalidInput(message, field_errors={"measure": [message]})
    return {item_id: measure for item_id in item_ids}


def _decision_ground(outcome: str, ground: str | None) -> dict:
    """The configured ground a decision gives; required for uphold and reject."""
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    allowed = [key for key, spec in grounds.items() if outcome in spec["outcomes"]]
    if ground in allowed:
        return grounds[ground]
    if not ground:
        message = _("A ground is required to %(outcome)s: one of %(allowed)s.") % {
            "outcome": outcome,
            "allowed": ", ".join(allowed),
        }
    else:
        message = _("Ground %(ground)r does not apply to %(outcome)s; use one of %(allowed)s.") % {
            "ground": ground,
            "outcome": outcome,
            "allowed": ", ".join(allowed),
        }
    raise InvalidInput(message, field_errors={"ground": [message]})


# Taking content down or disconnecting its link acts everywhere at once; only withholding it
# (block) can be limited to some countries, and the platform is told which.
SCOPED_MEASURES = frozenset({"block"})


def _refuse_scope_for_global_measures(measures) -> None:
    global_ones = sorted({m for m in measures if m and m not in SCOPED_MEASURES})
    if global_ones:
        message = _(
            "Only block can be limited to some countries; %(measures)s always applies "
            "everywhere. Leave territorial_scope empty, or block instead."
        ) % {"measures": ", ".join(global_ones)}
        raise InvalidInput(message, field_errors={"territorial_scope": [message]})


def _territorial_scope(scope) -> list[str]:
    if scope in (None, ""):
        return list(settings.TAKEDOWN_TERRITORIAL_SCOPE)
    codes = scope if isinstance(scope, list) else [scope]
    bad = policy.invalid_country_codes(codes)
    if bad:
        message = _(
            "territorial_scope must list ISO 3166-1 alpha-2 country codes; not a country code: "
            "%(bad)s."
        ) % {"bad": ", ".join(map(str, bad))}
        raise InvalidInput(message, field_errors={"territorial_scope": [message]})
    return sorted({c.upper() for c in codes})


def redress_text(*, on_appeal: bool = False) -> str:
    """The redress the parties are told of with every decision (DSA arts. 17(3)(f), 20, 21),
    as recorded on the decision: in English, the record's language."""
    with translation.override("en"):
        return policy.redress_words(
            on_appeal=on_appeal, months=settings.TAKEDOWN_APPEAL_WINDOW_MONTHS
        )


def live_measures(case: Case):
    """Measures on the case's items that are in force or on their way, and not lifted."""
    return PlatformMeasure.objects.filter(
        case=case,
        status__in=[PlatformMeasure.Status.PENDING, PlatformMeasure.Status.APPLIED],
        lifted_by__isnull=True,
    ).exclude(measure=RESTORE)


def lift_measures(measures, *, decision=None, actor: Actor) -> list[PlatformMeasure]:
    """Record the restore operations lifting ``measures`` (applied by a task after commit) and
    announce them: what depends on a measure being in force (the staydown bank) lets go now,
    not when the platform gets round to restoring."""
    measures = list(measures)
    rows = PlatformMeasure.objects.bulk_create(
        [
            PlatformMeasure(
                case_id=measure.case_id,
                item_id=measure.item_id,
                decision=decision,
                measure=RESTORE,
                lifts=measure,
                idempotency_key=f"td-restore-{uuid.uuid4()}",
                requested_by=actor.user,
            )
            for measure in measures
        ]
    )
    if measures:
        signals.restore_decided.send(sender=PlatformMeasure, measures=measures)
    return rows


def open_appeal(case: Case) -> Appeal | None:
    return case.appeals.filter(decided_at__isnull=True).select_related("appealed_decision").first()


def _appeal_reviewer_check(case: Case, actor: Actor) -> Appeal | None:
    """On an appealed case, the reviewer who took the appealed decision may not act."""
    if case.state != State.APPEALED:
        return None
    appeal = open_appeal(case)
    if appeal is not None and appeal.appealed_decision.decided_by_id == actor.user_id:
        raise NotAllowed(
            _(
                "You took the decision under appeal on case %(id)s: a different reviewer must "
                "decide the appeal."
            )
            % {"id": case.pk}
        )
    return appeal


def _refuse_lifting_other_uploaders(case: Case, appeal: Appeal) -> None:
    """An uploader's appeal concerns their own content: rejecting the notice on it would also
    lift the measures on other uploaders' content, who did not appeal."""
    if appeal.party != Appeal.Party.UPLOADER:
        return
    from .redress import uploader_items

    theirs = list(uploader_items(appeal.uploader_access).values_list("pk", flat=True))
    if live_measures(case).exclude(item__in=theirs).exists():
        ids = ", ".join(str(pk) for pk in theirs)
        message = _(
            "This appeal is by one uploader, and the case restricts other uploaders' content "
            "too: rejecting would lift their measures as well. To grant the appeal, uphold with "
            'items, giving "measure": "none" for the appellant\'s items (%(ids)s).'
        ) % {"ids": ids}
        raise InvalidInput(message, field_errors={"outcome": [message]})


def case_decide(
    *,
    case_id: int,
    actor: Actor,
    outcome: str,
    reasons: str,
    measure: str | None = None,
    items: list | None = None,
    private_notes: str = "",
    ground: str | None = None,
    territorial_scope=None,
    ends_on=None,
    manifestly_unfounded: bool = False,
) -> Decision:
    """Record a reviewer's decision with its statement of reasons.

    Upholding schedules the measures on the platform; on appeal, the decision also lifts the
    measures it no longer supports (restore). An appeal is decided by another reviewer.
    """
    from . import notifications, standing, tasks

    if outcome not in OUTCOME_ACTION:
        message = _("outcome must be one of %(allowed)s.") % {"allowed": ", ".join(OUTCOME_ACTION)}
        raise InvalidInput(message, field_errors={"outcome": [message]})
    reasons = (reasons or "").strip()
    if not reasons:
        message = _("A statement of reasons is required: it is sent to the parties.")
        raise InvalidInput(message, field_errors={"reasons": [message]})
    action = OUTCOME_ACTION[outcome]
    ground_spec = _decision_ground(outcome, ground) if action != "request_info" else None
    if manifestly_unfounded and action != "reject":
        message = _("Only a rejected notice can be marked manifestly unfounded.")
        raise InvalidInput(message, field_errors={"manifestly_unfounded": [message]})
    scope_given = territorial_scope not in (None, "", [])
    if action != "uphold" and (scope_given or ends_on not in (None, "")):
        message = _(
            "territorial_scope and ends_on describe a measure: give them only when upholding."
        )
        raise InvalidInput(
            message, field_errors={"territorial_scope": [message], "ends_on": [message]}
        )
    scope = _territorial_scope(territorial_scope)
    ends_on = checked_ends_on(ends_on) if action == "uphold" else None
    created: dict = {}
    details: dict = {"outcome": outcome}

    def check(case: Case) -> None:
        created["appeal"] = _appeal_reviewer_check(case, actor)
        if created["appeal"] is not None:
            details["appeal_id"] = created["appeal"].pk
            if action == "reject":
                _refuse_lifting_other_uploaders(case, created["appeal"])
        _require_own_live_claim(case, actor)
        if action == "uphold":
            created["measures"] = _measures_by_item(case, measure, items)
            if scope_given:
                _refuse_scope_for_global_measures(created["measures"].values())

    def apply(case: Case) -> list[str]:
        appeal = created["appeal"]
        decision = Decision.objects.create(
            case=case,
            outcome=outcome,
            reasons=reasons,
            private_notes=private_notes,
            decided_by=actor.user,
            replaces=case.decisions.order_by("-pk").first(),
            ground=ground if ground_spec else "",
            ground_reference=ground_spec["reference"] if ground_spec else "",
            territorial_scope=scope if action == "uphold" else [],
            ends_on=ends_on if action == "uphold" else None,
            # Content reaches review through a notice, and a person decides: image matching
            # only orders the queue and informs the reviewer.
            automated_detection=False,
            automated_decision=False,
            redress=redress_text(on_appeal=appeal is not None) if action != "request_info" else "",
            manifestly_unfounded=manifestly_unfounded,
            appeal=appeal,
        )
        created["decision"] = decision
        notice_items = list(case.notice.items.all())
        was_upheld = {
            item.pk for item in notice_items if item.outcome == ReportedItem.Outcome.UPHELD
        }
        chosen = created.get("measures") or {item.pk: None for item in notice_items}
        live = {m.item_id: m for m in live_measures(case)}
        if action in ("uphold", "reject"):
            rows = []
            for item in notice_items:
                wanted = chosen[item.pk] if action == "uphold" else None
                if wanted:
                    item.measure = wanted
                    item.outcome = ReportedItem.Outcome.UPHELD
                    if item.pk not in live:
                        rows.append(
                            PlatformMeasure(
                                case=case,
                                item=item,
                                decision=decision,
                                measure=wanted,
                                idempotency_key=f"td-measure-{uuid.uuid4()}",
                                requested_by=actor.user,
                            )
                        )
                else:
                    item.measure = ""
                    item.outcome = ReportedItem.Outcome.REJECTED
            lifted = [m for item_id, m in live.items() if not chosen.get(item_id)]
            if action == "reject":
                lifted = list(live.values())
            ReportedItem.objects.bulk_update(notice_items, ["measure", "outcome"])
            # A reversal may leave an uploader below the repeat-infringer threshold.
            # In a stable order: two decisions reconsidering the same uploaders lock their
            # flags in the same order, so they cannot deadlock.
            for uploader_id in sorted(
                {
                    item.uploader_id
                    for item in notice_items
                    if item.pk in was_upheld and item.outcome != ReportedItem.Outcome.UPHELD
                }
            ):
                standing.reconsider_uploader(case=case, uploader_id=uploader_id)
            created["measure_rows"] = PlatformMeasure.objects.bulk_create(rows) + lift_measures(
                lifted, decision=decision, actor=actor
            )
        case.claimed_by = None
        case.claim_expires_at = None
        fields = ["claimed_by", "claim_expires_at"]
        if action == "request_info":
            case.info_due_at = timezone.now() + timedelta(days=settings.TAKEDOWN_NEEDS_INFO_DAYS)
            fields.append("info_due_at")
        if appeal is not None:
            Appeal.objects.filter(pk=appeal.pk).update(decided_at=timezone.now())
            case.review_due_at = None
            case.escalated_at = None
            fields += ["review_due_at", "escalated_at"]
        elif action != "request_info":
            case.escalated_at = None
            fields.append("escalated_at")
        if manifestly_unfounded:
            standing.review_notifier(case=case, decision=decision)
        return fields

    if ground_spec:
        details["ground"] = ground
    if measure:
        details["measure"] = measure
    if items:
        details["items"] = items
    if manifestly_unfounded:
        details["manifestly_unfounded"] = True
    summary = PUBLIC_SUMMARY[action]
    case = case_transition(
        case_id=case_id,
        action=action,
        actor=actor,
        reasons=reasons,
        details=details,
        public_summary=summary,
        check=check,
        apply=apply,
    )
    decision = created["decision"]
    if created["appeal"] is not None and created["appeal"].party == Appeal.Party.UPLOADER:
        enqueue_on_commit(tasks.notify_appeal_outcome, created["appeal"].pk)
    for row in created.get("measure_rows", []):
        enqueue_on_commit(tasks.execute_measure, row.pk)
    notifications.schedule_decision_email(case=case, decision=decision)
    return decision


# --- complainant actions -------------------------------------------------------------------


def case_withdraw(*, case_id: int, reasons: str = "") -> Case:
    return case_transition(
        case_id=case_id,
        action="withdraw",
        actor=Actor.complainant(),
        reasons=reasons,
        public_summary=gettext_noop("You withdrew your notice."),
    )


def case_provide_info(*, case_id: int, message: str) -> Case:
    message = (message or "").strip()
    if not message:
        raise InvalidInput(
            _("Tell us the information that was asked for."),
            field_errors={"message": [_("Required.")]},
        )

    def apply(case: Case) -> list[str]:
        case.info_due_at = None
        # The decision clock stood still while we waited for the complainant: the first
        # decision is due as much later as the request was open.
        asked = (
            case.decisions.filter(outcome=Decision.Outcome.REQUEST_INFO)
            .order_by("-pk")
            .values_list("decided_at", flat=True)
            .first()
        )
        if asked is not None and case.due_at is not None:
            case.due_at += timezone.now() - asked
        return ["info_due_at", "due_at"]

    return case_transition(
        case_id=case_id,
        action="provide_info",
        actor=Actor.complainant(),
        reasons=message,
        apply=apply,
        public_summary=gettext_noop(
            "You sent the information requested; your notice is back in the queue."
        ),
    )


def case_close(
    *,
    case_id: int,
    actor: Actor,
    reasons: str = "",
    public_summary: str = gettext_noop("Your case was closed."),
) -> Case:
    return case_transition(
        case_id=case_id, action="close", actor=actor, reasons=reasons, public_summary=public_summary
    )


def case_close_already_removed(*, case_id: int) -> Case:
    """Close a notice whose every item the platform had already removed, and tell the
    complainant so: no further action is needed."""
    from .notifications import schedule_already_removed_email

    def apply(case: Case) -> list[str]:
        case.notice.items.update(outcome=ReportedItem.Outcome.ALREADY_REMOVED)
        return []

    case = case_transition(
        case_id=case_id,
        action="close_no_action",
        actor=Actor.system(),
        reasons="Every reported item was already removed from the platform.",
        apply=apply,
        public_summary=gettext_noop(
            "The reported content was already removed: no further action needed."
        ),
    )
    schedule_already_removed_email(case=case)
    return case


# --- the reviewer's console ----------------------------------------------------------------


def case_claim_renew(*, case_id: int, actor: Actor, now=None) -> bool:
    """Extend the actor's live claim to a full lease from now.

    A claim is kept by its holder's activity on the case (opening it, revealing the photos,
    deciding) and lapses when left idle for TAKEDOWN_CLAIM_MINUTES. A compare-and-swap on the
    holder and the expiry, so a claim that already lapsed (or someone else's) is never revived;
    no log entry, since activity changes nothing on the case. True when a claim was renewed.
    """
    now = now or timezone.now()
    renewed = Case.objects.filter(
        pk=case_id, claimed_by_id=actor.user_id, claim_expires_at__gt=now
    ).update(claim_expires_at=now + timedelta(minutes=settings.TAKEDOWN_CLAIM_MINUTES))
    return renewed == 1

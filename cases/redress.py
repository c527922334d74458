"""After a decision: the uploader's counter-notice and the complainant's proof of legal action
(Civil Code arts. 1195-1196, DMCA 512(g)), the restore when the waiting period passes, the
review of a disputed measure, and appeals by either party (DSA art. 20).

Every state change goes through ``services.case_transition``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from notices.models import EvidenceFile, ReportedItem
from notices.services import evidence_removed_on_failure, store_evidence
from notices.uploads import CleanUpload
from takedown.enqueue import enqueue_on_commit

from . import policy
from .actionlog import log_append
from .checks import public_holidays
from .errors import Conflict, InvalidInput
from .models import (
    Appeal,
    Case,
    CounterNotice,
    Decision,
    PlatformMeasure,
    State,
    UploaderAccess,
)
from .notifications import email_complainant
from .roles import Actor
from .services import TRANSITIONS, case_transition, lift_measures, live_measures, open_appeal

# --- the uploader's private link --------------------------------------------------------------


def uploader_access_for_token(reference: str, token: str | None) -> UploaderAccess | None:
    """The access if the token opens that case; None otherwise, whatever the reason."""
    token_hash = UploaderAccess.hash_token(token or "")
    access = (
        UploaderAccess.objects.filter(token_hash=token_hash).select_related("case__notice").first()
    )
    if access is None or access.case.reference != reference:
        return None
    return access


def uploader_items(access: UploaderAccess):
    uploader_id = access.uploader_id
    items = access.case.notice.items.all()
    if uploader_id.startswith("content:"):
        return items.filter(content_id=uploader_id.removeprefix("content:"))
    return items.filter(uploader_id=uploader_id)


# --- counter-notice -----------------------------------------------------------------------------


def _required_text(fields: dict, name: str, label: str, errors: dict) -> str:
    value = (fields.get(name) or "").strip()
    if not value:
        errors[name] = [gettext("%(label)s is required.") % {"label": label}]
    return value


def good_faith_missing() -> str:
    """What to confirm when the good-faith declaration is missing: the declaration the
    policy's law asks for (DMCA 512(g)(3)(C); Civil Code art. 1196)."""
    if settings.TAKEDOWN_COUNTER_NOTICE_POLICY == policy.DMCA:
        return gettext(
            "Confirm that you believe in good faith, under penalty of perjury, that the "
            "content was acted on by mistake or misidentification."
        )
    return gettext(
        "Confirm that you declare in good faith that your use does not infringe the rights of "
        "the person shown, and that what you state is true."
    )


def counter_notice_file(
    *, access: UploaderAccess, fields: dict, evidence: list[CleanUpload]
) -> CounterNotice:
    """The uploader contests the measure on their content. It needs preliminary evidence and
    their real identity (art. 1196; under the DMCA policy also address, phone and consent to
    jurisdiction); it is forwarded to the complainant, and the waiting period starts."""
    _refuse_for_the_party(Case.objects.get(pk=access.case_id), "counter_notice")
    dmca = settings.TAKEDOWN_COUNTER_NOTICE_POLICY == policy.DMCA
    errors: dict = {}
    name = _required_text(fields, "name", gettext("Your full legal name"), errors)
    email = _required_text(fields, "email", gettext("Your e-mail address"), errors)
    statement = _required_text(
        fields, "statement", gettext("A statement of why your use is lawful"), errors
    )
    signature = _required_text(
        fields, "signature", gettext("Your signature (type your full name)"), errors
    )
    address = (fields.get("address") or "").strip()
    phone = (fields.get("phone") or "").strip()
    if not fields.get("good_faith"):
        errors["good_faith"] = [good_faith_missing()]
    if dmca:
        if not address:
            errors["address"] = [gettext("Your postal address is required.")]
        if not phone:
            errors["phone"] = [gettext("Your telephone number is required.")]
        if not fields.get("consent_to_jurisdiction"):
            errors["consent_to_jurisdiction"] = [gettext("Consent to the jurisdiction of a court.")]
    if not evidence:
        errors["evidence"] = [
            gettext(
                "Attach preliminary evidence that your use is lawful (for example the person's "
                "consent or a licence)."
            )
        ]
    if errors:
        raise InvalidInput(
            gettext("The counter-notice is incomplete; nothing was sent."), field_errors=errors
        )
    created: dict = {}

    def check(case: Case) -> None:
        _refuse_for_the_party(case, "counter_notice")
        if CounterNotice.objects.filter(access=access).exists():
            raise Conflict(gettext("You have already sent a counter-notice on this case."))
        if not live_measures(case).filter(item__in=uploader_items(access)).exists():
            raise Conflict(gettext("No measure is in force on your content in this case."))

    def apply(case: Case) -> list[str]:
        received = timezone.now()
        period = policy.counter_notice_waiting_period(
            received,
            policy=settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
            days=settings.TAKEDOWN_COUNTER_NOTICE_DAYS,
            business_days=settings.TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS,
            holidays=public_holidays(),
        )
        counter = CounterNotice.objects.create(
            case=case,
            access=access,
            name=name,
            email=email,
            phone=phone,
            address=address,
            statement=statement,
            good_faith=True,
            consent_to_jurisdiction=bool(fields.get("consent_to_jurisdiction")),
            signature=signature,
            policy=settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
            policy_basis=period.basis,
            waiting_period_ends_at=period.ends_at,
        )
        counter.evidence.set(
            [
                store_evidence(case.notice, EvidenceFile.Kind.COUNTER_EVIDENCE, upload)
                for upload in evidence
            ]
        )
        created["counter"] = counter
        ends = [period.ends_at]
        if case.restore_due_at is not None:
            ends.append(case.restore_due_at)
        case.restore_due_at = min(ends)
        return ["restore_due_at"]

    # A refusal after the files were written (a second counter-notice racing this one) takes
    # them out of storage again.
    with evidence_removed_on_failure():
        case = case_transition(
            case_id=access.case_id,
            action="counter_notice",
            actor=Actor.uploader(),
            reasons=statement,
            details={
                "uploader_access_id": access.pk,
                "policy": settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
            },
            public_summary=gettext_noop(
                "The uploader sent a counter-notice. You may show that you complained to the "
                "authorities or went to court before the waiting period ends."
            ),
            check=check,
            apply=apply,
        )
    counter = created["counter"]
    email_complainant(case, "counter_notice_forwarded", counter=counter)
    return counter


def legal_action_proof(*, case_id: int, message: str, files: list[CleanUpload]) -> Case:
    """The complainant shows a complaint to the authorities or a lawsuit, within the waiting
    period: the measure stays, the restore is cancelled and staff review the dispute."""
    from . import tasks

    message = (message or "").strip()
    errors = {}
    if not message:
        errors["message"] = [gettext("Say which authority or court, and the date and reference.")]
    if not files:
        errors["files"] = [
            gettext("Attach the proof (the complaint, the court filing or its receipt).")
        ]
    if errors:
        raise InvalidInput(
            gettext("The proof is incomplete; nothing was sent."), field_errors=errors
        )

    _refuse_for_the_party(Case.objects.get(pk=case_id), "legal_action_proof")
    now = timezone.now()
    created: dict = {}

    def check(case: Case) -> None:
        # Proof counts only within a waiting period: once it ended the law requires the
        # restore, even if the job that carries it out has not run yet.
        waiting = case.counter_notices.filter(status=CounterNotice.Status.WAITING)
        if not waiting.filter(waiting_period_ends_at__gt=now).exists():
            ended = waiting.order_by("-waiting_period_ends_at").first()
            raise Conflict(
                gettext(
                    "The waiting period ended on %(date)s UTC: proof can no longer keep the "
                    "measure in place, and the content is being restored. You may still bring "
                    "an action before a court."
                )
                % {
                    "date": formats.date_format(
                        ended.waiting_period_ends_at if ended else now, "DATETIME_FORMAT"
                    )
                }
            )

    def apply(case: Case) -> list[str]:
        for upload in files:
            store_evidence(case.notice, EvidenceFile.Kind.LEGAL_ACTION_PROOF, upload)
        waiting = case.counter_notices.filter(status=CounterNotice.Status.WAITING)
        # A counter-notice whose own period already ended is restored now, as the sweep would.
        expired = waiting.filter(waiting_period_ends_at__lte=now).select_related("access")
        created["rows"] = _restore_counter_noticed(case, expired, Actor.system())
        expired.update(status=CounterNotice.Status.RESTORED)
        waiting.filter(waiting_period_ends_at__gt=now).update(
            status=CounterNotice.Status.LEGAL_ACTION
        )
        case.restore_due_at = None
        case.review_due_at = timezone.now() + timedelta(days=settings.TAKEDOWN_DISPUTE_REVIEW_DAYS)
        # The queue orders by due_at: the next thing staff owe is this review.
        case.due_at = case.review_due_at
        return ["restore_due_at", "review_due_at", "due_at"]

    with evidence_removed_on_failure():
        case = case_transition(
            case_id=case_id,
            action="legal_action_proof",
            actor=Actor.complainant(),
            reasons=message,
            check=check,
            apply=apply,
            public_summary=gettext_noop(
                "You sent proof of legal action: the measure stays while staff review the dispute."
            ),
        )
    for row in created["rows"]:
        enqueue_on_commit(tasks.execute_measure, row.pk)
    return case


def _restore_counter_noticed(
    case: Case, counters, actor: Actor, decision: Decision | None = None
) -> list[PlatformMeasure]:
    items = ReportedItem.objects.none()
    for counter in counters:
        items = items | uploader_items(counter.access)
    return lift_measures(live_measures(case).filter(item__in=items), decision=decision, actor=actor)


def restore_after_waiting_period(*, case_id: int, now=None) -> Case:
    """The waiting period passed without proof of legal action: lift the contested measures
    (art. 1196: "promptly terminate the measures") and tell both parties."""
    from . import tasks

    now = now or timezone.now()
    created: dict = {}
    details: dict = {}
    # Another uploader's counter-notice may still be in its own waiting period: then only the
    # expired ones are restored and the case keeps waiting for the rest.
    later = CounterNotice.objects.filter(
        case_id=case_id, status=CounterNotice.Status.WAITING, waiting_period_ends_at__gt=now
    ).order_by("waiting_period_ends_at")
    still_waiting = later.values_list("waiting_period_ends_at", flat=True).first()
    action = "restore_expired" if still_waiting else "restore"

    def check(case: Case) -> None:
        if case.restore_due_at is None or case.restore_due_at > now:
            raise Conflict(f"The waiting period of case {case.pk} has not ended.")

    def apply(case: Case) -> list[str]:
        expired = case.counter_notices.filter(
            status=CounterNotice.Status.WAITING, waiting_period_ends_at__lte=now
        ).select_related("access")
        created["rows"] = _restore_counter_noticed(case, expired, Actor.system())
        details["counter_notices"] = [counter.pk for counter in expired]
        expired.update(status=CounterNotice.Status.RESTORED)
        case.restore_due_at = still_waiting
        return ["restore_due_at"]

    case = case_transition(
        case_id=case_id,
        action=action,
        actor=Actor.system(),
        reasons="The waiting period ended without proof of a complaint or lawsuit.",
        details=details,
        public_summary=gettext_noop(
            "The waiting period ended without proof of a complaint or lawsuit; the contested "
            "content is being restored."
        ),
        check=check,
        apply=apply,
    )
    for row in created["rows"]:
        enqueue_on_commit(tasks.execute_measure, row.pk)
    email_complainant(case, "content_restored")
    return case


# The transition each outcome of a dispute review takes.
DISPUTE_ACTIONS = {
    Decision.Outcome.MAINTAIN: "maintain",
    Decision.Outcome.RESTORE: "restore_after_dispute",
}


def _dispute_decision(case: Case, outcome: str, reasons: str, actor: Actor) -> Decision:
    """The review of a disputed measure is a decision like any other: recorded with its
    statement of reasons, replacing the one it reviews, and open to appeal (DSA art. 20)."""
    from .services import redress_text

    previous = case.decisions.order_by("-pk").first()
    upheld = case.decisions.filter(outcome=Decision.Outcome.UPHOLD).order_by("-pk").first()
    counter = case.counter_notices.filter(status=CounterNotice.Status.LEGAL_ACTION).first()
    kept = outcome == Decision.Outcome.MAINTAIN and upheld is not None
    return Decision.objects.create(
        case=case,
        outcome=outcome,
        reasons=reasons,
        decided_by=actor.user,
        replaces=previous,
        # Keeping the measure keeps its ground, scope and duration; lifting it rests on the
        # counter-notice rules the waiting period applied.
        ground=upheld.ground if kept else "",
        ground_reference=(
            upheld.ground_reference if kept else (counter.policy_basis if counter else "")
        ),
        territorial_scope=upheld.territorial_scope if kept else [],
        ends_on=upheld.ends_on if kept else None,
        automated_detection=False,
        automated_decision=False,
        redress=redress_text(),
    )


def expire_measures(*, case_id: int, today) -> Case:
    """The decision in force set an end date that has passed: lift its measures, whatever
    the counter-notice stage, and tell both parties (the uploader when the platform restored
    the content)."""
    from . import tasks

    created: dict = {}

    def check(case: Case) -> None:
        decision = measure_decision(case)
        if decision is None or decision.ends_on is None or decision.ends_on >= today:
            raise Conflict(f"The measures of case {case.pk} have no end date that has passed.")
        created["decision"] = decision

    def apply(case: Case) -> list[str]:
        created["rows"] = lift_measures(
            live_measures(case), decision=created["decision"], actor=Actor.system()
        )
        case.counter_notices.filter(
            status__in=[CounterNotice.Status.WAITING, CounterNotice.Status.LEGAL_ACTION]
        ).update(status=CounterNotice.Status.RESTORED)
        case.restore_due_at = None
        case.review_due_at = None
        return ["restore_due_at", "review_due_at"]

    case = case_transition(
        case_id=case_id,
        action="expire_measure",
        actor=Actor.system(),
        reasons="The measure was temporary and its end date has passed.",
        check=check,
        apply=apply,
        public_summary=gettext_noop(
            "The measure was temporary and its end date has passed: the content is being restored."
        ),
    )
    for row in created["rows"]:
        enqueue_on_commit(tasks.execute_measure, row.pk)
    email_complainant(case, "measure_expired", decision=created["decision"])
    return case


def measure_decision(case: Case) -> Decision | None:
    """The decision the case's measures stand on now: the latest uphold, or the review that
    kept a disputed measure."""
    return (
        case.decisions.filter(outcome__in=[Decision.Outcome.UPHOLD, Decision.Outcome.MAINTAIN])
        .order_by("-pk")
        .first()
    )


def resolve_dispute(*, case_id: int, actor: Actor, outcome: str, reasons: str) -> Case:
    """Staff decide a disputed measure: keep it ("maintain") or lift it ("restore"). Both
    parties are told, with the reasons and how to appeal."""
    from . import tasks

    if outcome not in DISPUTE_ACTIONS:
        message = gettext("The outcome must be maintain or restore.")
        raise InvalidInput(message, field_errors={"outcome": [message]})
    reasons = (reasons or "").strip()
    if not reasons:
        message = gettext("Reasons are required: they are sent to both parties.")
        raise InvalidInput(message, field_errors={"reasons": [message]})
    created: dict = {}

    def apply(case: Case) -> list[str]:
        created["decision"] = _dispute_decision(case, outcome, reasons, actor)
        disputed = case.counter_notices.filter(status=CounterNotice.Status.LEGAL_ACTION)
        if outcome == Decision.Outcome.RESTORE:
            created["rows"] = _restore_counter_noticed(
                case, disputed.select_related("access"), actor, decision=created["decision"]
            )
            disputed.update(status=CounterNotice.Status.RESTORED)
        else:
            created["told"] = list(disputed.values_list("access_id", flat=True))
            disputed.update(status=CounterNotice.Status.MAINTAINED)
        case.review_due_at = None
        case.escalated_at = None
        return ["review_due_at", "escalated_at"]

    case = case_transition(
        case_id=case_id,
        action=DISPUTE_ACTIONS[outcome],
        actor=actor,
        reasons=reasons,
        details={"outcome": outcome},
        apply=apply,
        public_summary=(
            gettext_noop("After review of the dispute the content is being restored.")
            if outcome == "restore"
            else gettext_noop("After review of the dispute the measure stays in place.")
        ),
    )
    for row in created.get("rows", []):
        enqueue_on_commit(tasks.execute_measure, row.pk)
    # A lifted measure tells the uploader when the platform restored the content; a kept one
    # is told now.
    for access_id in created.get("told", []):
        enqueue_on_commit(tasks.notify_dispute_outcome, created["decision"].pk, access_id)
    email_complainant(
        case, "dispute_resolved", outcome=outcome, reasons=reasons, decision=created["decision"]
    )
    return case


# --- appeals -------------------------------------------------------------------------------------


def appealable_decision(case: Case) -> Decision | None:
    return case.decisions.exclude(outcome=Decision.Outcome.REQUEST_INFO).order_by("-pk").first()


def _told_at(case: Case, decision: Decision, party: str, access: UploaderAccess | None):
    """When the party was told of the decision: the complainant at once by e-mail, the
    uploader when the platform delivered our message about their content."""
    if party == Appeal.Party.COMPLAINANT:
        return decision.decided_at
    if decision.outcome == Decision.Outcome.MAINTAIN:
        # No new measure: the uploader is told by the message about the dispute's outcome.
        return (
            case.log.filter(
                action="uploader_told_dispute_outcome",
                details__decision_id=decision.pk,
                details__uploader_access_id=access.pk,
            )
            .values_list("created_at", flat=True)
            .first()
        )
    told = (
        PlatformMeasure.objects.filter(
            decision=decision, item__in=uploader_items(access), uploader_notified_at__isnull=False
        )
        .order_by("uploader_notified_at")
        .values_list("uploader_notified_at", flat=True)
        .first()
    )
    made_rows = PlatformMeasure.objects.filter(decision=decision, item__in=uploader_items(access))
    if told is None and decision.outcome == Decision.Outcome.UPHOLD and not made_rows.exists():
        # A decision (on another party's appeal, say) that kept this uploader's measure in
        # force made no new one: they were told when the measure they face was applied.
        told = (
            live_measures(case)
            .filter(item__in=uploader_items(access), uploader_notified_at__isnull=False)
            .order_by("uploader_notified_at")
            .values_list("uploader_notified_at", flat=True)
            .first()
        )
    return told


def appeal_right_for(
    case: Case, party: str, access: UploaderAccess | None = None, now=None
) -> policy.AppealRight:
    decision = appealable_decision(case)
    appeals = case.appeals.filter(party=party)
    if access is not None:
        appeals = appeals.filter(uploader_access=access)
    right = policy.appeal_right(
        party=party,
        decision_outcome=decision.outcome if decision else None,
        told_at=_told_at(case, decision, party, access) if decision else None,
        now=now or timezone.now(),
        window_months=settings.TAKEDOWN_APPEAL_WINDOW_MONTHS,
        already_appealed=appeals.exists(),
        appeal_open=open_appeal(case) is not None,
        decided_on_appeal=bool(decision and decision.appeal_id),
    )
    # The case's stage may hold the appeal back (a counter-notice being handled, a dispute
    # before a court): what the parties are shown is what the appeal call would answer.
    if right.allowed and not _stage_allows(case, "appeal"):
        return policy.AppealRight(False, _not_now(case, "appeal"), closes_at=right.closes_at)
    return right


# Why a party's action is not open, in their words rather than the state machine's.
NOT_NOW = {
    "appeal": gettext_lazy("An appeal is not possible at this stage of the case (%(state)s)."),
    "legal_action_proof": gettext_lazy(
        "Proof of legal action is needed only while the waiting period after the uploader's "
        "counter-notice runs; this case's stage: %(state)s."
    ),
    "counter_notice": gettext_lazy(
        "A counter-notice is not possible at this stage of the case (%(state)s)."
    ),
}


def _restored_by_law(case: Case, action: str) -> bool:
    """Content restored because the waiting period ended was restored by law, not by a
    decision: only a review that lifted a disputed measure is open to appeal there."""
    if action != "appeal" or case.state != State.RESTORED:
        return False
    decision = appealable_decision(case)
    return decision is None or decision.outcome != Decision.Outcome.RESTORE


def _stage_allows(case: Case, action: str) -> bool:
    return (case.state, action) in TRANSITIONS and not _restored_by_law(case, action)


def _not_now(case: Case, action: str) -> str:
    return NOT_NOW[action] % {"state": case.get_state_display().lower()}


def _refuse_for_the_party(case: Case, action: str, party: str = "", access=None) -> None:
    if action == "appeal":
        right = appeal_right_for(case, party, access)
        if not right.allowed:
            raise Conflict(right.reason)
    if not _stage_allows(case, action):
        raise Conflict(_not_now(case, action))


def appeal_file(
    *, case_id: int, party: str, statement: str, access: UploaderAccess | None = None
) -> Appeal:
    """File an internal complaint against the case's latest decision."""
    statement = (statement or "").strip()
    if not statement:
        message = gettext("Say why the decision should be changed.")
        raise InvalidInput(message, field_errors={"statement": [message]})
    actor = Actor.uploader() if party == Appeal.Party.UPLOADER else Actor.complainant()
    created: dict = {}
    _refuse_for_the_party(Case.objects.get(pk=case_id), "appeal", party, access)

    def check(case: Case) -> None:
        _refuse_for_the_party(case, "appeal", party, access)

    def apply(case: Case) -> list[str]:
        created["appeal"] = Appeal.objects.create(
            case=case,
            appealed_decision=appealable_decision(case),
            party=party,
            uploader_access=access,
            statement=statement,
        )
        case.review_due_at = timezone.now() + timedelta(days=settings.TAKEDOWN_APPEAL_DECISION_DAYS)
        case.due_at = case.review_due_at
        return ["review_due_at", "due_at"]

    case_transition(
        case_id=case_id,
        action="appeal",
        actor=actor,
        reasons=statement,
        details={"party": party},
        public_summary=(
            gettext_noop("You appealed the decision; a different reviewer will decide it.")
            if party == Appeal.Party.COMPLAINANT
            else gettext_noop(
                "The uploader appealed the decision; a different reviewer will decide it."
            )
        ),
        check=check,
        apply=apply,
    )
    return created["appeal"]


def notify_appeal_outcome(*, appeal_id: int) -> None:
    """Tell the uploader who appealed what the appeal decided, through the platform."""
    appeal = Appeal.objects.select_related("case__notice", "uploader_access", "decision").get(
        pk=appeal_id
    )
    item = uploader_items(appeal.uploader_access).first()
    if item is None or appeal.decided_at is None:
        return
    decision = appeal.decision
    # In the platform's language, as every message to the uploader.
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        outcome = (
            gettext("The measure on your content is maintained.")
            if decision.outcome == Decision.Outcome.UPHOLD
            and item.outcome == ReportedItem.Outcome.UPHELD
            else gettext("The measure on your content is lifted and it is being restored.")
        )
        body = gettext(
            "Your appeal on case %(reference)s was decided by a different reviewer. "
            "%(outcome)s\n\nReasons: %(reasons)s\n\nThis decision is final within the "
            "platform; you may still refer it to a certified out-of-court dispute settlement "
            "body or go to court."
        ) % {"reference": appeal.case.reference, "outcome": outcome, "reasons": decision.reasons}
        subject = gettext("Your appeal was decided")
    _tell_uploader(
        appeal.case_id,
        item,
        subject,
        body,
        action="uploader_told_appeal_outcome",
        details={"appeal_id": appeal.pk},
    )


def notify_dispute_outcome(*, decision_id: int, access_id: int) -> None:
    """Tell an uploader whose counter-notice was disputed that the measure stays, with the
    statement of reasons and how to appeal, through the platform."""
    from .measures import statement_for_uploader

    decision = Decision.objects.select_related("case").get(pk=decision_id)
    access = UploaderAccess.objects.get(pk=access_id)
    item = uploader_items(access).first()
    if item is None:
        return
    link = settings.TAKEDOWN_SITE_URL + access.respond_path()
    with translation.override(settings.TAKEDOWN_PLATFORM_LANGUAGE):
        subject = gettext("The disputed measure on your content stays in place")
        body = gettext(
            "The complainant showed that they complained to the authorities or went to court "
            "about your content %(url)s (case %(reference)s). After review of the dispute the "
            "measure stays in place.\n\nStatement of reasons:\n%(statement)s\n\nYour private "
            "link (do not share it):\n%(link)s\n"
        ) % {
            "url": item.url,
            "reference": decision.case.reference,
            "statement": statement_for_uploader(decision),
            "link": link,
        }
    _tell_uploader(
        decision.case_id,
        item,
        subject,
        body,
        action="uploader_told_dispute_outcome",
        details={"decision_id": decision.pk, "uploader_access_id": access.pk},
    )


def _tell_uploader(case_id: int, item, subject: str, body: str, *, action: str, details: dict):
    """Send a message to the uploader of ``item`` through the platform and log it."""
    from .platforms import get_adapter

    result = get_adapter().notify_uploader(item.content_id, subject=subject, body=body)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        log_append(
            case=case,
            actor=Actor.system(),
            action=action,
            from_state=case.state,
            details={**details, "platform_response": result.response},
        )


def uploader_case_view(access: UploaderAccess) -> dict:
    """What the uploader sees at their private link: their items, the statement of reasons,
    their counter-notice, the appeal open to them, and the history that concerns them."""
    from .timeline import UPLOADER, case_timeline

    case = access.case
    items = list(uploader_items(access))
    decision = appealable_decision(case)
    counter = CounterNotice.objects.filter(access=access).first()
    right = appeal_right_for(case, Appeal.Party.UPLOADER, access)
    in_force = live_measures(case).filter(item__in=items, status=PlatformMeasure.Status.APPLIED)
    restricted_now = set(in_force.values_list("item_id", flat=True))
    return {
        "reference": case.reference,
        "status": case.state,
        "status_display": case.get_state_display(),
        "items": [
            {
                "url": item.url,
                "content_id": item.content_id,
                "measure": item.measure,
                "outcome": item.outcome,
                "outcome_display": item.get_outcome_display(),
                # What holds now, whatever the history: a measure the platform applied and
                # nothing has lifted.
                "restricted_now": item.pk in restricted_now,
            }
            for item in items
        ],
        "statement_of_reasons": (
            {
                "outcome": decision.outcome,
                "decided_at": decision.decided_at,
                "ground": decision.ground_reference,
                "facts_and_reasons": decision.reasons,
                "territorial_scope": decision.territorial_scope,
                "ends_on": decision.ends_on,
                "automated_detection": decision.automated_detection,
                "automated_decision": decision.automated_decision,
                "redress": decision.redress,
                "on_appeal": decision.appeal_id is not None,
            }
            if decision
            else None
        ),
        "counter_notice": (
            {
                "status": counter.status,
                "status_display": counter.get_status_display(),
                "received_at": counter.received_at,
                "waiting_period_ends_at": counter.waiting_period_ends_at,
                "policy_basis": counter.policy_basis,
            }
            if counter
            else None
        ),
        "can_counter_notice": counter is None
        and case.state in (State.ACTIONED, State.COUNTER_NOTICED)
        and in_force.exists(),
        "counter_notice_policy": settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
        "appeal": {
            "allowed": right.allowed,
            "reason": right.reason,
            "closes_at": right.closes_at,
        },
        "timeline": case_timeline(case, UPLOADER, access),
    }

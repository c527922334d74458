"""Staff pages: the review queue, a case with its evidence, and the private file view."""

import datetime
import io
import json
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from notices.models import Measure

from . import bulk, redress, services
from .bulk import BULK_OUTCOMES
from .errors import CaseError, InvalidInput, NotAllowed
from .evidence_access import can_see_documents, evidence_open
from .measures import measure_retry
from .models import Case, Decision, PlatformMeasure, Priority, State, Verdict
from .reason_templates import reason_templates
from .roles import ADMIN, LEGAL, Actor, is_staff_member, staff_roles
from .selectors import (
    QUEUE_DEFAULTS,
    QUEUE_FILTERS,
    QueuePaginator,
    case_evidence,
    queue_cases,
    queue_filter_counts,
    queue_filtered,
)


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied(_("Only trust-and-safety staff may see this page."))
        return view(request, *args, **kwargs)

    return wrapper


def _queue_filters(request) -> dict[str, str]:
    """The queue's filters from the GET parameters; an unknown value is reported and ignored."""
    filters = {}
    for name, values in QUEUE_FILTERS.items():
        value = request.GET.get(name) or QUEUE_DEFAULTS.get(name, "")
        if value and value not in values:
            if name == "state":
                message = _("Unknown state %(value)r: showing the open cases.")
                messages.error(request, message % {"value": value})
            else:
                messages.error(
                    request,
                    _("Unknown value %(value)r for %(name)s: not filtering by it.")
                    % {"value": value, "name": name},
                )
            value = QUEUE_DEFAULTS.get(name, "")
        filters[name] = value
    return filters


def _filter_url(filters: dict[str, str], **changes) -> str:
    """The queue's URL with these filters (page 1): shareable, and what the filter links use."""
    chosen = {**filters, **changes}
    query = {k: v for k, v in chosen.items() if v != QUEUE_DEFAULTS.get(k, "")}
    return "?" + urlencode(query)


def _filter_groups(filters: dict[str, str], counts: dict[str, dict[str, int]]) -> list[dict]:
    hours = settings.TAKEDOWN_QUEUE_DUE_SOON_HOURS
    labels = {
        "state": [
            ("open", _("Open")),
            ("all", _("Any state")),
            *((value, label) for value, label in State.choices),
        ],
        "verdict": [("", _("Any match")), *Verdict.choices],
        "due": [
            ("", _("Any due time")),
            (
                "soon",
                ngettext("Due within %(n)d hour", "Due within %(n)d hours", hours) % {"n": hours},
            ),
            ("overdue", _("Overdue")),
        ],
        "priority": [("", _("Any notifier")), *Priority.choices],
        "claim": [
            ("", _("Anyone's")),
            ("mine", _("Claimed by me")),
            ("unclaimed", _("Unclaimed")),
            ("others", _("Claimed by others")),
        ],
    }
    titles = {
        "state": _("State"),
        "verdict": _("Match verdict"),
        "due": _("Due"),
        "priority": _("Priority"),
        "claim": _("Claim"),
    }
    return [
        {
            "name": name,
            "title": titles[name],
            "options": [
                {
                    "value": value,
                    "label": label,
                    "count": counts[name].get("" if value == "all" else value, 0),
                    "url": _filter_url(filters, **{name: value}),
                    "active": filters[name] == value,
                }
                for value, label in options
            ],
        }
        for name, options in labels.items()
    ]


@require_safe
@staff_required
def queue(request):
    """The work to do, filtered by GET parameters (shareable links), with the number of cases
    each filter value would give. Open cases by default."""
    filters = _queue_filters(request)
    now = timezone.now()
    cases = queue_filtered(filters, user=request.user, now=now)
    page = QueuePaginator(cases, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for case in page.object_list:
        case.claim_live = services.claim_is_live(case, now)
    counts = queue_filter_counts(filters, user=request.user, now=now)
    page_query = _filter_url(filters).lstrip("?")
    return render(
        request,
        "cases/queue.html",
        {
            "page": page,
            "page_query": page_query,
            "filters": filters,
            "filter_groups": _filter_groups(filters, counts),
            "state": filters["state"],
            "verdict": filters["verdict"],
            "ground_choices": _ground_choices(("uphold", "reject")),
            "reason_templates": reason_templates(("uphold", "reject")),
            "bulk_outcomes": BULK_OUTCOMES.items(),
        },
    )


@require_safe
@staff_required
def case_detail(request, pk):
    # Opening the case is activity on it: the holder's claim is renewed.
    services.case_claim_renew(case_id=pk, actor=Actor.staff(request.user))
    case = get_object_or_404(queue_cases(), pk=pk)
    claim_live = services.claim_is_live(case)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "notice": case.notice,
            "evidence": case_evidence(case),
            "log_entries": [
                {**vars(entry), "details_json": json.dumps(entry.details, indent=1, default=str)}
                for entry in case.log.order_by("pk")
            ],
            "can_see_documents": can_see_documents(request.user, case),
            "decisions": case.decisions.select_related("decided_by"),
            "allowed": services.allowed_actions(case.state),
            "claim_live": claim_live,
            "claim_minutes": settings.TAKEDOWN_CLAIM_MINUTES,
            "claimed_by_me": claim_live and case.claimed_by_id == request.user.pk,
            "outcomes": Decision.Outcome.choices,
            "ground_choices": _ground_choices(),
            "reason_templates": reason_templates(),
            "measure_choices": Measure.choices,
            "no_measure": services.NO_MEASURE,
            "default_scope": " ".join(settings.TAKEDOWN_TERRITORIAL_SCOPE),
            "open_appeal": services.open_appeal(case),
            "counter_notices": case.counter_notices.prefetch_related("evidence"),
            "can_resolve_dispute": bool(staff_roles(request.user) & {LEGAL, ADMIN}),
        },
    )


def _date_or_none(text: str):
    """The date typed in the form, None when left empty; anything else is refused."""
    if not text.strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("%(text)r is not a date (YYYY-MM-DD).") % {"text": text},
            field_errors={"ends_on": [_("Not a date.")]},
        ) from None


def _ground_choices(outcomes=("uphold", "reject")) -> list:
    """The grounds by outcome: (group label, outcome, [(key, label)])."""
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    groups = {"uphold": _("To uphold"), "reject": _("To reject")}
    return [
        (
            groups[outcome],
            outcome,
            [
                (key, _(spec["label"]))
                for key, spec in grounds.items()
                if outcome in spec["outcomes"]
            ],
        )
        for outcome in outcomes
    ]


def _run(request, pk, call, success: str):
    """Run a staff action from a form. A refusal by role answers 403 with the reason (the
    action is not this person's to take); any other error (a conflict, a missing field) goes
    back to the case page with the message, as does success."""
    try:
        call()
    except NotAllowed as error:
        return render(
            request, "cases/refused.html", {"message": error.message, "case_id": pk}, status=403
        )
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("cases:detail", pk=pk)


@require_POST
@staff_required
def case_claim(request, pk):
    actor = Actor.staff(request.user)
    return _run(request, pk, lambda: services.case_claim(case_id=pk, actor=actor), _("Claimed."))


@require_POST
@staff_required
def case_release(request, pk):
    actor = Actor.staff(request.user)
    return _run(request, pk, lambda: services.case_release(case_id=pk, actor=actor), _("Released."))


@require_POST
@staff_required
def case_claim_renew(request, pk):
    """The holder's activity in the page (revealing the photos): keeps their claim alive."""
    get_object_or_404(Case, pk=pk)
    renewed = services.case_claim_renew(case_id=pk, actor=Actor.staff(request.user))
    expires = Case.objects.values_list("claim_expires_at", flat=True).get(pk=pk)
    return JsonResponse(
        {
            "renewed": renewed,
            "claim_expires_at": expires.isoformat() if renewed else None,
            "until": formats.time_format(timezone.localtime(expires)) if renewed else "",
        }
    )


@require_POST
@staff_required
def case_decide(request, pk):
    case = get_object_or_404(queue_cases(), pk=pk)
    items = [
        {"id": item.pk, "measure": request.POST.get(f"measure_{item.pk}")}
        for item in case.notice.items.all()
    ]
    outcome = request.POST.get("outcome", "")
    # Deciding is activity on the case: a refused attempt (a missing field) keeps the claim.
    services.case_claim_renew(case_id=pk, actor=Actor.staff(request.user))

    def decide():
        services.case_decide(
            case_id=pk,
            actor=Actor.staff(request.user),
            outcome=outcome,
            reasons=request.POST.get("reasons", ""),
            items=items if outcome == Decision.Outcome.UPHOLD else None,
            private_notes=request.POST.get("private_notes", ""),
            ground=request.POST.get("ground", ""),
            manifestly_unfounded=request.POST.get("manifestly_unfounded") == "on",
            territorial_scope=request.POST.get("territorial_scope", "").replace(",", " ").split()
            or None,
            ends_on=_date_or_none(request.POST.get("ends_on", "")),
        )

    return _run(request, pk, decide, _("Decision recorded."))


@require_POST
@staff_required
def case_resolve_dispute(request, pk):
    actor = Actor.staff(request.user)
    return _run(
        request,
        pk,
        lambda: redress.resolve_dispute(
            case_id=pk,
            actor=actor,
            outcome=request.POST.get("outcome", ""),
            reasons=request.POST.get("reasons", ""),
        ),
        _("Dispute reviewed."),
    )


@require_POST
@staff_required
def case_close(request, pk):
    actor = Actor.staff(request.user)
    reasons = request.POST.get("reasons", "")
    return _run(
        request,
        pk,
        lambda: services.case_close(case_id=pk, actor=actor, reasons=reasons),
        _("Closed."),
    )


# Evidence types re-encoded by takedown itself (notices.uploads), safe to show in a page.
INLINE_EVIDENCE_TYPES = {"image/jpeg", "image/png", "image/webp"}
# The name a download is saved under says what it is; the stored name is random.
EVIDENCE_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


@require_safe
@staff_required
def evidence_file(request, pk):
    return evidence_response(request.user, pk)


def evidence_response(user, pk: int, via: str = "web") -> FileResponse:
    """Send one evidence file to a user allowed to see it (the view is logged on the case);
    anyone else gets 404."""
    evidence, data = evidence_open(user=user, pk=pk, via=via)
    response = FileResponse(io.BytesIO(data), content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Images were re-encoded at intake and may show in the page; anything else (a PDF, re-drawn
    # from its pages' pixels at intake) is only ever downloaded. A browser runs nothing from it.
    disposition = "inline" if evidence.content_type in INLINE_EVIDENCE_TYPES else "attachment"
    extension = EVIDENCE_EXTENSIONS.get(evidence.content_type, "")
    response["Content-Disposition"] = f'{disposition}; filename="evidence-{evidence.pk}{extension}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@staff_required
def measure_retry_view(request, pk):
    measure = get_object_or_404(PlatformMeasure.objects.select_related("decision"), pk=pk)
    actor = Actor.staff(request.user)
    return _run(
        request,
        measure.case_id,
        lambda: measure_retry(measure_id=pk, actor=actor),
        _("The measure was sent to the platform again."),
    )


@require_POST
@staff_required
def bulk_decide(request):
    """A bulk decision from the queue: first a confirmation page listing exactly the selected
    cases and what will happen to each; only its confirm button ("apply") changes anything."""
    actor = Actor.staff(request.user)
    try:
        chosen = bulk.bulk_request(request.POST)
        if request.POST.get("step") == "apply":
            rows = bulk.bulk_apply(chosen, actor=actor)
            template = "cases/bulk_done.html"
        else:
            rows = bulk.bulk_preview(chosen, actor=actor)
            template = "cases/bulk_confirm.html"
    except CaseError as error:
        messages.error(request, error.message)
        return redirect("cases:queue")
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    return render(
        request,
        template,
        {
            "chosen": chosen,
            "rows": rows,
            "outcome_label": BULK_OUTCOMES[chosen.outcome],
            "ground_label": _(grounds[chosen.ground]["label"]),
            "to_decide": [row for row in rows if not row.skipped],
            "skipped": [row for row in rows if row.skipped],
        },
    )

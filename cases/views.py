"""Staff pages: the review queue, a case with its evidence, and the private file view."""

import datetime
import io
import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import redress, services
from .errors import CaseError, InvalidInput
from .evidence_access import can_see_documents, evidence_open
from .measures import measure_retry
from .models import Decision, PlatformMeasure, State, Verdict
from .roles import ADMIN, LEGAL, Actor, is_staff_member, staff_roles
from .selectors import (
    OPEN_STATES,
    QueuePaginator,
    case_evidence,
    dashboard_figures,
    queue_cases,
)


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied("Only trust-and-safety staff may see this page.")
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def queue(request):
    """The work to do: open cases by default ("open"), or any state, or one state."""
    state = request.GET.get("state") or "open"
    verdict = request.GET.get("verdict") or None
    if state not in (*State.values, "open", "all"):
        messages.error(request, f"Unknown state {state!r}: showing the open cases.")
        state = "open"
    if verdict and verdict not in Verdict.values:
        messages.error(request, f"Unknown verdict {verdict!r}: showing every verdict.")
        verdict = None
    cases = queue_cases(state=state if state in State.values else None, verdict=verdict)
    if state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    page = QueuePaginator(cases, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/queue.html",
        {
            "page": page,
            "states": State.choices,
            "verdicts": Verdict.choices,
            "state": state,
            "verdict": verdict,
        },
    )


@staff_required
def case_detail(request, pk):
    case = get_object_or_404(queue_cases(), pk=pk)
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
            "claimed_by_me": case.claimed_by_id == request.user.pk,
            "outcomes": Decision.Outcome.choices,
            "ground_choices": _ground_choices(),
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
            f"{text!r} is not a date (YYYY-MM-DD).", field_errors={"ends_on": ["Not a date."]}
        ) from None


def _ground_choices() -> list:
    grounds = settings.TAKEDOWN_DECISION_GROUNDS
    return [
        (
            group,
            [(key, spec["label"]) for key, spec in grounds.items() if outcome in spec["outcomes"]],
        )
        for group, outcome in (("To uphold", "uphold"), ("To reject", "reject"))
    ]


def _run(request, pk, call, success: str):
    try:
        call()
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("cases:detail", pk=pk)


@require_POST
@staff_required
def case_claim(request, pk):
    actor = Actor.staff(request.user)
    return _run(request, pk, lambda: services.case_claim(case_id=pk, actor=actor), "Claimed.")


@require_POST
@staff_required
def case_release(request, pk):
    actor = Actor.staff(request.user)
    return _run(request, pk, lambda: services.case_release(case_id=pk, actor=actor), "Released.")


@require_POST
@staff_required
def case_decide(request, pk):
    case = get_object_or_404(queue_cases(), pk=pk)
    items = [
        {"id": item.pk, "measure": request.POST.get(f"measure_{item.pk}")}
        for item in case.notice.items.all()
    ]
    outcome = request.POST.get("outcome", "")

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

    return _run(request, pk, decide, "Decision recorded.")


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
        "Dispute reviewed.",
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
        "Closed.",
    )


# Evidence types re-encoded by takedown itself (notices.uploads), safe to show in a page.
INLINE_EVIDENCE_TYPES = {"image/jpeg", "image/png", "image/webp"}


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
    # Images were re-encoded at intake and may show in the page; anything else (a PDF is kept
    # as sent) is only ever downloaded. Either way a browser runs nothing from the file.
    disposition = "inline" if evidence.content_type in INLINE_EVIDENCE_TYPES else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="evidence-{evidence.pk}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required
def dashboard(request):
    return render(request, "cases/dashboard.html", {"figures": dashboard_figures()})


@require_POST
@staff_required
def measure_retry_view(request, pk):
    measure = get_object_or_404(PlatformMeasure.objects.select_related("decision"), pk=pk)
    actor = Actor.staff(request.user)
    return _run(
        request,
        measure.case_id,
        lambda: measure_retry(measure_id=pk, actor=actor),
        "The measure was sent to the platform again.",
    )

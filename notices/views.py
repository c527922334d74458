"""Public pages: the notice form, the receipt and the tracking page."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe
from rest_framework.exceptions import Throttled

from cases.errors import CaseError
from cases.policy import waiting_period_words
from cases.services import allowed_actions

from .forms import NoticeForm, TrackForm, form_steps, max_reference_photos
from .models import Notice
from .selectors import notice_case, tracking_view
from .serializers import NoticeIntakeSerializer, NotifierSuspended, PlatformUnavailable
from .services import COMPLAINANT_ACTIONS, notice_for_token, notice_for_token_hash
from .throttles import NoticeIntakeThrottle, TrackingThrottle

RECEIPT_SESSION_KEY = "takedown_receipt"


def _throttle(request, throttle_class) -> None:
    throttle = throttle_class()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())


def _wants_json(request) -> bool:
    """The page's script sends the form itself (to show upload progress) and asks for JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _form_error_response(request, message: str, status: int):
    """A refusal of the whole notice (not of one field), as JSON for the page's script."""
    return JsonResponse({"errors": {"non_field_errors": [str(message)]}}, status=status)


def _throttled_response(request, error: Throttled):
    wait = int(error.wait or 0)
    if _wants_json(request):
        response = _form_error_response(request, _throttled_message(wait), 429)
    else:
        response = render(
            request,
            "notices/throttled.html",
            {"wait": wait, "wait_minutes": round(wait / 60)},
            status=429,
        )
    response["Retry-After"] = str(int(error.wait or 1))
    return response


def _throttled_message(wait: int) -> str:
    if wait > 90:
        minutes = round(wait / 60)
        return ngettext(
            "Too many notices were sent from this connection. Please wait about %(n)d minute "
            "and try again; nothing was stored.",
            "Too many notices were sent from this connection. Please wait about %(n)d minutes "
            "and try again; nothing was stored.",
            minutes,
        ) % {"n": minutes}
    return ngettext(
        "Too many notices were sent from this connection. Please wait %(n)d second and try "
        "again; nothing was stored.",
        "Too many notices were sent from this connection. Please wait %(n)d seconds and try "
        "again; nothing was stored.",
        wait,
    ) % {"n": wait}


def _intake_data(request):
    """The POST as the API receives it: the textarea and multi-file field map one to one."""
    data = request.POST.copy()
    data.setlist("reference_photos", request.FILES.getlist("reference_photos"))
    for name in ("identity_document", "authorization_document"):
        if name in request.FILES:
            data[name] = request.FILES[name]
    return data


def _messages(value) -> list[str]:
    """A serializer's errors for one field as a flat list of sentences (a list field's errors
    come keyed by the position of the bad entry)."""
    if isinstance(value, dict):
        return [text for nested in value.values() for text in _messages(nested)]
    if isinstance(value, list | tuple):
        return [text for nested in value for text in _messages(nested)]
    return [str(value)]


def _render_form(request, form, *, errors=None, status=200, **extra):
    errors = errors or {}
    return render(
        request,
        "notices/new.html",
        {
            "form": form,
            "errors": errors,
            "steps": form_steps(form, errors),
            "max_photos": max_reference_photos(),
            **extra,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def notice_new(request):
    """The notice form. Without JavaScript it is one page posted as usual; with it the page
    walks through five steps and sends the form itself, asking for JSON: per-field errors with
    a 400, or where to go next."""
    form = NoticeForm(request.POST or None, request.FILES or None)
    as_json = _wants_json(request)
    if request.method == "POST":
        try:
            _throttle(request, NoticeIntakeThrottle)
        except Throttled as error:
            return _throttled_response(request, error)
        serializer = NoticeIntakeSerializer(data=_intake_data(request))
        try:
            valid = serializer.is_valid()
        except PlatformUnavailable as error:
            if as_json:
                response = _form_error_response(request, error.detail, 503)
            else:
                response = _render_form(request, form, status=503, unavailable=error.detail)
            response["Retry-After"] = str(error.wait)
            return response
        except NotifierSuspended as error:
            if as_json:
                return _form_error_response(request, error.detail, 403)
            return _render_form(request, form, status=403, refused=error.detail)
        if valid:
            filed = serializer.file_notice(language=getattr(request, "LANGUAGE_CODE", "en"))
            request.session[RECEIPT_SESSION_KEY] = {
                "reference": filed.notice.reference,
                "token": filed.tracking_token,
            }
            if as_json:
                return JsonResponse({"redirect": reverse("notices:receipt")})
            return redirect("notices:receipt")
        errors = {field: _messages(problems) for field, problems in serializer.errors.items()}
        if as_json:
            return JsonResponse({"errors": errors}, status=400)
        return _render_form(request, form, errors=errors, status=400)
    return _render_form(request, form)


@require_safe
def notice_receipt(request):
    # Shown once: the token must not stay readable in the session store.
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not receipt:
        messages.info(
            request, _("Your receipt, with your tracking link, was sent to you by e-mail.")
        )
        return redirect("notices:track")
    notice = notice_for_token(receipt["reference"], receipt["token"])
    if notice is None:
        raise Http404
    tracking_url = request.build_absolute_uri(notice.tracking_path(receipt["token"]))
    return render(
        request,
        "notices/receipt.html",
        {
            "notice": notice,
            "tracking_url": tracking_url,
            "token": receipt["token"],
            "decision_due_at": notice_case(notice).due_at,
            "waiting_period": waiting_period_words(
                policy=settings.TAKEDOWN_COUNTER_NOTICE_POLICY,
                days=settings.TAKEDOWN_COUNTER_NOTICE_DAYS,
                business_days=settings.TAKEDOWN_DMCA_RESTORE_BUSINESS_DAYS,
            ),
            "appeal_months": settings.TAKEDOWN_APPEAL_WINDOW_MONTHS,
        },
    )


@require_safe
def notice_track(request):
    """Look up a notice by reference and token typed in a form."""
    form = TrackForm(request.GET or None)
    if form.is_valid():
        reference = form.cleaned_data["reference"].strip()
        url = reverse("notices:tracking", args=[reference])
        return redirect(f"{url}?token={form.cleaned_data['token'].strip()}")
    return render(request, "notices/track.html", {"form": form})


TOKENS_SESSION_KEY = "takedown_tracking_tokens"


@require_http_methods(["GET", "POST"])
def notice_tracking(request, reference):
    """The tracking page. A link with ?token= is checked, remembered in the session (as a
    hash), and redirected to the bare URL, so the token does not linger in browser history."""
    try:
        _throttle(request, TrackingThrottle)
    except Throttled as error:
        return _throttled_response(request, error)
    # The session keeps only the token's hash, the same value the notice row holds.
    known = request.session.get(TOKENS_SESSION_KEY, {})
    token = request.GET.get("token")
    token_hash = Notice.hash_token(token) if token else known.get(reference, "")
    notice = notice_for_token_hash(reference, token_hash)
    if notice is None:
        # The same answer for an unknown reference and a wrong token; the person gets the
        # form back to correct what they typed, in the page's language.
        not_found = _("No notice with this reference and token.")
        # Nothing of what was asked (reference, token) is echoed back, the switcher included.
        context = {
            "form": TrackForm(),
            "not_found": not_found,
            "switcher_next": reverse("notices:track"),
        }
        return render(request, "notices/track.html", context, status=404)
    clean_url = reverse("notices:tracking", args=[reference])
    if token:
        request.session[TOKENS_SESSION_KEY] = {**known, reference: token_hash}
        if request.method == "GET":
            return redirect(clean_url)
    if request.method == "POST":
        _complainant_action(request, notice)
        return redirect(clean_url)
    view = tracking_view(notice)
    return render(
        request,
        "notices/tracking.html",
        {"view": view, "can_withdraw": "withdraw" in allowed_actions(view["status"])},
    )


def _complainant_action(request, notice) -> None:
    perform = COMPLAINANT_ACTIONS.get(request.POST.get("action"))
    if perform is None:
        messages.error(request, _("Choose to withdraw the notice or to send information."))
        return
    try:
        perform(notice_case(notice).pk, request.POST.get("message", ""))
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: your notice was updated."))

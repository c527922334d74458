"""Public pages: the notice form, the receipt and the tracking page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import Throttled

from cases.errors import CaseError
from cases.services import allowed_actions

from .forms import NoticeForm, TrackForm
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


def _throttled_response(request, error: Throttled):
    response = render(
        request,
        "notices/throttled.html",
        {"wait": int(error.wait or 0), "wait_minutes": round((error.wait or 0) / 60)},
        status=429,
    )
    response["Retry-After"] = str(int(error.wait or 1))
    return response


def _intake_data(request):
    """The POST as the API receives it: the textarea and multi-file field map one to one."""
    data = request.POST.copy()
    data.setlist("reference_photos", request.FILES.getlist("reference_photos"))
    for name in ("identity_document", "authorization_document"):
        if name in request.FILES:
            data[name] = request.FILES[name]
    return data


@require_http_methods(["GET", "POST"])
def notice_new(request):
    form = NoticeForm(request.POST or None, request.FILES or None)
    errors = {}
    if request.method == "POST":
        try:
            _throttle(request, NoticeIntakeThrottle)
        except Throttled as error:
            return _throttled_response(request, error)
        serializer = NoticeIntakeSerializer(data=_intake_data(request))
        try:
            valid = serializer.is_valid()
        except PlatformUnavailable as error:
            response = render(
                request,
                "notices/new.html",
                {"form": form, "errors": {}, "unavailable": error.detail},
                status=503,
            )
            response["Retry-After"] = str(error.wait)
            return response
        except NotifierSuspended as error:
            return render(
                request,
                "notices/new.html",
                {"form": form, "errors": {}, "refused": error.detail},
                status=403,
            )
        if valid:
            filed = serializer.file_notice(language=getattr(request, "LANGUAGE_CODE", "en"))
            request.session[RECEIPT_SESSION_KEY] = {
                "reference": filed.notice.reference,
                "token": filed.tracking_token,
            }
            return redirect("notices:receipt")
        errors = {
            field: [
                str(message) for message in (messages if isinstance(messages, list) else [messages])
            ]
            for field, messages in serializer.errors.items()
        }
    return render(
        request, "notices/new.html", {"form": form, "errors": errors}, status=400 if errors else 200
    )


def notice_receipt(request):
    # Shown once: the token must not stay readable in the session store.
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not receipt:
        messages.info(request, "Your receipt, with your tracking link, was sent to you by e-mail.")
        return redirect("notices:track")
    notice = notice_for_token(receipt["reference"], receipt["token"])
    if notice is None:
        raise Http404
    tracking_url = request.build_absolute_uri(notice.tracking_path(receipt["token"]))
    return render(
        request,
        "notices/receipt.html",
        {"notice": notice, "tracking_url": tracking_url, "token": receipt["token"]},
    )


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
        raise Http404("No notice with this reference and token.")
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
        messages.error(request, "Choose to withdraw the notice or to send information.")
        return
    try:
        perform(notice_case(notice).pk, request.POST.get("message", ""))
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you: your notice was updated.")

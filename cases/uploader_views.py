"""The uploader's page at their private link: the forwarded notice's outcome, the statement of
reasons, the counter-notice form and the appeal."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import Throttled

from notices.throttles import TrackingThrottle

from . import redress
from .errors import CaseError
from .measures import redress_in_language
from .models import Appeal, UploaderAccess
from .uploader_api import clean_evidence

TOKENS_SESSION_KEY = "takedown_uploader_tokens"


def _access(request, reference):
    """As the tracking page: the token from the link is remembered (as its hash) in the
    session and the page redirects to the bare URL."""
    known = request.session.get(TOKENS_SESSION_KEY, {})
    token = request.GET.get("token")
    token_hash = UploaderAccess.hash_token(token) if token else known.get(reference, "")
    access = (
        UploaderAccess.objects.filter(token_hash=token_hash).select_related("case__notice").first()
        if token_hash
        else None
    )
    if access is None or access.case.reference != reference:
        raise Http404(gettext("No case with this reference and link."))
    if token:
        request.session[TOKENS_SESSION_KEY] = {**known, reference: token_hash}
    return access, bool(token)


@require_http_methods(["GET", "POST"])
def respond(request, reference):
    throttle = TrackingThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())
    access, from_link = _access(request, reference)
    clean_url = reverse("uploader:respond", args=[reference])
    if from_link and request.method == "GET":
        return redirect(clean_url)
    errors = {}
    if request.method == "POST":
        try:
            _act(request, access)
        except CaseError as error:
            messages.error(request, error.message)
            errors = error.field_errors
        else:
            return redirect(clean_url)
    view = redress.uploader_case_view(access)
    if view["statement_of_reasons"]:
        # The recorded redress, worded in the page's language.
        view["statement_of_reasons"]["redress"] = redress_in_language(
            on_appeal=view["statement_of_reasons"]["on_appeal"]
        )
    return render(
        request,
        "cases/respond.html",
        {"view": view, "errors": errors, "form": request.POST},
        status=400 if errors else 200,
    )


def _act(request, access) -> None:
    action = request.POST.get("action")
    if action == "counter_notice":
        evidence = clean_evidence(request.FILES.getlist("evidence"))
        fields = {
            name: request.POST.get(name, "")
            for name in ("name", "email", "phone", "address", "statement", "signature")
        }
        fields["good_faith"] = request.POST.get("good_faith") == "on"
        fields["consent_to_jurisdiction"] = request.POST.get("consent_to_jurisdiction") == "on"
        redress.counter_notice_file(access=access, fields=fields, evidence=evidence)
        messages.success(
            request, gettext("Your counter-notice was sent and forwarded to the complainant.")
        )
    elif action == "appeal":
        redress.appeal_file(
            case_id=access.case_id,
            party=Appeal.Party.UPLOADER,
            statement=request.POST.get("statement", ""),
            access=access,
        )
        messages.success(
            request, gettext("Your appeal was filed; a different reviewer will decide it.")
        )
    else:
        messages.error(request, gettext("Choose to send a counter-notice or an appeal."))

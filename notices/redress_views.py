"""The tracking page's redress forms: appeal the decision, or prove a complaint or lawsuit
after the uploader's counter-notice. Authorised by the token the tracking page remembered (as
its hash) in the session."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import redress
from cases.errors import CaseError
from cases.models import Appeal
from cases.uploader_api import clean_evidence

from .selectors import notice_case
from .services import notice_for_token_hash
from .views import TOKENS_SESSION_KEY


def _notice(request, reference):
    token_hash = request.session.get(TOKENS_SESSION_KEY, {}).get(reference, "")
    notice = notice_for_token_hash(reference, token_hash)
    if notice is None:
        raise Http404(_("No notice with this reference and token."))
    return notice


def _run(request, reference, call, success: str):
    try:
        call()
    except CaseError as error:
        messages.error(request, error.message)
        for problems in error.field_errors.values():
            for problem in problems:
                if problem != error.message:
                    messages.error(request, problem)
    else:
        messages.success(request, success)
    return redirect("notices:tracking", reference=reference)


@require_POST
def appeal(request, reference):
    notice = _notice(request, reference)
    return _run(
        request,
        reference,
        lambda: redress.appeal_file(
            case_id=notice_case(notice).pk,
            party=Appeal.Party.COMPLAINANT,
            statement=request.POST.get("statement", ""),
        ),
        _("Your appeal was filed; a different reviewer will decide it."),
    )


@require_POST
def legal_action(request, reference):
    notice = _notice(request, reference)

    def send():
        files = clean_evidence(request.FILES.getlist("files"), field="files")
        redress.legal_action_proof(
            case_id=notice_case(notice).pk, message=request.POST.get("message", ""), files=files
        )

    return _run(
        request,
        reference,
        send,
        _("Your proof was received: the measure stays while the dispute is reviewed."),
    )

"""The complainant's request to erase their documents: the API call and the tracking page's
button, both authorised like the other complainant actions (the tracking token, or the filing
organisation's API token; the page uses the token it remembered in the session)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.errors import CaseError

from .api import TRACKING_TOKEN_PARAMETER, ComplainantMessageSerializer, notice_for_request
from .authentication import OrganisationTokenAuthentication
from .redress_views import _notice
from .retention import complainant_erase
from .selectors import notice_case
from .throttles import TrackingThrottle


def _answer(notice, erased) -> dict:
    case = notice_case(notice)
    case.refresh_from_db()
    return {
        "reference": notice.reference,
        "status": case.state,
        "erased": [
            {"kind": f.kind, "sha256": f.sha256, "size": f.size, "erased_at": f.purged_at}
            for f in erased
        ],
        "detail": gettext(
            "Your identity documents and reference photos were deleted; an e-mail confirms it."
        )
        if erased
        else gettext("Nothing was left to erase."),
    }


class NoticeEraseAPI(APIView):
    error_statuses = (409,)  # under legal hold (takedown/openapi.py)
    permission_classes = [AllowAny]
    authentication_classes = [OrganisationTokenAuthentication]
    throttle_classes = [TrackingThrottle]

    @extend_schema(
        request=ComplainantMessageSerializer,
        responses={
            200: inline_serializer(
                "ErasureAnswer",
                {
                    "reference": serializers.CharField(),
                    "status": serializers.CharField(),
                    "erased": serializers.ListField(child=serializers.DictField()),
                    "detail": serializers.CharField(),
                },
            )
        },
        parameters=[TRACKING_TOKEN_PARAMETER],
        summary="Withdraw your notice (if pending) and erase your documents and photos",
    )
    def post(self, request, reference):
        notice = notice_for_request(request, reference)
        serializer = ComplainantMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erased = complainant_erase(notice, serializer.validated_data.get("message", ""))
        return Response(_answer(notice, erased))


@require_POST
def erase(request, reference):
    notice = _notice(request, reference)
    try:
        erased = complainant_erase(notice)
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _answer(notice, erased)["detail"])
    return redirect("notices:tracking", reference=reference)

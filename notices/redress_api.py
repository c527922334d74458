"""The complainant's redress after a decision: appeal it (DSA art. 20), or prove a complaint
or lawsuit after the uploader's counter-notice (Civil Code art. 1196). Authorised like the
tracking API: the tracking token, or the filing organisation's API token."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import redress
from cases.models import Appeal
from cases.uploader_api import AppealSerializer, clean_evidence, form_with_files
from takedown.parsers import JSONParser

from .api import TRACKING_TOKEN_PARAMETER, notice_for_request
from .authentication import OrganisationTokenAuthentication
from .models import Notice
from .selectors import notice_case, tracking_view
from .serializers import TrackedNoticeSerializer
from .throttles import TrackingThrottle


class LegalActionProofSerializer(serializers.Serializer):
    # Not required here: the service names every missing part at once.
    message = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Which authority or court, the date and the reference.",
    )
    files = serializers.ListField(child=serializers.FileField(), required=False)


class _RedressAPI(APIView):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)
    permission_classes = [AllowAny]
    authentication_classes = [OrganisationTokenAuthentication]
    throttle_classes = [TrackingThrottle]


class NoticeAppealAPI(_RedressAPI):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=AppealSerializer,
        responses={
            201: inline_serializer(
                "ComplainantAppeal",
                {"appeal": serializers.IntegerField(), "status": serializers.CharField()},
            )
        },
        parameters=[TRACKING_TOKEN_PARAMETER],
        summary="Appeal the decision on your notice",
    )
    def post(self, request, reference):
        notice = notice_for_request(request, reference)
        serializer = AppealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appeal = redress.appeal_file(
            case_id=notice_case(notice).pk,
            party=Appeal.Party.COMPLAINANT,
            statement=serializer.validated_data["statement"],
        )
        return Response(
            {"appeal": appeal.pk, "status": appeal.case.state}, status=status.HTTP_201_CREATED
        )


class NoticeLegalActionAPI(_RedressAPI):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": LegalActionProofSerializer},
        responses={200: TrackedNoticeSerializer},
        parameters=[TRACKING_TOKEN_PARAMETER],
        summary="Send proof of a complaint to the authorities or a lawsuit (after a "
        "counter-notice)",
    )
    def post(self, request, reference):
        notice = notice_for_request(request, reference)
        serializer = LegalActionProofSerializer(data=form_with_files(request, "files"))
        serializer.is_valid(raise_exception=True)
        files = clean_evidence(serializer.validated_data.get("files", []), field="files")
        redress.legal_action_proof(
            case_id=notice_case(notice).pk,
            message=serializer.validated_data.get("message", ""),
            files=files,
        )
        notice = Notice.objects.get(pk=notice.pk)  # the case as it is now
        return Response(TrackedNoticeSerializer(tracking_view(notice)).data)

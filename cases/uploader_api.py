"""The uploader's API: their case, a counter-notice and an appeal, authorised by the private
token sent with the forwarded notice (``X-Uploader-Token``)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from notices.throttles import TrackingThrottle
from notices.uploads import UploadRejected, clean_document
from takedown.parsers import JSONParser

from . import redress
from .errors import InvalidInput
from .models import Appeal

UPLOADER_TOKEN_PARAMETER = OpenApiParameter(
    "X-Uploader-Token",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The private token from the message that told the uploader of the measure.",
)
MAX_EVIDENCE_FILES = 5
EVIDENCE_REQUIRED = gettext_lazy(
    "Attach preliminary evidence that your use is lawful (for example the person's consent or "
    "a licence)."
)


def access_for_request(request, reference: str):
    access = redress.uploader_access_for_token(reference, request.headers.get("X-Uploader-Token"))
    if access is None:
        raise Http404
    return access


def clean_evidence(files, field: str = "evidence") -> list:
    """Evidence files checked by content and re-encoded like the notice's documents."""
    if len(files) > MAX_EVIDENCE_FILES:
        message = _("Attach at most %(n)d files.") % {"n": MAX_EVIDENCE_FILES}
        raise InvalidInput(message, field_errors={field: [message]})
    cleaned = []
    for upload in files:
        try:
            cleaned.append(clean_document(upload))
        except UploadRejected as error:
            raise InvalidInput(str(error), field_errors={field: [str(error)]}) from None
    return cleaned


def form_with_files(request, field: str) -> dict:
    """The form's fields, with every file sent as ``field`` as a list (any body: an empty or
    non-multipart request gives no files, and the serializer says what is missing)."""
    data = {key: request.data.get(key) for key in request.data if key != field}
    data[field] = request.FILES.getlist(field)
    return data


class UploaderCaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    statement_of_reasons = serializers.DictField(allow_null=True)
    counter_notice = serializers.DictField(allow_null=True)
    can_counter_notice = serializers.BooleanField()
    counter_notice_policy = serializers.CharField()
    appeal = serializers.DictField()
    timeline = serializers.ListField(child=serializers.DictField())


class CounterNoticeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Your full legal name.")
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    statement = serializers.CharField(max_length=5000, help_text="Why your use is lawful.")
    # Checked by the service, which says what the policy's declaration is.
    good_faith = serializers.BooleanField(
        required=False,
        default=False,
        help_text="You declare in good faith that your use does not infringe the rights of the "
        "person shown (under the dmca policy: under penalty of perjury, that the content was "
        "acted on by mistake or misidentification).",
    )
    consent_to_jurisdiction = serializers.BooleanField(required=False, default=False)

    def validate_good_faith(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(redress.good_faith_missing())
        return value

    signature = serializers.CharField(max_length=200)
    evidence = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text="Preliminary evidence that your use is lawful: 1 to 5 PDF or image files.",
        error_messages={
            "required": EVIDENCE_REQUIRED,
            "empty": EVIDENCE_REQUIRED,
        },
    )


class AppealSerializer(serializers.Serializer):
    statement = serializers.CharField(
        max_length=5000, help_text="Why the decision should be changed."
    )


class _UploaderAPI(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackingThrottle]


class UploaderCaseAPI(_UploaderAPI):
    @extend_schema(
        responses={200: UploaderCaseSerializer},
        parameters=[UPLOADER_TOKEN_PARAMETER],
        summary="The uploader's view of a case about their content",
    )
    def get(self, request, reference):
        access = access_for_request(request, reference)
        return Response(UploaderCaseSerializer(redress.uploader_case_view(access)).data)


class UploaderCounterNoticeAPI(_UploaderAPI):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CounterNoticeSerializer},
        responses={201: UploaderCaseSerializer},
        parameters=[UPLOADER_TOKEN_PARAMETER],
        summary="Send a counter-notice (declaration of non-infringement)",
    )
    def post(self, request, reference):
        access = access_for_request(request, reference)
        serializer = CounterNoticeSerializer(data=form_with_files(request, "evidence"))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        evidence = clean_evidence(fields.pop("evidence", []))
        redress.counter_notice_file(access=access, fields=fields, evidence=evidence)
        access.case.refresh_from_db()
        body = UploaderCaseSerializer(redress.uploader_case_view(access)).data
        return Response(body, status=status.HTTP_201_CREATED)


class UploaderAppealAPI(_UploaderAPI):
    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=AppealSerializer,
        responses={
            201: inline_serializer(
                "FiledAppeal",
                {"appeal": serializers.IntegerField(), "status": serializers.CharField()},
            )
        },
        parameters=[UPLOADER_TOKEN_PARAMETER],
        summary="Appeal the decision on your content",
    )
    def post(self, request, reference):
        access = access_for_request(request, reference)
        serializer = AppealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appeal = redress.appeal_file(
            case_id=access.case_id,
            party=Appeal.Party.UPLOADER,
            statement=serializer.validated_data["statement"],
            access=access,
        )
        return Response(
            {"appeal": appeal.pk, "status": appeal.case.state}, status=status.HTTP_201_CREATED
        )

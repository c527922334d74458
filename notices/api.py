"""Public API: file a notice, follow it with its tracking token.

Registered organisations (trusted flaggers, agents) send their API token instead
(``Authorization: Token <key>``): their notices record who filed them, and they can list and
follow every notice they filed.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.errors import InvalidInput

from .authentication import OrganisationTokenAuthentication, request_organisation
from .models import Notice
from .selectors import (
    notice_case,
    organisation_notice_row,
    organisation_notices,
    tracking_view,
)
from .serializers import (
    FiledNoticeSerializer,
    NoticeIntakeSerializer,
    OrganisationNoticeSerializer,
    TrackedNoticeSerializer,
)
from .services import (
    IdempotencyKeyReused,
    complainant_provide_info,
    complainant_withdraw,
    notice_for_token,
)
from .throttles import NoticeIntakeThrottle, TrackingThrottle

TRACKING_TOKEN_PARAMETER = OpenApiParameter(
    "X-Tracking-Token",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The notice's tracking token; not needed with the filing organisation's API "
    "token (Authorization: Token <key>).",
)


def notice_for_request(request, reference: str) -> Notice:
    """The notice, if the request holds its tracking token or the API token of the
    organisation that filed it; otherwise 404, exactly as for an unknown reference."""
    organisation = request_organisation(request)
    if organisation is not None:
        notice = (
            Notice.objects.filter(reference=reference, filed_by=organisation)
            .select_related("case", "joined__case")
            .first()
        )
    else:
        notice = notice_for_token(reference, request.headers.get("X-Tracking-Token"))
    if notice is None:
        raise Http404
    return notice


class NoticeCreateAPI(GenericAPIView):
    """POST files a notice (anyone; an organisation with its token). GET lists the notices of
    the organisation whose token is sent."""

    # Besides what the view's build implies (takedown/openapi.py): a suspended notifier, a
    # reused Idempotency-Key, the platform unreachable.
    error_statuses = {"POST": (403, 422, 503)}
    permission_classes = [AllowAny]
    authentication_classes = [OrganisationTokenAuthentication]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = NoticeIntakeSerializer

    def get_throttles(self):
        throttle = NoticeIntakeThrottle if self.request.method == "POST" else TrackingThrottle
        return [throttle()]

    @extend_schema(
        responses={200: OrganisationNoticeSerializer(many=True)},
        parameters=[
            OpenApiParameter(
                "status",
                required=False,
                description="Only notices whose case is in this state (e.g. received).",
            )
        ],
        summary="An organisation's notices (its API token required)",
    )
    def get(self, request):
        from cases.models import State

        organisation = request_organisation(request)
        if organisation is None:
            raise NotAuthenticated(
                _(
                    "Listing notices is for registered organisations: send your API token as "
                    "'Authorization: Token <key>'. A complainant follows a notice at "
                    "/api/v1/notices/<reference>/ with its tracking token."
                )
            )
        state = request.query_params.get("status") or None
        if state and state not in State.values:
            raise InvalidInput(
                _("%(name)s must be one of %(values)s.")
                % {"name": "status", "values": ", ".join(State.values)}
            )
        page = self.paginate_queryset(organisation_notices(organisation, status=state))
        rows = [organisation_notice_row(notice) for notice in page]
        return self.get_paginated_response(OrganisationNoticeSerializer(rows, many=True).data)

    @extend_schema(
        request=NoticeIntakeSerializer,
        responses={201: FiledNoticeSerializer, 200: FiledNoticeSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                location=OpenApiParameter.HEADER,
                required=False,
                description="Retrying with the same key returns the first result (200).",
            )
        ],
        summary="File a portrait-right notice",
    )
    def post(self, request):
        organisation = request_organisation(request)
        serializer = NoticeIntakeSerializer(
            data=request.data, context={"organisation": organisation}
        )
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 200:
            raise ValidationError({"Idempotency-Key": [_("At most 200 characters.")]})
        try:
            filed = serializer.file_notice(idempotency_key=key)
        except IdempotencyKeyReused as error:
            return Response({"detail": str(error)}, status=422)
        notice = filed.notice
        body = {
            "reference": notice.reference,
            "tracking_token": filed.tracking_token,
            "status": notice_case(notice).state,
            "tracking_url": request.build_absolute_uri(notice.tracking_path(filed.tracking_token)),
        }
        return Response(
            body, status=status.HTTP_201_CREATED if filed.created else status.HTTP_200_OK
        )


class NoticeTrackAPI(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [OrganisationTokenAuthentication]
    throttle_classes = [TrackingThrottle]

    @extend_schema(
        responses={200: TrackedNoticeSerializer},
        parameters=[TRACKING_TOKEN_PARAMETER],
        summary="Follow a notice with its tracking token (or the filing organisation's token)",
    )
    def get(self, request, reference):
        notice = notice_for_request(request, reference)
        return Response(TrackedNoticeSerializer(tracking_view(notice)).data)


class ComplainantMessageSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)


def _complainant_action_schema(summary: str):
    return extend_schema(
        request=ComplainantMessageSerializer,
        responses={200: TrackedNoticeSerializer},
        parameters=[TRACKING_TOKEN_PARAMETER],
        summary=summary,
    )


class _ComplainantActionAPI(APIView):
    """A complainant acting on their own notice, authorised by the tracking token (or the
    API token of the organisation that filed it)."""

    error_statuses = (409,)  # the case's state does not allow it (takedown/openapi.py)

    permission_classes = [AllowAny]
    authentication_classes = [OrganisationTokenAuthentication]
    throttle_classes = [TrackingThrottle]

    # The service to call, as perform(case_id, message); set by each subclass.
    perform = None

    def post(self, request, reference):
        notice = notice_for_request(request, reference)
        serializer = ComplainantMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = notice_case(notice)
        self.perform(case.pk, serializer.validated_data.get("message", ""))
        case.refresh_from_db()
        return Response(TrackedNoticeSerializer(tracking_view(notice)).data)


class NoticeWithdrawAPI(_ComplainantActionAPI):
    @_complainant_action_schema("Withdraw your notice")
    def post(self, request, reference):
        return super().post(request, reference)

    perform = staticmethod(complainant_withdraw)


class NoticeProvideInfoAPI(_ComplainantActionAPI):
    @_complainant_action_schema("Answer a request for information")
    def post(self, request, reference):
        return super().post(request, reference)

    perform = staticmethod(complainant_provide_info)

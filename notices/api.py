"""Public API: file a notice, follow it with its tracking token."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import tracking_view
from .serializers import FiledNoticeSerializer, NoticeIntakeSerializer, TrackedNoticeSerializer
from .services import (
    IdempotencyKeyReused,
    complainant_provide_info,
    complainant_withdraw,
    notice_for_token,
)
from .throttles import NoticeIntakeThrottle, TrackingThrottle


class NoticeCreateAPI(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [NoticeIntakeThrottle]

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
        serializer = NoticeIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 200:
            return Response(
                {"Idempotency-Key": ["At most 200 characters."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            filed = serializer.file_notice(idempotency_key=key)
        except IdempotencyKeyReused as error:
            return Response({"detail": str(error)}, status=422)
        notice = filed.notice
        body = {
            "reference": notice.reference,
            "tracking_token": filed.tracking_token,
            "status": notice.case.state,
            "tracking_url": request.build_absolute_uri(notice.tracking_path(filed.tracking_token)),
        }
        return Response(
            body, status=status.HTTP_201_CREATED if filed.created else status.HTTP_200_OK
        )


class NoticeTrackAPI(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackingThrottle]

    @extend_schema(
        responses={200: TrackedNoticeSerializer},
        parameters=[
            OpenApiParameter("X-Tracking-Token", location=OpenApiParameter.HEADER, required=True)
        ],
        summary="Follow a notice with its tracking token",
    )
    def get(self, request, reference):
        notice = notice_for_token(reference, request.headers.get("X-Tracking-Token"))
        if notice is None:
            raise Http404
        return Response(TrackedNoticeSerializer(tracking_view(notice)).data)


class ComplainantMessageSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)


def _complainant_action_schema(summary: str):
    return extend_schema(
        request=ComplainantMessageSerializer,
        responses={200: TrackedNoticeSerializer},
        parameters=[
            OpenApiParameter("X-Tracking-Token", location=OpenApiParameter.HEADER, required=True)
        ],
        summary=summary,
    )


class _ComplainantActionAPI(APIView):
    """A complainant acting on their own notice, authorised by the tracking token alone."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackingThrottle]

    # The service to call, as perform(case_id, message); set by each subclass.
    perform = None

    def post(self, request, reference):
        notice = notice_for_token(reference, request.headers.get("X-Tracking-Token"))
        if notice is None:
            raise Http404
        serializer = ComplainantMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform(notice.case.pk, serializer.validated_data.get("message", ""))
        notice.case.refresh_from_db()
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

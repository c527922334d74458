"""Staff API: statements of reasons in the EU DSA Transparency Database format.

`GET` shows what an export would hand out and records nothing; `POST` exports: the statements
it returns are recorded, and later exports leave them out unless asked to export them again.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import InvalidInput
from .models import StatementExport
from .roles import ADMIN, LEGAL, staff_roles
from .transparency import Export, export_statements, record_export


class IsLegalOrAdmin(BasePermission):
    message = gettext_lazy("Only the legal and admin roles may export statements of reasons.")

    def has_permission(self, request, view):
        return bool(staff_roles(request.user) & {LEGAL, ADMIN})


class InvalidRecordSerializer(serializers.Serializer):
    puid = serializers.CharField()
    record = serializers.CharField(help_text="Which case, item, measure and decision.")
    problems = serializers.ListField(
        child=serializers.CharField(), help_text='Each problem as "field: reason".'
    )


class SkippedSerializer(serializers.Serializer):
    invalid = serializers.IntegerField(help_text="Records that fail validation (listed).")
    already_exported = serializers.IntegerField(
        help_text="Statements an earlier export handed out (include_exported=true adds them)."
    )
    outside_europe = serializers.IntegerField(
        help_text="Restrictions limited to countries outside the EU/EEA (not reported)."
    )


class StatementsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    statements = serializers.ListField(child=serializers.DictField())
    reexported = serializers.ListField(
        child=serializers.CharField(),
        help_text="puids among the statements that an earlier export already handed out.",
    )
    skipped = SkippedSerializer()
    invalid = InvalidRecordSerializer(many=True)
    batch = serializers.UUIDField(
        allow_null=True, help_text="The recorded export (POST); null for a preview (GET)."
    )


class StatementsRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    invalid = InvalidRecordSerializer(many=True)
    skipped = SkippedSerializer()


def _day(request, name: str) -> datetime.date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        message = _("%(name)s must be a date in the format YYYY-MM-DD, not %(value)r.") % {
            "name": name,
            "value": value,
        }
        raise InvalidInput(message, field_errors={name: [message]}) from None


def _flag(request, name: str) -> bool:
    value = request.query_params.get(name, "").strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    message = _("%(name)s must be true or false, not %(value)r.") % {"name": name, "value": value}
    raise InvalidInput(message, field_errors={name: [message]})


def _export(request) -> Export:
    since, until = _day(request, "since"), _day(request, "until")
    if since and until and since > until:
        message = _("since (%(since)s) is after until (%(until)s).") % {
            "since": since,
            "until": until,
        }
        raise InvalidInput(message, field_errors={"since": [message]})
    return export_statements(
        since,
        until,
        include_exported=_flag(request, "include_exported"),
        skip_invalid=_flag(request, "skip_invalid"),
    )


def _invalid(export: Export) -> list[dict]:
    return [
        {"puid": record.puid, "record": record.record, "problems": record.problems}
        for record in export.invalid
    ]


def _refused(export: Export) -> Response:
    return Response(
        {
            "detail": _(
                "%(count)d statement(s) fail validation: nothing is exported until they are "
                "corrected, or until you ask for the valid ones alone with skip_invalid=true."
            )
            % {"count": len(export.invalid)},
            "invalid": _invalid(export),
            "skipped": export.skipped(),
        },
        status=409,
    )


def _answer(export: Export, batch) -> Response:
    return Response(
        {
            "count": len(export.statements),
            "statements": export.statements,
            "reexported": export.reexported,
            "skipped": export.skipped(),
            "invalid": _invalid(export),
            "batch": batch,
        }
    )


PARAMETERS = [
    OpenApiParameter("since", str, description="first day of application, YYYY-MM-DD"),
    OpenApiParameter("until", str, description="last day of application, YYYY-MM-DD"),
    OpenApiParameter(
        "include_exported",
        bool,
        description="also the statements an earlier export handed out (re-exports)",
    ),
    OpenApiParameter(
        "skip_invalid",
        bool,
        description="hand out the valid statements even if some records fail validation "
        "(they are listed and counted)",
    ),
]
RESPONSES = {
    400: OpenApiResponse(
        description="A date is not YYYY-MM-DD, or a flag not true/false; or (POST) options "
        "were sent in the body instead of the query string."
    ),
    409: OpenApiResponse(
        StatementsRefusedSerializer,
        description="Some records fail validation and skip_invalid is not set: none is "
        "returned; or (POST) another export handed them out meanwhile.",
    ),
}


class StatementListAPI(APIView):
    """The statements of reasons of the restrictions applied in the period, validated."""

    permission_classes = [IsLegalOrAdmin]

    @extend_schema(
        parameters=PARAMETERS,
        responses={200: StatementsSerializer, **RESPONSES},
        summary="Preview the statements of reasons an export would hand out (records nothing)",
    )
    def get(self, request):
        export = _export(request)
        if export.refused:
            return _refused(export)
        return _answer(export, None)

    @extend_schema(
        request=None,
        parameters=PARAMETERS,
        responses={200: StatementsSerializer, **RESPONSES},
        summary="Export the statements of reasons in the EU DSA Transparency Database format",
    )
    def post(self, request):
        # An export records what it hands out: options sent where they are not read must not
        # quietly widen it to everything.
        if request.data:
            message = _(
                "Options go in the query string (for example ?since=2026-01-01&until=2026-01-31); "
                "the request body must be empty. Nothing was exported."
            )
            raise InvalidInput(message, field_errors={"body": [message]})
        export = _export(request)
        if export.refused:
            return _refused(export)
        batch = record_export(export, channel=StatementExport.Channel.API, user=request.user)
        return _answer(export, batch)

"""Staff API: statements of reasons in the EU DSA Transparency Database format."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import InvalidInput
from .roles import ADMIN, LEGAL, staff_roles
from .transparency import export_statements


class IsLegalOrAdmin(BasePermission):
    message = gettext_lazy("Only the legal and admin roles may export statements of reasons.")

    def has_permission(self, request, view):
        return bool(staff_roles(request.user) & {LEGAL, ADMIN})


class StatementsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    statements = serializers.ListField(child=serializers.DictField())


class StatementProblemSerializer(serializers.Serializer):
    record = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


class StatementsRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    records = StatementProblemSerializer(many=True)


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


class StatementListAPI(APIView):
    """Every statement of reasons of the measures applied in the period, validated."""

    permission_classes = [IsLegalOrAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="first day of application, YYYY-MM-DD"),
            OpenApiParameter("until", str, description="last day of application, YYYY-MM-DD"),
        ],
        responses={
            200: StatementsSerializer,
            400: OpenApiResponse(description="A date is not in the format YYYY-MM-DD."),
            409: OpenApiResponse(
                StatementsRefusedSerializer,
                description="Some records fail validation: none is returned.",
            ),
        },
        summary="Statements of reasons in the EU DSA Transparency Database format",
    )
    def get(self, request):
        since, until = _day(request, "since"), _day(request, "until")
        if since and until and since > until:
            message = _("since (%(since)s) is after until (%(until)s).") % {
                "since": since,
                "until": until,
            }
            raise InvalidInput(message, field_errors={"since": [message]})
        export = export_statements(since, until)
        if not export.ok:
            return Response(
                {
                    "detail": _(
                        "%(count)d statement(s) fail validation: nothing is exported until "
                        "they are corrected."
                    )
                    % {"count": len(export.problems)},
                    "records": [
                        {"record": label, "problems": problems}
                        for label, problems in export.problems
                    ],
                },
                status=409,
            )
        return Response({"count": len(export.statements), "statements": export.statements})

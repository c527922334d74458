"""Staff API: one case exported as JSON, with its log entries and the log head."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .export import case_export
from .serializers import LogHeadSerializer


class ExportedEntrySerializer(serializers.Serializer):
    """Every field the entry's hash covers (cases.logchain.HASHED_FIELDS) and the hash."""

    sequence = serializers.IntegerField()
    case = serializers.IntegerField()
    actor = serializers.IntegerField(
        allow_null=True, help_text="The staff member's user id; null for the system or a party."
    )
    created_at = serializers.DateTimeField()
    actor_label = serializers.CharField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reasons = serializers.CharField()
    details = serializers.DictField()
    public_summary = serializers.CharField()
    previous_hash = serializers.CharField()
    entry_hash = serializers.CharField()


class CaseExportSerializer(serializers.Serializer):
    format = serializers.CharField()
    exported_at = serializers.DateTimeField()
    case = serializers.DictField()
    notice = serializers.DictField(
        help_text="The notice; its evidence files described (kind, type, size, SHA-256), "
        "never included."
    )
    items = serializers.ListField(child=serializers.DictField())
    decisions = serializers.ListField(child=serializers.DictField())
    measures = serializers.ListField(child=serializers.DictField())
    log = ExportedEntrySerializer(many=True, help_text="The case's entries, in chain order.")
    log_head = LogHeadSerializer(
        help_text="The head of the whole action log at export time: the case's entries lead "
        "to it (manage.py verify_log)."
    )


class CaseExportAPI(APIView):
    @extend_schema(
        responses={200: CaseExportSerializer},
        summary="Export a case with its action-log entries and the log head",
    )
    def get(self, request, pk):
        export = case_export(pk)
        filename = f"{export['case']['reference']}-export.json"
        return Response(
            export, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

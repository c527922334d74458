from rest_framework import serializers

from notices.models import Measure, ReportedItem

from .models import ActionLog, Case, Decision, MatchResult, PlatformMeasure


class MatchSerializer(serializers.ModelSerializer):
    best_reference_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = MatchResult
        fields = ["verdict", "distance", "best_reference_id", "best_variant", "distances", "detail"]


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformMeasure
        fields = [
            "id",
            "item",
            "measure",
            "status",
            "attempts",
            "requested_at",
            "completed_at",
            "platform_response",
            "error",
        ]


class ItemSerializer(serializers.ModelSerializer):
    match = serializers.SerializerMethodField()
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = ReportedItem
        fields = [
            "id",
            "url",
            "content_id",
            "measure",
            "outcome",
            "uploader_name",
            "match",
            "measures",
        ]

    def get_match(self, item) -> dict | None:
        try:
            return MatchSerializer(item.match).data
        except MatchResult.DoesNotExist:
            return {
                "verdict": "pending",
                "distance": None,
                "best_reference_id": None,
                "best_variant": "",
                "distances": {},
                "detail": "Not checked yet.",
            }


class CaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="notice.reference")
    received_at = serializers.DateTimeField(source="notice.received_at")
    requested_measure = serializers.CharField(source="notice.requested_measure")
    use_type = serializers.CharField(source="notice.use_type")
    claimed_by = serializers.CharField(source="claimed_by.username", allow_null=True, default=None)
    items = ItemSerializer(source="notice.items", many=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "state",
            "verdict",
            "due_at",
            "received_at",
            "requested_measure",
            "use_type",
            "claimed_by",
            "claim_expires_at",
            "priority",
            "info_due_at",
            "review_due_at",
            "restore_due_at",
            "escalated_at",
            "items",
        ]


class DecisionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    measure = serializers.ChoiceField(
        choices=[*Measure.choices, ("none", "No measure: not upheld for this item")],
        help_text='The measure for this item, or "none" to leave it alone.',
    )


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reasons = serializers.CharField(
        max_length=5000, help_text="Statement of reasons sent to the parties."
    )
    private_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    measure = serializers.ChoiceField(choices=Measure.choices, required=False)
    items = DecisionItemSerializer(many=True, required=False)
    ground = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text="Required to uphold or reject: a key of TAKEDOWN_DECISION_GROUNDS "
        "(GET /api/v1/grounds/ lists them).",
    )
    territorial_scope = serializers.ListField(
        child=serializers.CharField(max_length=2),
        required=False,
        help_text="Where the measure applies (ISO 3166-1 alpha-2); default from the policy, "
        "empty = everywhere.",
    )
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text="Last day of a temporary measure."
    )
    manifestly_unfounded = serializers.BooleanField(
        required=False,
        default=False,
        help_text="On a rejection: the notice was manifestly unfounded (DSA art. 23).",
    )


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = Decision
        fields = [
            "id",
            "outcome",
            "reasons",
            "ground",
            "ground_reference",
            "territorial_scope",
            "ends_on",
            "automated_detection",
            "automated_decision",
            "redress",
            "manifestly_unfounded",
            "decided_by",
            "decided_at",
            "replaces",
            "appeal",
        ]


class ActionLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionLog
        fields = [
            "id",
            "sequence",
            "created_at",
            "actor_label",
            "action",
            "from_state",
            "to_state",
            "reasons",
            "details",
            "previous_hash",
            "entry_hash",
        ]


class FailedMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    reference = serializers.CharField()
    content_id = serializers.CharField()
    measure = serializers.CharField()
    attempts = serializers.IntegerField()
    error = serializers.CharField()


class LogHeadSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(help_text="The last entry's sequence number.")
    hash = serializers.CharField(help_text="The last entry's hash (SHA-256, hex).")


class DashboardSerializer(serializers.Serializer):
    open_by_state = serializers.DictField(child=serializers.IntegerField())
    open_by_verdict = serializers.DictField(child=serializers.IntegerField())
    overdue = serializers.IntegerField()
    measures_by_status = serializers.DictField(child=serializers.IntegerField())
    failed_measures = FailedMeasureSerializer(many=True)
    decisions_last_7_days = serializers.DictField(child=serializers.IntegerField())
    escalated = serializers.IntegerField(help_text="Open cases with a missed deadline.")
    breaches_last_30_days = serializers.DictField(
        child=serializers.IntegerField(), help_text="Missed deadlines by stage."
    )
    open_appeals = serializers.IntegerField()
    counter_notices_waiting = serializers.IntegerField()
    repeat_infringers = serializers.IntegerField()
    notifiers_suspended = serializers.IntegerField()
    log_head = LogHeadSerializer(
        help_text="Where the action log's hash chain ends now: keep it outside the system and "
        "check it later with manage.py verify_log."
    )


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="Permission-checked download.")

    def get_url(self, evidence) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/evidence/{evidence.pk}/")


class NoticeDetailSerializer(serializers.Serializer):
    notifier_name = serializers.CharField()
    notifier_email = serializers.EmailField()
    notifier_phone = serializers.CharField()
    relationship = serializers.CharField()
    use_type = serializers.CharField()
    description = serializers.CharField()
    requested_measure = serializers.CharField()
    good_faith = serializers.BooleanField()
    accuracy = serializers.BooleanField()
    signature = serializers.CharField()


class RelatedCaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="notice.reference")
    notifier_name = serializers.CharField(source="notice.notifier_name")

    class Meta:
        model = Case
        fields = ["id", "reference", "state", "notifier_name"]


class JoinedNoticeSerializer(serializers.Serializer):
    reference = serializers.CharField(source="notice.reference")
    received_at = serializers.DateTimeField(source="notice.received_at")
    notifier_name = serializers.CharField(source="notice.notifier_name")
    requested_measure = serializers.CharField(source="notice.requested_measure")
    joined_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseSerializer):
    """One case with everything a reviewer needs: the notice, its evidence, decisions, the
    later notices of the same notifier joined to it and the cases about the same content."""

    notice = NoticeDetailSerializer()
    evidence = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True)
    related_cases = RelatedCaseSerializer(many=True)
    joined_notices = JoinedNoticeSerializer(many=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "priority",
            "info_due_at",
            "notice",
            "evidence",
            "decisions",
            "related_cases",
            "joined_notices",
        ]

    def get_evidence(self, case) -> list[dict]:
        from .evidence_access import can_view_evidence

        user = self.context["request"].user
        visible = [e for e in case.notice.evidence.all() if can_view_evidence(user, e)]
        return EvidenceSerializer(visible, many=True, context=self.context).data

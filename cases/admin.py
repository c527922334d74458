from django.contrib import admin, messages

from takedown.admin import ReadOnlyAdmin

from . import services
from .errors import CaseError
from .models import (
    ActionLog,
    Appeal,
    Case,
    CounterNotice,
    DeadlineBreach,
    Decision,
    MatchResult,
    PlatformMeasure,
    RepeatInfringer,
    StatementExport,
)
from .roles import Actor


class ActionLogInline(admin.TabularInline):
    model = ActionLog
    extra = 0
    fields = ["created_at", "actor_label", "action", "from_state", "to_state", "reasons"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "reference",
        "state",
        "verdict",
        "priority",
        "due_at",
        "escalated_at",
        "claimed_by",
    ]
    list_filter = ["state", "verdict", "priority"]
    search_fields = ["notice__reference", "notice__notifier_email"]
    list_select_related = ["notice", "claimed_by"]
    # State changes go through the services (the transitions table), never through a form.
    readonly_fields = [
        "notice",
        "state",
        "verdict",
        "claimed_by",
        "claim_expires_at",
        "info_due_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields + ["due_at"]
    inlines = [ActionLogInline]
    actions = ["close_cases"]

    @admin.display(description="Reference")
    def reference(self, case):
        return case.notice.reference

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change form is read-only; the close action still works for legal and admin.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Close the selected cases (legal/admin)")
    def close_cases(self, request, queryset):
        actor = Actor.staff(request.user)
        for case in queryset:
            try:
                services.case_close(case_id=case.pk, actor=actor, reasons="Closed from admin.")
            except CaseError as error:
                self.message_user(request, f"Case {case.pk}: {error.message}", messages.ERROR)


@admin.register(MatchResult)
class MatchResultAdmin(admin.ModelAdmin):
    list_display = ["item", "verdict", "distance", "best_variant", "checked_at"]
    list_filter = ["verdict"]
    readonly_fields = [f.name for f in MatchResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """Decisions are append-only: an override is a new decision, never an edit."""

    list_display = ["pk", "case", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome", "decided_at"]
    readonly_fields = [f.name for f in Decision._meta.fields]


@admin.register(PlatformMeasure)
class PlatformMeasureAdmin(admin.ModelAdmin):
    list_display = ["pk", "item", "measure", "status", "attempts", "requested_at", "completed_at"]
    list_filter = ["status", "measure"]
    readonly_fields = [f.name for f in PlatformMeasure._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActionLog)
class ActionLogAdmin(ReadOnlyAdmin):
    """Read-only for everyone, superusers included: the log is append-only."""

    list_display = [
        "sequence",
        "case",
        "created_at",
        "actor_label",
        "action",
        "from_state",
        "to_state",
    ]
    list_filter = ["action", "to_state"]
    search_fields = ["case__notice__reference", "actor_label", "reasons"]
    readonly_fields = [f.name for f in ActionLog._meta.fields]


@admin.register(CounterNotice)
class CounterNoticeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "status", "policy", "received_at", "waiting_period_ends_at"]
    list_filter = ["status", "policy"]
    search_fields = ["case__notice__reference", "email", "name"]
    readonly_fields = [f.name for f in CounterNotice._meta.fields]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "party", "filed_at", "decided_at"]
    list_filter = ["party"]
    search_fields = ["case__notice__reference"]
    readonly_fields = [f.name for f in Appeal._meta.fields]


@admin.register(DeadlineBreach)
class DeadlineBreachAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "stage", "due_at", "detected_at"]
    list_filter = ["stage", "detected_at"]
    readonly_fields = [f.name for f in DeadlineBreach._meta.fields]


@admin.register(RepeatInfringer)
class RepeatInfringerAdmin(ReadOnlyAdmin):
    """Uploaders flagged for repeated upheld cases, with any account measure taken, and flags
    a reversal cleared (with the measure lifted)."""

    list_display = [
        "uploader_id",
        "uploader_name",
        "upheld_cases",
        "flagged_at",
        "warned_at",
        "account_measure",
        "account_measure_at",
        "account_measure_ends_at",
        "cleared_at",
        "cleared_because",
    ]
    list_filter = [
        ("cleared_at", admin.EmptyFieldListFilter),
        "cleared_because",
        "account_measure",
        "flagged_at",
    ]
    search_fields = ["uploader_id", "uploader_name"]
    readonly_fields = [f.name for f in RepeatInfringer._meta.fields]


@admin.register(StatementExport)
class StatementExportAdmin(ReadOnlyAdmin):
    """Statements of reasons handed out for the EU Transparency Database, export by export."""

    list_display = ["puid", "exported_at", "exported_by", "channel", "reexport", "batch"]
    list_filter = ["channel", "reexport", "exported_at"]
    search_fields = ["puid", "batch"]
    readonly_fields = [f.name for f in StatementExport._meta.fields]

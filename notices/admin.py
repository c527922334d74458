from django.contrib import admin

from takedown.admin import ReadOnlyAdmin

from .models import EvidenceFile, Notice, OutboundEmail, ReportedItem


class ReportedItemInline(admin.TabularInline):
    model = ReportedItem
    extra = 0
    fields = ["submitted", "content_id", "url", "measure", "outcome", "uploader_name"]
    readonly_fields = fields
    can_delete = False


class EvidenceFileInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    fields = ["kind", "content_type", "size", "width", "height", "sha256", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "notifier_name",
        "relationship",
        "use_type",
        "requested_measure",
        "received_at",
    ]
    list_filter = ["relationship", "use_type", "requested_measure", "received_at"]
    search_fields = ["reference", "notifier_name", "notifier_email"]
    # What a complainant filed is evidence: nobody edits it, superusers included.
    exclude = ["tracking_token_hash", "idempotency_key", "idempotency_fingerprint"]

    inlines = [ReportedItemInline, EvidenceFileInline]
    date_hierarchy = "received_at"


@admin.register(ReportedItem)
class ReportedItemAdmin(ReadOnlyAdmin):
    list_display = ["content_id", "notice", "measure", "outcome", "uploader_name"]
    list_filter = ["outcome", "measure"]
    search_fields = ["content_id", "url", "notice__reference", "uploader_name"]

    # Items change only through decisions (cases.services), which write the action log.


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    """Metadata only: the files themselves are served by the permission-checked evidence view."""

    list_display = ["pk", "notice", "kind", "content_type", "size", "created_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["notice__reference", "sha256"]
    exclude = ["file"]
    readonly_fields = [
        "notice",
        "kind",
        "content_type",
        "sha256",
        "size",
        "width",
        "height",
        "original_name",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["pk", "to", "subject", "created_at", "attempts", "sent_at"]
    list_filter = ["sent_at"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

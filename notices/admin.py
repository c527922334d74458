from django.contrib import admin, messages
from django.template.response import TemplateResponse

from takedown.admin import ReadOnlyAdmin

from .authentication import api_token_issue, api_token_revoke
from .models import (
    ApiToken,
    EvidenceFile,
    Notice,
    NotifierSanction,
    Organisation,
    OutboundEmail,
    ReportedItem,
)


class ReportedItemInline(admin.TabularInline):
    model = ReportedItem
    extra = 0
    fields = ["submitted", "content_id", "url", "measure", "outcome", "uploader_name"]
    readonly_fields = fields
    can_delete = False


class EvidenceFileInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    fields = [
        "kind",
        "content_type",
        "size",
        "width",
        "height",
        "sha256",
        "created_at",
        "encrypted",
        "purged_at",
        "purge_reason",
    ]
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
class EvidenceFileAdmin(ReadOnlyAdmin):
    """Metadata only: the files themselves are served by the permission-checked evidence view.
    Read-only and undeletable, superusers included: whether a file is encrypted or was purged
    changes only through the services (key rotation, retention, erasure), which also remove
    the file from storage and log it; a row deleted here would leave its file behind."""

    list_display = ["pk", "notice", "kind", "content_type", "size", "created_at", "purged_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["notice__reference", "sha256"]
    exclude = ["file"]
    readonly_fields = [f.name for f in EvidenceFile._meta.fields if f.name != "file"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["pk", "to", "subject", "created_at", "attempts", "sent_at"]
    list_filter = ["sent_at"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = ["prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A token is created on its own page, which shows the key once.
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Registered notifiers. Deactivating one refuses all its tokens at once."""

    list_display = ["name", "kind", "contact_email", "active", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "contact_email"]
    inlines = [ApiTokenInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here (the key is shown once, on the page after saving) and revoked;
    the key itself is never stored, so it cannot be shown again."""

    list_display = ["prefix", "name", "organisation", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation", "revoked_at"]
    search_fields = ["prefix", "name", "organisation__name"]
    actions = ["revoke"]
    shown_fields = ["organisation", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        return ["organisation", "name"] if obj is None else self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown_fields

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the record of which tokens existed, and when, stays.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        request._takedown_api_key = api_token_issue(obj)

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "_takedown_api_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/notices/apitoken/key_created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "API token created",
                "token": obj,
                "key": key,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token)
        self.message_user(request, f"{len(tokens)} token(s) revoked.", messages.SUCCESS)


@admin.register(NotifierSanction)
class NotifierSanctionAdmin(ReadOnlyAdmin):
    """Warnings and suspensions of notifiers (DSA art. 23), as the services recorded them."""

    list_display = ["notifier_email", "kind", "unfounded_count", "starts_at", "ends_at", "notice"]
    list_filter = ["kind", "starts_at"]
    search_fields = ["notifier_email", "notice__reference"]
    readonly_fields = [f.name for f in NotifierSanction._meta.fields]

"""Admin for the demo platform.

A post's state changes only through the platform adapter (which records the idempotency key of
every measure), so state, events and the inbox are read-only here.
"""

import base64

from django.contrib import admin
from django.utils.html import format_html

from .models import Account, Post, PostEvent, UploaderMessage


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "email", "created_at"]
    search_fields = ["handle", "display_name", "email"]


class PostEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PostEvent
    fields = ["created_at", "measure", "from_state", "to_state", "idempotency_key"]
    readonly_fields = fields
    extra = 0


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["content_id", "account", "short_caption", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["caption", "account__handle"]
    list_select_related = ["account"]
    fields = ["account", "caption", "preview", "state", "state_changed_at", "created_at"]
    readonly_fields = ["preview", "state", "state_changed_at", "created_at"]
    inlines = [PostEventInline]

    @admin.display(description="Content id", ordering="pk")
    def content_id(self, post):
        return post.content_id

    @admin.display(description="Caption")
    def short_caption(self, post):
        return post.caption[:60]

    @admin.display(description="Image")
    def preview(self, post):
        if not post.image:
            return "-"
        encoded = base64.b64encode(bytes(post.image)).decode("ascii")
        return format_html(
            '<img src="data:image/jpeg;base64,{}" style="max-height:240px">', encoded
        )

    def has_add_permission(self, request):
        # Posts are made by accounts on the platform (or by load_demo), not by staff.
        return False


@admin.register(UploaderMessage)
class UploaderMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "account", "post", "subject"]
    search_fields = ["subject", "body", "account__handle"]
    list_select_related = ["account", "post__account"]

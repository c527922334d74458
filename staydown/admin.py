from django.contrib import admin

from .models import BankEntry


@admin.register(BankEntry)
class BankEntryAdmin(admin.ModelAdmin):
    """Read-only: entries come from upheld measures and imports, and leave by a lifted measure
    (or an import/export round trip), so that the bank always says why an image is in it."""

    list_display = ("pk", "pdq", "reference", "measure", "source", "added_at", "removed_at")
    list_filter = ("source", "measure", ("removed_at", admin.EmptyFieldListFilter))
    search_fields = ("pdq", "reference", "note")
    date_hierarchy = "added_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

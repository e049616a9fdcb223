"""The audit log in the admin: read-only, newest first."""

from django.contrib import admin

from integrations.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "connection", "store", "detail"]
    list_filter = ["action"]
    search_fields = ["actor", "detail"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

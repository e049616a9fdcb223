from django.contrib import admin, messages

from syncs import services
from syncs.models import (
    CustomerSnapshot,
    FieldMapping,
    Incident,
    OrderSnapshot,
    RecordError,
    StoreCheckpoint,
    SyncedRecord,
    SyncRun,
    SyncSettings,
)


class FieldMappingInline(admin.TabularInline):
    model = FieldMapping
    extra = 0
    ordering = ["module", "position"]


@admin.register(SyncSettings)
class SyncSettingsAdmin(admin.ModelAdmin):
    list_display = ["connection", "sync_option", "sync_contacts", "sync_leads", "sync_deals", "enabled",
                    "interval_minutes", "next_sync_at", "last_sync_at"]
    list_filter = ["sync_option", "enabled"]
    list_select_related = ["connection"]
    search_fields = ["connection__name", "connection__org_name"]
    readonly_fields = ["claimed_by", "claimed_at", "heartbeat_at", "last_sync_at", "deleted_checked_at"]
    inlines = [FieldMappingInline]
    actions = ["sync_now", "reset_synchronisation"]

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        for sync_settings in queryset:
            services.start_sync(sync_settings)
        messages.success(request, f"Sync queued for {queryset.count()} connection(s).")

    @admin.action(description="Reset synchronisation")
    def reset_synchronisation(self, request, queryset):
        for sync_settings in queryset:
            services.start_reset(sync_settings)
        messages.success(request, f"Reset queued for {queryset.count()} connection(s).")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "settings", "trigger", "status", "phase", "dry_run", "seen", "created", "updated",
                    "unchanged", "skipped", "failed", "zoho_calls", "credits", "progress_done", "progress_total",
                    "stop_reason", "started_at", "finished_at"]
    list_filter = ["trigger", "status", "stop_reason", "dry_run"]
    list_select_related = ["settings__connection"]
    date_hierarchy = "queued_at"
    search_fields = ["=id", "settings__connection__name", "error_summary"]


@admin.register(RecordError)
class RecordErrorAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "settings", "module", "key", "code", "field", "message", "status"]
    list_filter = ["status", "module", "code"]
    list_select_related = ["settings__connection"]
    date_hierarchy = "created_at"
    search_fields = ["key", "code", "message"]
    actions = ["retry", "ignore"]

    @admin.action(description="Retry failed records")
    def retry(self, request, queryset):
        messages.success(request, f"{services.retry_errors(queryset)} record(s) will be sent again.")

    @admin.action(description="Ignore")
    def ignore(self, request, queryset):
        messages.success(request, f"{services.ignore_errors(queryset)} error(s) ignored.")


@admin.register(SyncedRecord)
class SyncedRecordAdmin(ReadOnlyAdmin):
    list_display = ["key", "module", "settings", "status", "zoho_id", "synced_at"]
    list_filter = ["module", "status"]
    list_select_related = ["settings__connection"]
    date_hierarchy = "synced_at"
    search_fields = ["key", "zoho_id"]


@admin.register(StoreCheckpoint)
class StoreCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["settings", "store", "cursor", "order_cursor", "read_error", "updated_at"]
    list_select_related = ["settings__connection", "store"]
    search_fields = ["store__name"]


@admin.register(CustomerSnapshot)
class CustomerSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["email", "store", "settings", "dirty", "updated_at", "staged_at"]
    list_filter = ["dirty", "deleted"]
    list_select_related = ["settings__connection", "store"]
    date_hierarchy = "staged_at"
    search_fields = ["email", "source_id"]


@admin.register(OrderSnapshot)
class OrderSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["key", "email", "store", "settings", "dirty", "updated_at", "staged_at"]
    list_filter = ["dirty"]
    list_select_related = ["settings__connection", "store"]
    search_fields = ["key", "email"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["opened_at", "kind", "subject", "connection", "started_at", "notified_at", "closed_at",
                    "recovery_notified_at"]
    list_filter = ["kind", ("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["connection"]
    date_hierarchy = "opened_at"
    search_fields = ["subject", "summary", "connection__name"]

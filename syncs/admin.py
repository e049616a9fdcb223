from django.contrib import admin, messages

from syncs import services
from syncs.models import (
    CustomerSnapshot,
    FieldMapping,
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


@admin.register(RecordError)
class RecordErrorAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "settings", "module", "key", "code", "field", "message", "status"]
    list_filter = ["status", "module", "code"]
    search_fields = ["key"]
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
    search_fields = ["key", "zoho_id"]


@admin.register(StoreCheckpoint)
class StoreCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["settings", "store", "cursor", "order_cursor", "read_error", "updated_at"]


@admin.register(CustomerSnapshot)
class CustomerSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["email", "store", "settings", "dirty", "updated_at", "staged_at"]
    list_filter = ["dirty"]
    search_fields = ["email"]


@admin.register(OrderSnapshot)
class OrderSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["key", "email", "store", "settings", "dirty", "updated_at", "staged_at"]
    list_filter = ["dirty"]
    search_fields = ["key", "email"]

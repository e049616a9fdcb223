from django.contrib import admin
from django.db import models

from integrations.encryption import mask
from integrations.stores.models import Store, WebhookEvent


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_my_store", "owner", "enabled", "last_check_ok", "last_checked_at"]
    list_filter = ["kind", "is_my_store", "enabled"]
    list_select_related = ["owner"]
    search_fields = ["name", "base_url", "owner__email"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Secrets are never rendered: edit them on the store page (write-only fields).
    exclude = ["credentials", "webhook_secret"]
    readonly_fields = ["public_id", "masked_credentials", "masked_webhook_secret", "last_check_ok",
                       "last_check_message", "last_checked_at"]

    @admin.display(description="Credentials")
    def masked_credentials(self, store):
        return ", ".join(f"{name}: {value}" for name, value in store.masked_credentials().items()) or "—"

    @admin.display(description="Webhook secret")
    def masked_webhook_secret(self, store):
        return mask(store.webhook_secret) or "—"


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "store", "topic", "resource_id", "modified_at", "status", "triggered_at"]
    list_filter = ["status", "topic", "store"]
    list_select_related = ["store"]
    date_hierarchy = "received_at"
    search_fields = ["resource_id", "delivery_id"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request):
        return False

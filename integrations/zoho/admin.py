"""Admin for Zoho clients and connections. Encrypted fields are never rendered: the secret is
write-only on the client form, tokens are shown masked and read-only."""

from django import forms
from django.contrib import admin

from integrations.encryption import mask

from .datacenters import choices
from .models import ZohoApiClient, ZohoApiUsage, ZohoConnection


class ZohoApiClientForm(forms.ModelForm):
    data_center = forms.ChoiceField(choices=choices)
    new_client_secret = forms.CharField(
        label="Zoho API Client Secret", required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the saved secret.",
    )

    class Meta:
        model = ZohoApiClient
        fields = ["name", "data_center", "client_id", "owner"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("new_client_secret") and not (self.instance.pk and self.instance.client_secret):
            self.add_error("new_client_secret", "Enter the Client Secret.")
        return cleaned

    def save(self, commit=True):
        if self.cleaned_data.get("new_client_secret"):
            self.instance.client_secret = self.cleaned_data["new_client_secret"]
        return super().save(commit)


@admin.register(ZohoApiClient)
class ZohoApiClientAdmin(admin.ModelAdmin):
    form = ZohoApiClientForm
    list_display = ["name", "data_center", "client_id", "owner", "masked_secret"]
    list_select_related = ["owner"]
    search_fields = ["name", "client_id", "owner__email"]
    readonly_fields = ["masked_secret", "homepage_url", "redirect_uri"]

    @admin.display(description="Client secret")
    def masked_secret(self, obj):
        return mask(obj.client_secret)


@admin.register(ZohoConnection)
class ZohoConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "org_name", "status", "owner", "accounts_server", "last_verified_at", "last_error"]
    list_filter = ["status"]
    list_select_related = ["owner"]
    search_fields = ["name", "org_name", "org_id", "user_email", "owner__email"]
    fields = ["name", "api_client", "owner", "status", "concurrency_limit", "daily_credit_budget",
              "org_id", "org_name", "edition", "user_email", "granted_scopes", "accounts_server", "api_domain",
              "masked_refresh_token", "masked_access_token", "access_token_expires_at", "last_error",
              "last_verified_at"]
    readonly_fields = ["org_id", "org_name", "edition", "user_email", "granted_scopes", "accounts_server",
                       "api_domain", "masked_refresh_token", "masked_access_token", "access_token_expires_at",
                       "last_error", "last_verified_at"]

    @admin.display(description="Refresh token")
    def masked_refresh_token(self, obj):
        return mask(obj.refresh_token) or "—"

    @admin.display(description="Access token")
    def masked_access_token(self, obj):
        return mask(obj.access_token) or "—"


@admin.register(ZohoApiUsage)
class ZohoApiUsageAdmin(admin.ModelAdmin):
    list_display = ["usage_key", "hour", "calls", "credits"]
    list_filter = ["usage_key"]
    date_hierarchy = "hour"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrations.encryption import EncryptedTextField


class ZohoApiClient(models.Model):
    """A server-based client registered in a Zoho API console (one per data center and org owner)."""

    name = models.CharField(max_length=100)
    data_center = models.CharField(max_length=16, help_text="Key in integrations.zoho.datacenters")
    client_id = models.CharField("Zoho API Client ID", max_length=200)
    client_secret = EncryptedTextField("Zoho API Client Secret")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        help_text="Set for an affiliate store owner's own client; empty for the platform's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Zoho API client"

    def __str__(self):
        return self.name

    @property
    def homepage_url(self) -> str:
        return settings.SITE_URL + "/"

    @property
    def redirect_uri(self) -> str:
        return settings.SITE_URL + reverse("zoho-oauth-callback")


class ZohoConnection(models.Model):
    """A granted, refreshable authorization to one Zoho CRM org."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not authorized yet"
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
        DISABLED = "disabled", "Disabled"

    name = models.SlugField(max_length=100, unique=True, help_text="Used by management commands.")
    api_client = models.ForeignKey(ZohoApiClient, on_delete=models.CASCADE, related_name="connections")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        help_text="An affiliate store owner's own connection; empty for the platform's.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    org_id = models.CharField(max_length=64, blank=True)
    org_name = models.CharField(max_length=200, blank=True)
    edition = models.CharField(max_length=64, blank=True)
    user_email = models.CharField(max_length=254, blank=True)
    granted_scopes = models.TextField(blank=True)
    accounts_server = models.URLField(blank=True)
    api_domain = models.URLField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.org_name or self.name

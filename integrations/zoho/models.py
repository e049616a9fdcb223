from django.conf import settings
from django.db import models
from django.urls import reverse

from integrations.encryption import EncryptedTextField

from .datacenters import DATA_CENTERS, DataCenter, data_center_for_accounts_server


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

    @property
    def data_center_info(self) -> DataCenter | None:
        return DATA_CENTERS.get(self.data_center)


class ZohoConnectionQuerySet(models.QuerySet):
    def needing_reauthorization(self):
        return self.filter(status=ZohoConnection.Status.NEEDS_REAUTH)


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
    # Token refresh: one worker at a time claims the refresh (conditional UPDATE), see tokens.py.
    refresh_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    refresh_history = models.JSONField(
        default=list, blank=True, editable=False, help_text="ISO times of recent refreshes (Zoho allows 10 per 10 min)."
    )
    # Rate and cost control, shared by every worker (limits.py).
    concurrency_limit = models.PositiveSmallIntegerField(
        default=5,
        help_text="Simultaneous API calls to this org. Zoho allows Free 5, Standard 10, Professional 15, "
        "Enterprise 20, Ultimate 25 per app; heavy calls (upserts over 10 records) are capped at 10.",
    )
    daily_credit_budget = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="API credits this app may spend in any 24 hours; syncs pause before reaching it. Empty = no limit.",
    )

    objects = ZohoConnectionQuerySet.as_manager()

    def __str__(self):
        return self.org_name or self.name

    @property
    def data_center(self) -> DataCenter | None:
        """The data centre of the org: from the accounts server Zoho named, else the client's."""
        return data_center_for_accounts_server(self.accounts_server) or self.api_client.data_center_info

    @property
    def is_authorized(self) -> bool:
        return bool(self.refresh_token)

    @property
    def usage_key(self) -> str:
        """Limits are per Zoho org; before the org is known, per connection."""
        return f"org:{self.org_id}" if self.org_id else f"connection:{self.pk}"

    @property
    def scopes(self) -> list[str]:
        return [s for s in self.granted_scopes.replace(" ", ",").split(",") if s]


def connections_for(user):
    """The connections `user` may manage: staff (platform admins) all, others only their own."""
    if user.is_staff:
        return ZohoConnection.objects.all()
    return ZohoConnection.objects.filter(owner=user)


def default_connection(user) -> ZohoConnection | None:
    """The connection a user's "Zoho CRM Integration" page opens with: the platform's for staff, else their own."""
    mine = connections_for(user).filter(owner=None if user.is_staff else user)
    return mine.select_related("api_client").order_by("pk").first()


class ZohoApiSlot(models.Model):
    """One of an org's concurrency slots; held by a worker while one API call is in flight."""

    usage_key = models.CharField(max_length=100)
    slot = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=64, blank=True)
    held_until = models.DateTimeField(null=True, blank=True, help_text="A slot held past this time is stale.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["usage_key", "slot"], name="zoho_api_slot_unique")]

    def __str__(self):
        return f"{self.usage_key} slot {self.slot}"


class ZohoApiUsage(models.Model):
    """API calls and credits spent per org per hour; the last 24 buckets make the rolling window."""

    usage_key = models.CharField(max_length=100)
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["usage_key", "hour"], name="zoho_api_usage_unique")]
        verbose_name_plural = "Zoho API usage"

    def __str__(self):
        return f"{self.usage_key} {self.hour:%Y-%m-%d %H}:00: {self.credits} credits"


class ZohoFieldCache(models.Model):
    """The `fields` of /settings/fields for one module, kept for a while (metadata calls cost credits)."""

    connection = models.ForeignKey(ZohoConnection, on_delete=models.CASCADE, related_name="field_caches")
    module = models.CharField(max_length=100)
    fields = models.JSONField(default=list)
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "module"], name="zoho_field_cache_unique")]

    def __str__(self):
        return f"{self.module} fields of {self.connection}"

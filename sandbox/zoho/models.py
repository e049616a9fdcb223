"""State of the Zoho sandbox: orgs and their users, API clients and OAuth tokens, CRM records, the API call
log and the fault knobs. Everything lives in the `sandbox` database so every process shares it."""

from django.db import models
from django.utils import timezone

# Simultaneous in-flight calls per app per org, by edition (zoho-crm-api.md §4.2).
CONCURRENCY_BY_EDITION = {"free": 5, "standard": 10, "professional": 15, "enterprise": 20, "ultimate": 25}
# Daily credits: base + per user, capped (zoho-crm-api.md §4.1); None = unlimited.
CREDITS_BY_EDITION = {
    "free": (5_000, 0, 5_000),
    "standard": (50_000, 250, 100_000),
    "professional": (50_000, 500, 3_000_000),
    "enterprise": (50_000, 1_000, 5_000_000),
    "ultimate": (50_000, 2_000, None),
}
EDITION_CHOICES = [(edition, edition.title()) for edition in CONCURRENCY_BY_EDITION]


class Org(models.Model):
    name = models.CharField(max_length=100, unique=True)
    zgid = models.CharField(max_length=19, unique=True)
    edition = models.CharField(max_length=20, choices=EDITION_CHOICES, default="enterprise")
    time_zone = models.CharField(max_length=64, default="UTC")
    # Overrides of the edition's limits (None = the edition's figure).
    concurrency_limit = models.PositiveIntegerField(null=True, blank=True)
    daily_credit_limit = models.PositiveIntegerField(null=True, blank=True)
    # Seconds before a written record shows up in /search (Zoho's indexing delay).
    search_index_delay = models.PositiveIntegerField(default=0)
    in_flight = models.IntegerField(default=0)
    id_prefix = models.CharField(max_length=7)
    next_id = models.BigIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def max_concurrency(self):
        return self.concurrency_limit or CONCURRENCY_BY_EDITION[self.edition]

    @property
    def credit_budget(self):
        if self.daily_credit_limit:
            return self.daily_credit_limit
        base, per_user, cap = CREDITS_BY_EDITION[self.edition]
        budget = base + per_user * self.users.count()
        return min(budget, cap) if cap else budget


class OrgUser(models.Model):
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="users")
    zoho_id = models.CharField(max_length=19, unique=True)
    zuid = models.CharField(max_length=12, unique=True)
    first_name = models.CharField(max_length=50)
    last_name = models.CharField(max_length=50)
    email = models.EmailField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def minified(self):
        return {"name": self.full_name, "id": self.zoho_id, "email": self.email}


class ApiClient(models.Model):
    SERVER_BASED = "server"
    SELF_CLIENT = "self"
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=100)
    homepage_url = models.URLField(blank=True)
    client_type = models.CharField(max_length=10, default=SERVER_BASED)
    client_id = models.CharField(max_length=40, unique=True)
    client_secret = models.CharField(max_length=60)
    # One redirect URI per line, as the console's field takes them.
    redirect_uris = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def redirect_uri_list(self):
        return [uri.strip() for uri in self.redirect_uris.splitlines() if uri.strip()]


class GrantCode(models.Model):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="grant_codes")
    user = models.ForeignKey(OrgUser, on_delete=models.CASCADE)
    code = models.CharField(max_length=80, unique=True)
    scopes = models.TextField()
    redirect_uri = models.TextField(blank=True)  # empty for self-client codes
    offline = models.BooleanField(default=False)
    forced_consent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"grant code for {self.client}"


class RefreshToken(models.Model):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="refresh_tokens")
    user = models.ForeignKey(OrgUser, on_delete=models.CASCADE)
    token = models.CharField(max_length=80, unique=True)
    scopes = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["client", "user"])]

    def __str__(self):
        return f"refresh token for {self.client}"


class AccessToken(models.Model):
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="access_tokens")
    user = models.ForeignKey(OrgUser, on_delete=models.CASCADE)
    refresh_token = models.ForeignKey(RefreshToken, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="access_tokens")
    token = models.CharField(max_length=80, unique=True)
    scopes = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Kept (not deleted) when invalidated, so the "minted per 10 minutes" throttle still counts it.
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["refresh_token", "created_at"])]

    def __str__(self):
        return f"access token for {self.client}"

    @property
    def scope_list(self):
        return self.scopes.split(",")


class Record(models.Model):
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="records")
    module = models.CharField(max_length=40)
    zoho_id = models.CharField(max_length=19, unique=True)
    data = models.JSONField(default=dict)
    owner = models.ForeignKey(OrgUser, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(OrgUser, null=True, on_delete=models.SET_NULL, related_name="+")
    modified_by = models.ForeignKey(OrgUser, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()
    # Lower-cased email, for upsert matching and search without scanning JSON.
    email = models.CharField(max_length=255, blank=True, db_index=True)
    converted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(OrgUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["org", "module", "deleted_at"]),
            models.Index(fields=["org", "module", "modified_at"]),
        ]

    def __str__(self):
        return f"{self.module} {self.zoho_id}"


class CustomField(models.Model):
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="custom_fields")
    module = models.CharField(max_length=40)
    api_name = models.CharField(max_length=100)
    field_label = models.CharField(max_length=100)
    data_type = models.CharField(max_length=30, default="text")
    length = models.PositiveIntegerField(default=255)
    unique = models.BooleanField(default=False)
    pick_list_values = models.JSONField(default=list, blank=True)
    zoho_id = models.CharField(max_length=19, unique=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["org", "module", "api_name"], name="sandbox_zoho_field_unique")]

    def __str__(self):
        return f"{self.module}.{self.api_name}"


class ApiCall(models.Model):
    org = models.ForeignKey(Org, null=True, on_delete=models.CASCADE, related_name="calls")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    credits = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"


class Faults(models.Model):
    """Knobs a tester turns to see how the app copes. `fail_mode` applies to the next `fail_next` calls."""

    FAIL_MODES = ["429", "500", "503", "timeout", "malformed", "html"]
    org = models.OneToOneField(Org, on_delete=models.CASCADE, related_name="faults")
    fail_next = models.PositiveIntegerField(default=0)
    fail_mode = models.CharField(max_length=12, default="500")
    latency_ms = models.PositiveIntegerField(default=0)
    # Turn the next upsert/insert/update into a 207 by failing its last record.
    partial_next = models.PositiveIntegerField(default=0)
    # Fail the next N Bulk Write jobs (state FAILED, no result file) when they are processed.
    bulk_fail_next = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"faults of {self.org}"


class BulkFile(models.Model):
    """A zip uploaded to the upload host for Bulk Write; a job refers to it by `file_id`."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="bulk_files")
    file_id = models.CharField(max_length=19, unique=True)
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"bulk file {self.file_id}"


class BulkJob(models.Model):
    """A Bulk Write job. The sandbox has no worker: a job advances one step per status read
    (ADDED → IN PROGRESS, a share of its rows per read → COMPLETED/FAILED), or all at once when a tester
    runs the pending jobs."""

    ADDED, IN_PROGRESS, COMPLETED, FAILED = "ADDED", "IN PROGRESS", "COMPLETED", "FAILED"
    PROCESSING = "PROCESSING"  # claimed by the request writing a share of its rows (shown as IN PROGRESS)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="bulk_jobs")
    job_id = models.CharField(max_length=19, unique=True)
    created_by = models.ForeignKey(OrgUser, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.ForeignKey(BulkFile, on_delete=models.CASCADE, related_name="jobs")
    operation = models.CharField(max_length=10)
    module = models.CharField(max_length=40)
    find_by = models.CharField(max_length=100, blank=True)
    field_mappings = models.JSONField(default=list)
    ignore_empty = models.BooleanField(default=False)
    callback_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, default=ADDED)
    code = models.CharField(max_length=40, blank=True)
    added_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    result_lines = models.TextField(blank=True)  # the result CSV's lines of the rows done so far
    result = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"bulk job {self.job_id} ({self.status})"

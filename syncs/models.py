"""What to sync (settings, mappings), where each store stands (checkpoints, snapshots), what Zoho holds
(synced records), and what happened (runs, the error inbox)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

CONTACTS = "Contacts"
LEADS = "Leads"
DEALS = "Deals"
ACCOUNTS = "Accounts"
SALES_ORDERS = "Sales_Orders"
PRODUCTS = "Products"
PERSON_MODULES = (CONTACTS, LEADS)
ORDER_MODULES = (DEALS, SALES_ORDERS)
# Modules with a mapping (Map Fields, sync_config), in the order of the Record Mapping step.
MODULES = (CONTACTS, LEADS, ACCOUNTS, DEALS, SALES_ORDERS)
# Every module the engine writes: Products have a fixed mapping (SKU, name, price, active).
WRITTEN_MODULES = (*MODULES, PRODUCTS)


class SyncSettings(models.Model):
    """How one Zoho connection is fed: which stores, which record types, which policies, and when."""

    class SyncOption(models.TextChoices):
        NONE = "none", "Don't Sync any Customer data"
        ALL = "all", "Sync all Customers over all Affiliate Stores"
        MINE = "mine", "Only Sync Customers from “My” Stores"

    class DeletedInZoho(models.TextChoices):
        SKIP = "skip", "Skip the record until a reset"
        RECREATE = "recreate", "Recreate the record"

    class DeletedInStore(models.TextChoices):
        IGNORE = "ignore", "Ignore"
        SET_FIELD = "set_field", "Set a Zoho field"
        DELETE = "delete", "Delete the record in Zoho"

    connection = models.OneToOneField(
        "zoho.ZohoConnection", on_delete=models.CASCADE, related_name="sync_settings"
    )
    sync_option = models.CharField(max_length=10, choices=SyncOption.choices, default=SyncOption.ALL)
    allow_affiliate_integrations = models.BooleanField(
        "Allow each Affiliate Store to setup their own Zoho Integration", default=False
    )
    sync_contacts = models.BooleanField("Sync Contacts", default=True, help_text="Customers who purchased.")
    sync_leads = models.BooleanField(
        "Sync Leads", default=True, help_text="Customers registered without purchase, or newsletter subscribers."
    )
    deleted_in_zoho_policy = models.CharField(
        max_length=10, choices=DeletedInZoho.choices, default=DeletedInZoho.SKIP
    )
    deleted_in_store_policy = models.CharField(
        max_length=10, choices=DeletedInStore.choices, default=DeletedInStore.IGNORE
    )
    deleted_in_store_field = models.CharField(max_length=100, blank=True, help_text="Zoho field to set.")
    deleted_in_store_value = models.CharField(max_length=255, blank=True, help_text="Value to set it to.")
    last_name_fallback = models.CharField(
        max_length=80, blank=True, default="Unknown",
        help_text="Sent as Last_Name when a customer has none (Zoho requires it). Empty: such records fail.",
    )
    sync_deals = models.BooleanField("Sync Deals (orders)", default=True, help_text="Every store order as a Deal.")
    deal_key_field = models.CharField(
        max_length=100, blank=True,
        help_text="A unique Zoho Deals field that also receives the order key (store id and order id); empty: "
        "the key is kept only in this app's record map (Deals are updated by their Zoho id).",
    )
    sync_accounts = models.BooleanField(
        "Sync Accounts", default=False, help_text="A Zoho Account for every customer's company, linked from their "
        "Contact, Deals and Sales Orders.",
    )
    account_key_field = models.CharField(
        max_length=100, blank=True,
        help_text="The unique Accounts field an Account is matched on (the mapping fills it); empty: Account_Name.",
    )
    sync_sales_orders = models.BooleanField(
        "Sync Sales Orders", default=False, help_text="Every store order as a Sales Order with its products.",
    )
    sales_order_tax_name = models.CharField(
        max_length=100, default="Sales Tax",
        help_text="The org's tax that Sales Order lines carry the store's tax under (as a percentage).",
    )
    interval_minutes = models.PositiveIntegerField(default=30)
    enabled = models.BooleanField(default=False, help_text="Set when the settings are saved; runs are scheduled.")
    next_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    store_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a store last said it changed (a webhook); a run that started "
        "before leaves the connection due again.",
    )
    deleted_checked_at = models.JSONField(
        default=dict, blank=True, help_text="Per module: when Zoho's deleted records were last read."
    )
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sync settings"
        verbose_name_plural = "sync settings"

    def __str__(self):
        return f"Sync settings for {self.connection}"

    @property
    def modules(self) -> list[str]:
        return [m for m, on in ((CONTACTS, self.sync_contacts), (LEADS, self.sync_leads),
                                (ACCOUNTS, self.sync_accounts), (DEALS, self.sync_deals),
                                (SALES_ORDERS, self.sync_sales_orders)) if on]

    @property
    def reads_orders(self) -> bool:
        return self.sync_deals or self.sync_sales_orders

    @property
    def order_module_done_last(self) -> str:
        """The order module whose write finishes an order (clears its snapshot's dirty flag)."""
        return SALES_ORDERS if self.sync_sales_orders else DEALS


class FieldMapping(models.Model):
    """One row of the mapping window: a store field sent to a Zoho field, in order."""

    class Transform(models.TextChoices):
        NONE = "", "As is"
        STRIP = "strip", "Trim spaces"
        LOWER = "lower", "lower case"
        UPPER = "upper", "UPPER CASE"
        TITLE = "title", "Title Case"
        TRUNCATE = "truncate", "Cut to the Zoho field's length"
        NOT = "not", "Invert yes/no"
        TEXT = "text", "As text"

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="mappings")
    module = models.CharField(max_length=20, choices=[(m, m) for m in MODULES])
    position = models.PositiveIntegerField(default=0)
    store_field = models.CharField(max_length=100, blank=True, help_text="Empty for a fixed value.")
    zoho_field = models.CharField(max_length=100)
    # A fixed value instead of a store field, typed as the Zoho field takes it (syncs.fixed_values).
    value = models.JSONField(null=True, blank=True)
    transform = models.CharField(max_length=20, choices=Transform.choices, blank=True, default="")

    class Meta:
        ordering = ["settings", "module", "position", "id"]

    def __str__(self):
        return f"{self.module}: {self.store_field} → {self.zoho_field}"


class StoreCheckpoint(models.Model):
    """How far a store's customers and orders have been read for a connection (Singer bookmarks per
    partition), and whether the store could be read at all last time."""

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="checkpoints")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    cursor = models.DateTimeField(null=True, blank=True)
    order_cursor = models.DateTimeField(null=True, blank=True, help_text="Orders changed from then on are read next.")
    account_cursor = models.DateTimeField(null=True, blank=True,
                                          help_text="A Zoho org's Accounts changed from then on are read next.")
    read_error = models.TextField(blank=True, help_text="Why the store could not be read in the last run.")
    read_error_at = models.DateTimeField(null=True, blank=True)
    deleted_checked_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the store's deletions were last looked for (a Zoho org's are read from then on).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["settings", "store"], name="syncs_checkpoint_unique")]

    def __str__(self):
        return f"{self.store_id}: {self.cursor}"

    def advance(self, field: str, newest, signpost) -> None:
        """Move a read cursor (`cursor`, `order_cursor`, `account_cursor`) to the newest change seen, never past the
        run's signpost nor backwards. Inclusive reads: the next run reads that change again, harmlessly."""
        if newest is None:
            return
        cursor = min(newest, signpost)
        if getattr(self, field) is None or cursor > getattr(self, field):
            setattr(self, field, cursor)
            self.save(update_fields=[field, "updated_at"])


class CustomerSnapshot(models.Model):
    """A store's latest view of one customer, as read for a connection.

    Reading a store only writes snapshots (in bulk); `dirty` marks emails still to be merged and sent. The
    merged person is computed from every store's snapshot of an email, so merging never needs all customers
    in memory, and a run that stops leaves its unsent work in the table for the next run.
    """

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="snapshots")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)
    source_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(null=True, blank=True)
    dirty = models.BooleanField(default=True)
    staged_at = models.DateTimeField(default=timezone.now)
    deleted = models.BooleanField(
        default=False, help_text="Gone from the store: missing from a complete id scan, or in its deleted list."
    )
    seen_at = models.DateTimeField(
        null=True, blank=True, help_text="The start of the last id scan of its store that listed it."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["settings", "store", "email"], name="syncs_snapshot_unique")
        ]
        indexes = [
            models.Index(fields=["settings", "dirty", "email"], name="syncs_snapshot_dirty"),
            models.Index(fields=["settings", "store", "source_id"], name="syncs_snapshot_source_id"),
        ]

    def __str__(self):
        return self.email


class OrderSnapshot(models.Model):
    """A store's latest view of one order, as read for a connection; `dirty` until its Deal is written.

    `key` ("<store id>-<order id>") is the Deal's key in the record map: stable across store renames and
    distinct for two stores of one name."""

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="order_snapshots")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    email = models.CharField(max_length=254, blank=True, help_text="The buyer's, normalised: links the Contact.")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(null=True, blank=True)
    dirty = models.BooleanField(default=True)
    staged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["settings", "key"], name="syncs_order_snapshot_unique")]
        indexes = [models.Index(fields=["settings", "dirty", "key"], name="syncs_order_snapshot_dirty")]

    def __str__(self):
        return self.key


class AccountSnapshot(models.Model):
    """An Account read from another Zoho org (a Zoho-org store), keyed by its record id there (`key`); `data` holds
    its values under their API names. `dirty` until its Account is written in this connection's org."""

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="account_snapshots")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=254)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField()
    dirty = models.BooleanField(default=True)
    staged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["settings", "key"], name="syncs_account_snapshot_unique")]

    def __str__(self):
        return self.key


class ProductSnapshot(models.Model):
    """A store's catalogue item for a connection, by SKU (Zoho's `Product_Code`); `dirty` until its Product
    is written. A SKU sold by two stores is one Product (the store read last speaks for it)."""

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="product_snapshots")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=100)
    data = models.JSONField(default=dict, help_text="sku, name, price, active")
    dirty = models.BooleanField(default=True)
    staged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["settings", "sku"], name="syncs_product_snapshot_unique")]
        indexes = [models.Index(fields=["settings", "dirty", "sku"], name="syncs_product_snapshot_dirty")]

    def __str__(self):
        return self.sku


class SyncedRecord(models.Model):
    """What Zoho holds for one person (by normalised email) or one order (by order key) in one module."""

    class Status(models.TextChoices):
        SYNCED = "synced", "Synced"
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed"
        DELETED_IN_ZOHO = "deleted_in_zoho", "Deleted in Zoho"
        DELETED_IN_STORE = "deleted_in_store", "Deleted in the store"
        CONVERTED = "converted", "Converted to a Contact"
        IGNORED = "ignored", "Ignored"

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="records")
    module = models.CharField(max_length=20)
    key = models.CharField(
        max_length=254, help_text="Normalised email, or the order key for Deals (store id-order id).",
    )
    zoho_id = models.CharField(max_length=40, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["settings", "module", "key"], name="syncs_record_unique")
        ]
        indexes = [models.Index(fields=["settings", "module", "zoho_id"], name="syncs_record_zoho_id")]

    def __str__(self):
        return f"{self.module} {self.key}"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        RESET = "reset", "Reset"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partially done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    class StopReason(models.TextChoices):
        FINISHED = "", "Finished"
        RATE_LIMITED = "rate_limited", "Zoho rate limit"
        CREDIT_BUDGET = "credit_budget", "Daily API credit budget spent"
        REAUTHORIZATION = "reauthorization", "Zoho needs re-authorization"
        TRANSIENT = "transient", "Zoho unavailable"
        CONFIGURATION = "configuration", "Zoho configuration problem"
        STORE_ERROR = "store_error", "A store could not be read"
        DATABASE = "database", "Database unavailable"
        CLAIM_LOST = "claim_lost", "Another worker took over"
        BULK_WRITE = "bulk_write", "Waiting for Zoho's Bulk Write job"
        CRASHED = "crashed", "Unexpected error or worker stopped"
        BUSY = "busy", "Another run was in progress"
        NOT_STARTED = "not_started", "No worker started it"
        CANCELLED = "cancelled", "Cancelled by a user"

    class Phase(models.TextChoices):
        CLEAR = "clear", "Clearing the sync state"
        READ = "read", "Reading the stores"
        SEND = "send", "Sending to Zoho"
        DONE = "done", "Done"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.READ)
    dry_run = models.BooleanField(default=False)
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    zoho_calls = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    slices = models.PositiveIntegerField(default=0, help_text="How many slices (tasks) worked on this run.")
    resume_at = models.DateTimeField(
        null=True, blank=True, help_text="A paused run continues at this time (Zoho said when to come back).")
    read_cursor = models.JSONField(
        default=dict, blank=True,
        help_text="Where reading stands, per store: stores read to the end, and the newest change read so far.")
    error_summary = models.TextField(blank=True)
    stop_reason = models.CharField(
        max_length=20, choices=StopReason.choices, blank=True, default=StopReason.FINISHED,
        help_text="Why the run stopped before the end (empty when it finished).",
    )
    report = models.JSONField(default=dict, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    COUNTERS = ("seen", "created", "updated", "unchanged", "skipped", "failed", "zoho_calls", "credits")

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["settings", "status"], name="syncs_run_status")]
        constraints = [
            # "Reset synchronisation" pressed twice gives one reset (fault F4).
            models.UniqueConstraint(
                fields=["settings"], condition=Q(trigger="reset", status__in=["queued", "running"]),
                name="syncs_one_active_reset",
            )
        ]

    def __str__(self):
        return f"{self.get_trigger_display()} run #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, self.progress_done * 100 // self.progress_total)

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in self.COUNTERS}

    @property
    def level(self) -> str:
        """How the pages colour the run: ok, bad, warn, or info for a run that only stopped to let Zoho process
        the Bulk Write jobs it started (the next run collects them: nothing went wrong)."""
        if self.stop_reason == self.StopReason.BULK_WRITE and not self.is_active:
            return "info"
        return {self.Status.SUCCEEDED: "ok", self.Status.FAILED: "bad", self.Status.PARTIAL: "warn"}.get(
            self.status, "")

    @property
    def waiting_until(self):
        """When a run paused for Zoho (a rate limit, Zoho unavailable) continues; None when it is not waiting."""
        if self.status == self.Status.QUEUED and self.resume_at and self.resume_at > timezone.now():
            return self.resume_at
        return None

    @property
    def waiting_label(self) -> str:
        """The dashboard's "Waiting for Zoho until 14:05." in the current (the user's) time zone; empty if not."""
        until = self.waiting_until
        return f"Waiting for Zoho until {timezone.localtime(until):%H:%M}." if until else ""


class BulkJob(models.Model):
    """A Zoho Bulk Write job this app is building, or started and has not yet collected (syncs/bulk_sending.py).
    Its rows (`BulkJobRow`) are in the job's input order, so each result row maps back to its record. A job is
    BUILDING (no Zoho job id yet) while its rows are written, until Zoho accepted it; one left BUILDING by a
    stopped run is discarded by the next. A FAILED job is kept (without rows) only until the next send, which then
    uses upserts."""

    class State(models.TextChoices):
        BUILDING = "BUILDING", "Building"
        ADDED = "ADDED", "Added"
        IN_PROGRESS = "IN PROGRESS", "In progress"
        FAILED = "FAILED", "Failed"

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="bulk_jobs")
    run = models.ForeignKey("SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    module = models.CharField(max_length=20)
    job_id = models.CharField(max_length=40, blank=True, help_text="Zoho's job id; empty while building.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.BUILDING)
    row_count = models.PositiveIntegerField(default=0)
    collected = models.PositiveIntegerField(default=0, help_text="Rows of Zoho's result already recorded: a "
                                                                 "collection that stopped midway goes on from here.")
    planned_at = models.DateTimeField(help_text="When the run that planned these rows started: a store change "
                                                "after it keeps the snapshot dirty.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["settings", "state"], name="syncs_bulkjob_state")]

    def __str__(self):
        return f"{self.module} job {self.job_id or '(building)'} ({self.state})"


class BulkJobRow(models.Model):
    """One row of a Bulk Write job: the record it writes, the change hash and the payload sent, at its index in
    the job's file (and in Zoho's result)."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    index = models.PositiveIntegerField()
    key = models.CharField(max_length=254)
    hash = models.CharField(max_length=64)
    payload = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="syncs_bulkjobrow_index")]

    def __str__(self):
        return f"row {self.index} of {self.job}"


class RecordError(models.Model):
    """The error inbox: one record Zoho refused (or pre-validation caught), with what to fix."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RETRYING = "retrying", "Retrying"
        IGNORED = "ignored", "Ignored"
        RESOLVED = "resolved", "Resolved"

    settings = models.ForeignKey(SyncSettings, on_delete=models.CASCADE, related_name="errors")
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="errors")
    module = models.CharField(max_length=20)
    key = models.CharField("Email or order key", max_length=254)
    code = models.CharField(max_length=60)
    field = models.CharField(max_length=100, blank=True)
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text="The customer data that was sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["settings", "status"], name="syncs_error_status")]

    def __str__(self):
        return f"{self.module} {self.key}: {self.code}"


class Incident(models.Model):
    """One alert while its condition lasts (see syncs/alerts.py): at most one open row per (kind, subject),
    mailed once when it opens (`notified_at`) and once when it recovers (`recovery_notified_at`)."""

    class Kind(models.TextChoices):
        FAILING_RUNS = "failing_runs", "Syncs keep failing"
        STORE_UNREADABLE = "store_unreadable", "A store cannot be read"
        REAUTHORIZATION = "reauthorization", "Zoho needs re-authorization"
        CREDIT_BUDGET = "credit_budget", "Daily API credit budget nearly used"
        WORKER_DOWN = "worker_down", "No worker is running"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=100, help_text='What it is about: "connection:<id>" or "worker".')
    connection = models.ForeignKey(
        "zoho.ZohoConnection", null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    summary = models.TextField(blank=True)
    started_at = models.DateTimeField(help_text="When the condition began (or was first seen).")
    opened_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When the opening email went out.")
    closed_at = models.DateTimeField(null=True, blank=True)
    recovery_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], condition=Q(closed_at__isnull=True),
                                    name="syncs_one_open_incident")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.subject})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

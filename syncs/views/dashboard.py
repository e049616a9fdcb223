"""The dashboard ("/"): per Zoho connection its health, last and next sync, counts, "Sync now", recent runs,
the error inbox, and the stores feeding it (with their check status and WooCommerce webhook details).
An affiliate whose own integration is not allowed sees a read-only status of their stores instead."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.shortcuts import render

from integrations.encryption import mask
from integrations.stores.models import Store
from integrations.zoho import limits
from integrations.zoho.models import ZohoConnection, connections_for
from syncs.bulk_status import PendingBulkWrite, pending_bulk_write
from syncs.models import RecordError, StoreCheckpoint, SyncedRecord, SyncRun, SyncSettings
from syncs.reset import active_reset
from syncs.selection import included_stores
from syncs.views import access

RECENT_RUNS = 5
INBOX_PREVIEW = 5


@dataclass
class Health:
    label: str
    level: str  # ok | warn | bad
    detail: str = ""


@dataclass
class Card:
    connection: ZohoConnection
    settings: SyncSettings | None
    health: Health
    latest: SyncRun | None = None
    runs: list = field(default_factory=list)
    active_reset: SyncRun | None = None
    counts: dict = field(default_factory=dict)
    open_errors: list = field(default_factory=list)
    open_error_count: int = 0
    stores: list = field(default_factory=list)
    credits_used: int = 0
    watch: bool = False
    bulk_write: PendingBulkWrite | None = None


def last_outcome(runs: list[SyncRun]) -> SyncRun | None:
    """The newest run that ended and did something (not queued, running or skipped): what health reports on."""
    return next((run for run in runs if not run.is_active and run.status != SyncRun.Status.SKIPPED), None)


def health(connection: ZohoConnection, last: SyncRun | None, credits_used: int) -> Health:
    budget = connection.daily_credit_budget
    reason = last.stop_reason if last else ""
    if connection.status == ZohoConnection.Status.NEEDS_REAUTH:
        return Health("Needs re-authorization", "bad", connection.last_error)
    if connection.status != ZohoConnection.Status.CONNECTED:
        return Health(connection.get_status_display(), "warn", "Finish the Zoho CRM Integration setup.")
    if budget and credits_used >= budget:
        return Health("Credit budget spent", "bad", f"{credits_used} of {budget} API credits used in the last "
                      "24 hours; syncs resume as the window moves on.")
    if reason == SyncRun.StopReason.CREDIT_BUDGET:
        return Health("Credit budget reached", "warn", last.error_summary)
    if reason == SyncRun.StopReason.RATE_LIMITED:
        return Health("Rate-limited", "warn", last.error_summary)
    if budget and credits_used >= budget * 0.8:
        return Health("Credit budget nearly spent", "warn", f"{credits_used} of {budget} API credits used in the "
                      "last 24 hours.")
    return Health("Connected", "ok", "")


def record_counts(sync_settings: SyncSettings) -> dict:
    rows = SyncedRecord.objects.filter(settings=sync_settings).values("module", "status").annotate(n=Count("id"))
    counts = {"Contacts": 0, "Leads": 0, "Deals": 0, "Accounts": 0, "Sales_Orders": 0, "Products": 0, "failed": 0}
    for row in rows:
        if row["status"] == SyncedRecord.Status.SYNCED and row["module"] in counts:
            counts[row["module"]] += row["n"]
        elif row["status"] == SyncedRecord.Status.FAILED:
            counts["failed"] += row["n"]
    return counts


def store_rows(user, stores, sync_settings: SyncSettings | None = None) -> list[dict]:
    """Stores with what the page may show: check status, why the last run could not read it (if so), and for
    WooCommerce the webhook URL and masked secret."""
    visible = Store.visible_to(user)
    read_errors = dict(StoreCheckpoint.objects.filter(settings=sync_settings).exclude(read_error="").values_list(
        "store_id", "read_error")) if sync_settings else {}
    return [
        {"store": store, "webhook_url": store.webhook_url if store.kind == Store.Kind.WOOCOMMERCE else "",
         "masked_secret": mask(store.webhook_secret), "read_error": read_errors.get(store.pk, "")}
        for store in stores.filter(pk__in=visible.values("pk"))
    ]


def card(user, connection: ZohoConnection) -> Card:
    sync_settings = access.settings_or_none(connection)
    runs = list(sync_settings.runs.filter(dry_run=False)[:RECENT_RUNS]) if sync_settings else []
    latest = runs[0] if runs else None
    used = limits.credits_used_24h(connection)
    result = Card(connection, sync_settings, health(connection, last_outcome(runs), used), latest, runs,
                  credits_used=used)
    if sync_settings is None:
        return result
    errors = sync_settings.errors.filter(status=RecordError.Status.OPEN)
    result.active_reset = active_reset(sync_settings)
    result.bulk_write = pending_bulk_write(sync_settings)
    result.counts = record_counts(sync_settings)
    result.open_errors = list(errors[:INBOX_PREVIEW])
    result.open_error_count = errors.count()
    result.stores = store_rows(user, included_stores(sync_settings), sync_settings)
    # Follow a run queued for the worker ("Sync now", "Save" create it at once) or still running.
    result.watch = any(run.is_active for run in runs)
    return result


def store_statuses(user) -> list[dict]:
    """An affiliate's read-only view: each of their stores, its check, and whether the platform syncs it."""
    platform = SyncSettings.objects.filter(connection__owner__isnull=True, enabled=True).select_related(
        "connection").first()
    synced = set(included_stores(platform).values_list("pk", flat=True)) if platform else set()
    return [{**row, "synced": row["store"].pk in synced, "last_sync_at": platform.last_sync_at if platform else None}
            for row in store_rows(user, Store.visible_to(user))]


def home(request):
    user = request.user
    connections = connections_for(user).select_related("api_client").order_by("owner_id", "name")
    context = {
        "cards": [card(user, connection) for connection in connections],
        "can_configure": access.can_configure(user),
    }
    if not context["can_configure"]:
        context["stores"] = store_statuses(user)
        context["not_allowed"] = access.NOT_ALLOWED
    return render(request, "syncs/dashboard.html", context)


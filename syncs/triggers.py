"""Runs that a store asks for: a webhook delivery makes every connection that reads the store run soon.

`on_store_changed` receives `integrations.stores.signals.store_changed` (connected in `SyncsConfig.ready`). It
notes the moment on each connection (`store_changed_at`: a run already reading finishes, then the connection is
due again at once, see `run_context.finish`) and queues a run unless one is waiting or running already, so a
burst of deliveries costs one run, not one per delivery. While Zoho has asked the connection to wait (a rate
limit, a credit budget, an outage) no run is queued: the change waits for the next run with everything else.
The run reads what changed like any other: one path.
"""

from django.utils import timezone

from integrations.stores.models import deliveries_never_triggered, ignore_deliveries, note_deliveries_triggered
from integrations.zoho.models import ZohoConnection
from syncs import claims
from syncs.models import SyncRun, SyncSettings
from syncs.selection import settings_for_store

Reason = SyncRun.StopReason
ZOHO_STOPS = (Reason.RATE_LIMITED, Reason.CREDIT_BUDGET, Reason.TRANSIENT)


def on_store_changed(sender, store, **kwargs) -> None:
    store_changed(store)


def store_changed(store) -> list[int]:
    """Note the change on the store's connections and queue their runs; returns the ids of the runs queued."""
    from syncs.services import queued_sync, start_sync

    now = timezone.now()
    note_deliveries_triggered(store, now)
    targets = [s for s in settings_for_store(store)
               if s.connection.status == ZohoConnection.Status.CONNECTED
               and s.sync_option != SyncSettings.SyncOption.NONE]
    if not targets:
        ignore_deliveries(store, "No Zoho connection syncs this store.")
        return []
    queued = []
    for sync_settings in targets:
        SyncSettings.objects.filter(pk=sync_settings.pk).update(store_changed_at=now)
        sync_settings.refresh_from_db(fields=["claimed_at", "heartbeat_at", "next_sync_at"])
        if (claims.is_claimed(sync_settings, now) or queued_sync(sync_settings) or active_reset_of(sync_settings)
                or waiting_for_zoho(sync_settings, now)):
            continue  # the run in progress (or waiting) reads it, or the next one right after it
        queued.append(start_sync(sync_settings, SyncRun.Trigger.WEBHOOK).pk)
    return queued


def active_reset_of(sync_settings) -> bool:
    return SyncRun.objects.filter(settings=sync_settings, trigger=SyncRun.Trigger.RESET,
                                  status__in=SyncRun.ACTIVE).exists()


def waiting_for_zoho(sync_settings, now) -> bool:
    """The last run stopped because Zoho refused, and the time it set for the next run has not come."""
    last = sync_settings.runs.filter(dry_run=False, finished_at__isnull=False).exclude(
        status=SyncRun.Status.SKIPPED).order_by("-finished_at").first()
    return bool(last and last.stop_reason in ZOHO_STOPS and sync_settings.next_sync_at
                and sync_settings.next_sync_at > now)


def stores_waiting(now, grace) -> list[int]:
    """Stores with deliveries whose trigger was lost (stored, then the process died before sending it), received
    more than `grace` ago. The tick triggers them, once."""
    return deliveries_never_triggered(now - grace)

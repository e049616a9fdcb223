"""Runs that a store asks for: a webhook delivery makes every connection that reads the store due now.

`on_store_changed` receives `integrations.stores.signals.store_changed` (connected in `SyncsConfig.ready`). It
notes the moment on each connection (`store_changed_at`: a run already reading finishes, then the connection
is due again at once) and queues a run unless one is waiting or running already, so a burst of deliveries
costs one run, not one per delivery. The run reads what changed like any other: one path.
"""

from django.db.models import Q
from django.utils import timezone

from integrations.stores.models import ignore_deliveries
from integrations.zoho.models import ZohoConnection
from syncs import claims
from syncs.models import SyncRun, SyncSettings
from syncs.selection import settings_for_store


def on_store_changed(sender, store, **kwargs) -> None:
    store_changed(store)


def store_changed(store) -> list[int]:
    """Make the store's connections due now and queue their runs; returns the ids of the runs queued."""
    from syncs.services import queued_sync, start_sync

    now = timezone.now()
    targets = [s for s in settings_for_store(store)
               if s.connection.status == ZohoConnection.Status.CONNECTED
               and s.sync_option != SyncSettings.SyncOption.NONE]
    if not targets:
        ignore_deliveries(store, "No Zoho connection syncs this store.")
        return []
    queued = []
    for sync_settings in targets:
        SyncSettings.objects.filter(pk=sync_settings.pk).update(
            store_changed_at=now, next_sync_at=now)
        sync_settings.refresh_from_db(fields=["claimed_at", "heartbeat_at"])
        if claims.is_claimed(sync_settings, now) or queued_sync(sync_settings) or active_reset_of(sync_settings):
            continue  # the run in progress (or waiting) reads it, or the next one right after it
        queued.append(start_sync(sync_settings, SyncRun.Trigger.WEBHOOK).pk)
    return queued


def active_reset_of(sync_settings) -> bool:
    return SyncRun.objects.filter(settings=sync_settings, trigger=SyncRun.Trigger.RESET,
                                  status__in=SyncRun.ACTIVE).exists()


def stores_waiting(now, grace):
    """Stores with deliveries no run has read yet, received more than `grace` ago (their trigger was lost: a
    worker died before queueing the run). The tick triggers them again."""
    from integrations.stores.models import WebhookEvent

    return sorted(set(WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.PENDING), received_at__lt=now - grace,
    ).values_list("store_id", flat=True)))

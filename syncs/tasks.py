"""django-q2 task functions. Arguments are primitives (ids), never secrets; every task is idempotent,
because the ORM broker delivers at least once.

Renamed tasks keep their old dotted path as an alias while tasks queued under it may still wait in a queue:
`sync_connection` is `run_sync_settings`; `process_webhook_events` now only triggers a run of the store's
connections (webhooks are triggers, the run reads the store)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from integrations.stores.models import Store
from integrations.zoho.models import ZohoConnection
from syncs import claims, triggers
from syncs.engine import run_sync
from syncs.models import SyncRun, SyncSettings

logger = logging.getLogger(__name__)
QUEUED_GRACE = timedelta(minutes=2)
BUSY = "Skipped: another run of this connection is in progress."
NOT_STARTED = ("No worker started this run in time (is `manage.py qcluster` running?). Nothing was lost: the next "
               "scheduled sync sends the changes.")


def due_settings(now=None):
    now = now or timezone.now()
    return (
        SyncSettings.objects.filter(enabled=True, connection__status=ZohoConnection.Status.CONNECTED)
        .exclude(sync_option=SyncSettings.SyncOption.NONE)
        .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now))
        .filter(Q(claimed_at__isnull=True) | Q(heartbeat_at__lt=now - claims.stale_after()))
    )


def tick() -> dict:
    """Every minute: continue runs whose worker died or whose wait for Zoho is over, enqueue due connections,
    and trigger again the stores whose webhook deliveries no run has read."""
    now = timezone.now()
    resumed = continue_runs(now)
    close_unstarted_syncs(now - timedelta(seconds=settings.Q_TIMEOUT), now)
    busy = set(SyncRun.objects.filter(status__in=SyncRun.ACTIVE).filter(
        Q(trigger=SyncRun.Trigger.RESET) | Q(slices__gt=0)).values_list("settings_id", flat=True))
    enqueued = []
    for sync_settings in due_settings(now).exclude(pk__in=busy):
        # Move the due date first, so the next tick does not enqueue it again while it waits in the queue.
        next_at = now + timedelta(minutes=sync_settings.interval_minutes or 30)
        if SyncSettings.objects.filter(pk=sync_settings.pk, next_sync_at=sync_settings.next_sync_at).update(
            next_sync_at=next_at
        ):
            async_task("syncs.tasks.run_sync_settings", sync_settings.pk, SyncRun.Trigger.SCHEDULE)
            enqueued.append(sync_settings.pk)
    stores = triggers.stores_waiting(now, QUEUED_GRACE)
    for store in Store.objects.filter(pk__in=stores):
        triggers.store_changed(store)
    return {"resumed_runs": resumed, "enqueued": enqueued, "webhook_stores": stores}


def continue_runs(now) -> list[int]:
    """Hand to a worker every run that should go on: a run whose worker died (its heartbeat is a few minutes
    old: kill -9, a timeout, a deploy), a run whose wait for Zoho is over (`resume_at`), and a queued reset or
    continuation whose task was lost. Each is queued again (one conditional UPDATE, so two ticks enqueue it
    once) and continues from its cursor. A dead dry run is closed instead: it recorded nothing to continue."""
    stale = now - claims.stale_after()
    dead = SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=stale)
    dead.filter(dry_run=True).update(
        status=SyncRun.Status.FAILED, finished_at=now, stop_reason=SyncRun.StopReason.CRASHED,
        error_summary="The worker stopped during this preview (killed or timed out). Run the preview again.",
    )
    lost = now - QUEUED_GRACE
    candidates = SyncRun.objects.filter(
        Q(status=SyncRun.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=SyncRun.Status.QUEUED, resume_at__lte=now)
        | Q(status=SyncRun.Status.QUEUED, resume_at__isnull=True, queued_at__lt=lost)
        & (Q(trigger=SyncRun.Trigger.RESET) | Q(slices__gt=0))
    ).exclude(dry_run=True)
    resumed = []
    for run in candidates.only("pk", "status", "heartbeat_at", "resume_at", "queued_at"):
        if SyncRun.objects.filter(pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at,
                                  resume_at=run.resume_at, queued_at=run.queued_at).update(
            status=SyncRun.Status.QUEUED, resume_at=None, queued_at=now,
        ):
            async_task("syncs.tasks.continue_run", run.pk, task_name=f"syncs.run.{run.pk}")
            resumed.append(run.pk)
    return resumed


def close_unstarted_syncs(queued_before, now) -> int:
    """Syncs ("Sync now") still queued after the worker timeout lost their task (no worker, a purged queue): end
    them, so no page waits for them forever. Their work is not lost: the next scheduled sync does it. A run that
    already worked a slice (a continuation, a run waiting for Zoho) is continued by `continue_runs` instead."""
    return SyncRun.objects.filter(status=SyncRun.Status.QUEUED, queued_at__lt=queued_before, slices=0).exclude(
        trigger=SyncRun.Trigger.RESET).update(
        status=SyncRun.Status.FAILED, finished_at=now, stop_reason=SyncRun.StopReason.NOT_STARTED,
        error_summary=NOT_STARTED,
    )


def run_sync_settings(sync_settings_id: int, trigger: str = SyncRun.Trigger.MANUAL,
                      run_id: int | None = None) -> dict:
    """Run one sync of these sync settings: the queued run `run_id` ("Sync now", a webhook), or a new one (the
    schedule)."""
    sync_settings = SyncSettings.objects.select_related("connection").filter(pk=sync_settings_id).first()
    if sync_settings is None:
        return {"skipped": "no such settings"}
    if run_id is None:
        return summary(run_sync(sync_settings, trigger))
    run = SyncRun.objects.filter(pk=run_id, settings=sync_settings, status=SyncRun.Status.QUEUED).first()
    if run is None:
        return {"skipped": "the run is no longer queued"}  # already run (a repeated task) or closed by the tick
    if run_sync(sync_settings, trigger, run=run) is None:
        skip(run)
    return summary(run)


def skip(run: SyncRun) -> None:
    """A queued run that found another run of its connection in progress ends at once, saying so."""
    run.status, run.stop_reason, run.error_summary = SyncRun.Status.SKIPPED, SyncRun.StopReason.BUSY, BUSY
    run.finished_at = timezone.now()
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        status=run.status, stop_reason=run.stop_reason, error_summary=run.error_summary, finished_at=run.finished_at)


def continue_run(run_id: int) -> dict:
    """The next slice of a run (a reset, or a sync that ended a slice, waited for Zoho or lost its worker)."""
    run = SyncRun.objects.select_related("settings__connection").filter(pk=run_id).first()
    if run is None or not run.is_active:
        return {"skipped": "the run is no longer active"}
    result = run_sync(run.settings, run.trigger, run=run)
    if result is None and run.slices == 0 and run.trigger != SyncRun.Trigger.RESET:
        skip(run)  # a preview (or a sync) that never started: say so at once
        return summary(run)
    if result is None:
        return {"skipped": "another worker holds this connection; the tick continues the run later"}
    return summary(result)


run_reset = continue_run  # the old path, for tasks queued before runs continued in slices


sync_connection = run_sync_settings  # the old path, for tasks queued before the rename


def process_webhook_events(store_id: int) -> dict:
    """Old task path (tasks queued before webhooks became triggers): run the store's connections soon."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return {"skipped": "no such store"}
    return {"queued_runs": triggers.store_changed(store)}


def summary(run: SyncRun | None) -> dict:
    if run is None:
        return {"skipped": "another run of this connection is in progress"}
    if run.status == SyncRun.Status.SKIPPED:
        return {"run": run.pk, "status": run.status, "skipped": "another run of this connection is in progress"}
    return {"run": run.pk, "status": run.status, **run.counts()}

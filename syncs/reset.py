"""Reset Synchronisation: forget what was sent and resend every customer (and order) of the elected types.

Duplicate checking by email means a reset updates the people Zoho already has instead of duplicating them.
The reset is a `SyncRun` (trigger "reset") whose phase is persisted: clear → read → send. If the worker dies,
the run keeps its phase, the unsent emails stay dirty, and the tick hands it to a worker again.
"""

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When

from syncs.models import (
    AccountSnapshot,
    CustomerSnapshot,
    OrderSnapshot,
    ProductSnapshot,
    RecordError,
    StoreCheckpoint,
    SyncedRecord,
    SyncRun,
)

Status = SyncedRecord.Status


def active_reset(sync_settings) -> SyncRun | None:
    return SyncRun.objects.filter(settings=sync_settings, trigger=SyncRun.Trigger.RESET,
                                  status__in=SyncRun.ACTIVE).first()


def start_reset(sync_settings) -> SyncRun:
    """Queue a reset, or return the one already queued or running (pressing the button twice is harmless)."""
    from django_q.tasks import async_task

    existing = active_reset(sync_settings)
    if existing:
        return existing
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.RESET,
                                         phase=SyncRun.Phase.CLEAR)
    except IntegrityError:
        return active_reset(sync_settings)
    # Outside the transaction: in tests (sync mode) the task runs inline and must see the committed run.
    async_task("syncs.tasks.run_reset", run.pk, task_name=f"syncs.reset.{run.pk}")
    return SyncRun.objects.get(pk=run.pk)


def clear_sync_state(sync_settings) -> None:
    """Forget hashes, checkpoints, snapshots, deleted marks and the inbox; keep the Zoho ids of records that
    still exist, so a Lead that starts purchasing can still be converted."""
    with transaction.atomic():
        SyncedRecord.objects.filter(settings=sync_settings).exclude(status=Status.CONVERTED).update(
            payload_hash="", status=Status.PENDING,
            zoho_id=Case(When(status__in=(Status.DELETED_IN_ZOHO, Status.DELETED_IN_STORE), then=Value("")),
                         default=F("zoho_id")),
        )
        StoreCheckpoint.objects.filter(settings=sync_settings).delete()
        CustomerSnapshot.objects.filter(settings=sync_settings).delete()
        OrderSnapshot.objects.filter(settings=sync_settings).delete()
        ProductSnapshot.objects.filter(settings=sync_settings).delete()
        AccountSnapshot.objects.filter(settings=sync_settings).delete()
        RecordError.objects.filter(settings=sync_settings).delete()

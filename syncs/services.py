"""What the UI (views, admin, commands) calls; each function is one user action."""

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from integrations.zoho.crm import ZohoCRM
from syncs import store_fields
from syncs.engine import Hooks, run_sync
from syncs.mapping import create_default_mappings, mappings_by_module
from syncs.models import (
    ACCOUNTS,
    ORDER_MODULES,
    PERSON_MODULES,
    PRODUCTS,
    CustomerSnapshot,
    OrderSnapshot,
    ProductSnapshot,
    RecordError,
    SyncedRecord,
    SyncRun,
    SyncSettings,
)
from syncs.reset import start_reset  # noqa: F401  (part of this API)
from syncs.validation import Problem, field_specs, validate_mappings


def settings_for(connection) -> SyncSettings:
    """The connection's sync settings, created with DecoNetwork's defaults and default mappings."""
    sync_settings, created = SyncSettings.objects.get_or_create(connection=connection)
    if created:
        create_default_mappings(sync_settings)
    return sync_settings


def save_settings(sync_settings: SyncSettings) -> None:
    """Mark settings saved: the connection is scheduled, its first sync due now."""
    sync_settings.enabled = True
    sync_settings.next_sync_at = timezone.now()
    sync_settings.save()


def start_sync(sync_settings: SyncSettings, trigger: str = SyncRun.Trigger.MANUAL) -> SyncRun:
    """"Sync now": a queued run the UI can follow at once, and its task. Pressing again while it waits returns
    the same run (and hands it to the queue again). A run that finds another one in progress ends "skipped"."""
    run = queued_sync(sync_settings) or SyncRun.objects.create(settings=sync_settings, trigger=trigger)
    # Outside any transaction: in tests (sync mode) the task runs inline and must see the committed run.
    async_task("syncs.tasks.run_sync_settings", sync_settings.pk, run.trigger, run.pk)
    return SyncRun.objects.get(pk=run.pk)


def queued_sync(sync_settings: SyncSettings) -> SyncRun | None:
    """A sync (not a reset) still waiting for a worker."""
    return sync_settings.runs.filter(status=SyncRun.Status.QUEUED, dry_run=False).exclude(
        trigger=SyncRun.Trigger.RESET).first()


def latest_run(sync_settings: SyncSettings, trigger: str | None = None) -> SyncRun | None:
    runs = sync_settings.runs.filter(dry_run=False)
    if trigger:
        runs = runs.filter(trigger=trigger)
    return runs.first()


def run_progress(run: SyncRun) -> dict:
    """For a progress bar: poll this with the run's id."""
    run.refresh_from_db()
    return {
        "id": run.pk, "trigger": run.trigger, "status": run.status, "phase": run.phase,
        "done": run.progress_done, "total": run.progress_total, "percent": run.progress_percent,
        "finished": not run.is_active, "error": run.error_summary, "slices": run.slices, **run.counts(),
    }


def dry_run(sync_settings: SyncSettings, *, reset: bool = False, hooks: Hooks | None = None) -> SyncRun | None:
    """What a sync (or a reset) would send, without writing to Zoho: counts plus examples in `report`."""
    trigger = SyncRun.Trigger.RESET if reset else SyncRun.Trigger.MANUAL
    return run_sync(sync_settings, trigger, dry_run=True, hooks=hooks)


def start_preview(sync_settings: SyncSettings) -> SyncRun:
    """Preview in the background: a queued dry run and its task (the page follows its progress). Pressing again
    while one is active returns it."""
    run = active_preview(sync_settings)
    if run:
        return run
    run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.MANUAL, dry_run=True)
    async_task("syncs.tasks.continue_run", run.pk, task_name=f"syncs.run.{run.pk}")
    return SyncRun.objects.get(pk=run.pk)


def active_preview(sync_settings: SyncSettings) -> SyncRun | None:
    return sync_settings.runs.filter(dry_run=True, status__in=SyncRun.ACTIVE).first()


def cancel_preview(run: SyncRun) -> bool:
    """Stop a preview: its worker notices at its next heartbeat and stops (a preview writes nothing)."""
    return bool(SyncRun.objects.filter(pk=run.pk, dry_run=True, status__in=SyncRun.ACTIVE).update(
        status=SyncRun.Status.CANCELLED, stop_reason=SyncRun.StopReason.CANCELLED, finished_at=timezone.now(),
        error_summary="Cancelled before it finished; nothing was written to Zoho.",
    ))


def check_mappings(sync_settings: SyncSettings) -> dict[str, list[Problem]]:
    """Each elected module's mapping problems against the org's live field metadata (empty lists: fine)."""
    crm = ZohoCRM(sync_settings.connection)
    mappings = mappings_by_module(sync_settings)
    return {
        module: validate_mappings(module, mappings.get(module, []), field_specs(crm.fields(module)),
                                  sync_settings.last_name_fallback, store_fields.kinds_for(sync_settings))
        for module in sync_settings.modules
    }


def retry_errors(errors) -> int:
    """Inbox "Retry": send these records again on the next run (which is started now). A Deal is resent from
    its order, a Contact or Lead from its customer; the entry is resolved when Zoho accepts the record."""
    errors = list(errors.exclude(status=RecordError.Status.RESOLVED).select_related("settings"))
    by_settings = {}
    for error in errors:
        by_settings.setdefault(error.settings, set()).add((error.module, error.key))
    with transaction.atomic():
        for sync_settings, keys in by_settings.items():
            now = timezone.now()
            emails = {key for module, key in keys if module in PERSON_MODULES or not module}
            orders = {key for module, key in keys if module in ORDER_MODULES}
            skus = {key for module, key in keys if module == PRODUCTS}
            accounts = {key for module, key in keys if module == ACCOUNTS}
            for module, key in keys:
                SyncedRecord.objects.filter(settings=sync_settings, module=module, key=key).update(payload_hash="")
            people = CustomerSnapshot.objects.filter(settings=sync_settings)
            if not accounts:  # an Account is planned from its people: look at them all (unchanged ones cost nothing)
                people = people.filter(email__in=emails)
            people.update(dirty=True, staged_at=now)
            OrderSnapshot.objects.filter(settings=sync_settings, key__in=orders).update(dirty=True, staged_at=now)
            ProductSnapshot.objects.filter(settings=sync_settings, sku__in=skus).update(dirty=True, staged_at=now)
        RecordError.objects.filter(pk__in=[e.pk for e in errors]).update(
            status=RecordError.Status.RETRYING, updated_at=timezone.now())
    for sync_settings in by_settings:
        start_sync(sync_settings)
    return len(errors)


def ignore_errors(errors) -> int:
    """Inbox "Ignore": dismiss; the record is not sent again until the customer changes."""
    return errors.filter(status__in=(RecordError.Status.OPEN, RecordError.Status.RETRYING)).update(
        status=RecordError.Status.IGNORED, updated_at=timezone.now())

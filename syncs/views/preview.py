"""Preview and Save: a dry run shows a sample of what will be created, updated and rejected, without writing
to Zoho; "Save" then turns the schedule on (every 30 minutes) and starts the first sync.

The dry run runs in the background (a worker, the one engine path), never in the web request: the page shows
its progress bar, the same as a reset's, with Cancel, and reloads with the report when it ends."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations import audit
from syncs import services
from syncs.mapping import mappings_by_module
from syncs.models import SyncRun, SyncSettings
from syncs.views import access
from syncs.views.runs import report_sections


def _settings(request, pk) -> tuple:
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    return connection, access.settings_or_none(connection)


def preview(request, pk):
    connection, sync_settings = _settings(request, pk)
    if sync_settings is None:
        messages.error(request, "Choose a sync option and connect Zoho first.")
        return redirect(access.wizard_url(connection))
    if request.method == "POST":
        return run_preview(request, sync_settings)
    running = services.active_preview(sync_settings)
    run = sync_settings.runs.filter(dry_run=True).exclude(status__in=SyncRun.ACTIVE).first()
    return render(request, "syncs/preview.html", {
        "connection": connection, "sync_settings": sync_settings, "run": run, "running": running,
        "sections": report_sections(run) if run else [],
        "mappings": {m: rows for m, rows in mappings_by_module(sync_settings).items() if m in sync_settings.modules},
    })


def run_preview(request, sync_settings: SyncSettings):
    """Start the dry run in the background (it reads the stores and Zoho's field list, and writes nothing to
    Zoho); the preview page follows it."""
    run = services.start_preview(sync_settings)
    run.refresh_from_db()
    if run.status == SyncRun.Status.SKIPPED:
        messages.error(request, "A sync of this connection is running right now. Run the preview again when it "
                                "has finished.")
    elif run.status == SyncRun.Status.FAILED:
        messages.error(request, f"The preview could not finish: {run.error_summary}")
    return redirect("sync-preview", pk=sync_settings.connection_id)


@require_POST
def cancel(request, pk):
    """Cancel the preview in progress (its worker stops at its next heartbeat)."""
    connection, sync_settings = _settings(request, pk)
    running = services.active_preview(sync_settings) if sync_settings else None
    if running and services.cancel_preview(running):
        messages.success(request, "The preview was cancelled.")
    return redirect("sync-preview", pk=connection.pk)


@require_POST
def save(request, pk):
    """DecoNetwork's final "Save": schedule the connection (first sync now, then every 30 minutes)."""
    connection, sync_settings = _settings(request, pk)
    if sync_settings is None or sync_settings.sync_option == SyncSettings.SyncOption.NONE:
        messages.error(request, "Choose “Sync all Customers over all Affiliate Stores” or “Only Sync Customers "
                                "from “My” Stores” first: with “Don't Sync any Customer data” there is nothing "
                                "to save.")
        return redirect(access.wizard_url(connection))
    if not sync_settings.modules:
        messages.error(request, "Tick Sync Contacts and/or Sync Leads under Record Mapping first.")
        return redirect(access.wizard_url(connection, "record-mapping"))
    services.save_settings(sync_settings)
    run = services.start_sync(sync_settings)  # queued at once: the dashboard follows it
    audit.record(audit.Action.IMPORT, f"Saved the integration and started the import (run #{run.pk}).",
                 user=request.user, connection=connection)
    messages.success(request, f"Saved. The first sync of {connection} has started; after it, customers whose "
                              f"mapped fields changed are sent every {sync_settings.interval_minutes} minutes.")
    return redirect("home")

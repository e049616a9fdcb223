"""A run's page (drill-down: counts, progress, what was sampled, the records it refused) and "Sync now"."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from syncs import services
from syncs.bulk_status import PendingBulkWrite, pending_bulk_write
from syncs.models import SyncRun, SyncSettings
from syncs.views import access

REPORT_LABELS = {
    "unreadable_stores": "Stores that could not be read",
    "creates": "Will be created" , "updates": "Will be updated", "invalid": "Rejected",
    "conversions": "Leads converted to Contacts", "deletes": "Deleted in Zoho",
    "deleted_in_zoho": "Found deleted in Zoho", "deleted_in_store": "Found deleted in the store",
}


def report_sections(run: SyncRun) -> list[tuple[str, str, list]]:
    return [(key, label, run.report[key]) for key, label in REPORT_LABELS.items() if run.report.get(key)]


def run_in_progress(run: SyncRun) -> SyncRun | None:
    """For a run skipped because its connection was busy: the run that kept it busy, if it still runs."""
    if run.status != SyncRun.Status.SKIPPED:
        return None
    return run.settings.runs.filter(status=SyncRun.Status.RUNNING).exclude(pk=run.pk).first()


def jobs_waited_for(run: SyncRun) -> PendingBulkWrite | None:
    """The connection's Bulk Write jobs Zoho still processes, on the page of a run that waits for them (it
    stopped for them, or is following them now)."""
    if run.dry_run or not (run.is_active or run.stop_reason == SyncRun.StopReason.BULK_WRITE):
        return None
    return pending_bulk_write(run.settings)


def run_detail(request, run_id):
    run = access.run_or_404(request.user, run_id)
    return render(request, "syncs/run.html", {
        "run": run,
        "connection": run.settings.connection,
        "sections": report_sections(run),
        "errors": run.errors.all()[:100],
        "busy_with": run_in_progress(run),
        "bulk_write": jobs_waited_for(run),
    })


@require_POST
def sync_now(request, pk):
    """"Sync now": queue a run and show its page, whose progress bar follows it from "queued" to the end."""
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    sync_settings = access.settings_or_none(connection)
    if not (sync_settings and sync_settings.enabled) or sync_settings.sync_option == SyncSettings.SyncOption.NONE:
        messages.error(request, "Nothing to sync yet: choose a sync option, map the fields and click Save on the "
                                "Zoho CRM Integration page first.")
        return redirect("home")
    run = services.start_sync(sync_settings)
    messages.success(request, f"Sync of {connection} started. This page updates when it finishes.")
    return redirect("sync-run", run_id=run.pk)

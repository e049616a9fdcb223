"""Reset Synchronisation: a confirmation that says what will happen (OK / Cancel), then the reset's run page
with its progress bar and Finish. Coming back while it runs shows the same run."""

from django.contrib import messages
from django.shortcuts import redirect, render

from integrations import audit
from syncs import services
from syncs.reset import active_reset
from syncs.views import access


def reset_sync(request, pk):
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    sync_settings = access.settings_or_none(connection)
    if sync_settings is None or not sync_settings.enabled:
        messages.error(request, "There is nothing to reset yet: save the Zoho CRM Integration settings first.")
        return redirect(access.wizard_url(connection))
    running = active_reset(sync_settings)
    if running:
        return redirect("sync-run", run_id=running.pk)
    if request.method == "POST":
        run = services.start_reset(sync_settings)
        audit.record(audit.Action.RESET, f"Reset the synchronisation of {' and '.join(sync_settings.modules)} "
                                         f"(run #{run.pk}).", user=request.user, connection=connection)
        return redirect("sync-run", run_id=run.pk)
    return render(request, "syncs/reset_confirm.html", {
        "connection": connection, "sync_settings": sync_settings,
        "record_types": " and ".join(sync_settings.modules) or "no record types",
    })

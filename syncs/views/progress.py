"""Small JSON documents the pages poll: a run's progress bar, and a connection's latest run for the dashboard."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from syncs import services
from syncs.views import access


@require_GET
@never_cache
def run_progress(request, run_id):
    """{status, phase, done, total, percent, finished, error, seen, created, updated, …} of one run."""
    run = access.run_or_404(request.user, run_id)
    return JsonResponse({**services.run_progress(run), "phase_label": run.get_phase_display(),
                         "status_label": run.get_status_display(), "waiting": run.waiting_label})


@require_GET
@never_cache
def connection_status(request, pk):
    """The newest real run of a connection: the dashboard reloads when it changes or finishes."""
    connection = access.connection_or_404(request.user, pk)
    sync_settings = access.settings_or_none(connection)
    latest = services.latest_run(sync_settings) if sync_settings else None
    return JsonResponse({
        "connection": connection.pk,
        "connection_status": connection.status,
        "latest_run": latest.pk if latest else None,
        "status": latest.status if latest else None,
        "active": bool(latest and latest.is_active),
        "done": latest.progress_done if latest else 0,
        "total": latest.progress_total if latest else 0,
    })

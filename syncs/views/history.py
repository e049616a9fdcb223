"""A connection's sync history: the 30-day chart (server-side SVG) and every run, paginated and filtered by
trigger and status, each linking to its report."""

from django.core.paginator import Paginator
from django.shortcuts import render

from syncs import history as daily
from syncs.models import SyncRun
from syncs.views import access

RUNS_PER_PAGE = 25


def choice(request, name: str, choices) -> str:
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


def history(request, pk):
    connection = access.connection_or_404(request.user, pk)
    sync_settings = access.settings_or_none(connection)
    trigger = choice(request, "trigger", SyncRun.Trigger)
    status = choice(request, "status", SyncRun.Status)
    runs = sync_settings.runs.filter(dry_run=False).defer("report") if sync_settings else SyncRun.objects.none()
    if trigger:
        runs = runs.filter(trigger=trigger)
    if status:
        runs = runs.filter(status=status)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    days = daily.daily_totals(sync_settings) if sync_settings else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "syncs/history.html", {
        "connection": connection, "chart": daily.chart(days) if days else None, "page": page,
        "trigger": trigger, "status": status, "triggers": SyncRun.Trigger.choices, "statuses": SyncRun.Status.choices,
        "query": query.urlencode(),
    })

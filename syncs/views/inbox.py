"""The error inbox: each record Zoho refused (or pre-validation caught), why, and Retry / Ignore. Paginated,
searchable and filtered (syncs/inbox_filter.py); "Retry all matching" and the CSV export take the same filters."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from syncs import services
from syncs.inbox_filter import InboxFilter, csv_rows
from syncs.models import RecordError
from syncs.views import access

PAGE_SIZE = 50


def connection_errors(user, connection):
    return access.errors_for(user).filter(settings__connection=connection)


def inbox(request, pk):
    connection = access.connection_or_404(request.user, pk)
    errors = connection_errors(request.user, connection)
    filters = InboxFilter(request.GET, errors)
    page = Paginator(filters.apply(errors).select_related("run"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "syncs/inbox.html", {
        "connection": connection, "filters": filters, "page": page, "errors": page.object_list,
        "query": filters.query(), "can_configure": access.can_configure(request.user),
        "any_filter": bool(set(filters.criteria()) - {"status"}),
    })


def export(request, pk):
    """The CSV of what the inbox shows with these filters (every page of it)."""
    connection = access.connection_or_404(request.user, pk)
    errors = connection_errors(request.user, connection)
    matching = InboxFilter(request.GET, errors).apply(errors)
    rows = csv_rows(matching, timezone.get_current_timezone())
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"error-inbox-{connection.name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _back(request, error):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("sync-errors", pk=error.settings.connection_id)


@require_POST
def retry(request, error_id):
    error = access.error_or_404(request.user, error_id)
    access.require_configure(request.user)
    count = services.retry_errors(RecordError.objects.filter(pk=error.pk))
    messages.success(request, f"{error.key} will be sent again by the sync that starts now." if count else
                     f"{error.key} is already resolved.")
    return _back(request, error)


@require_POST
def ignore(request, error_id):
    error = access.error_or_404(request.user, error_id)
    access.require_configure(request.user)
    services.ignore_errors(RecordError.objects.filter(pk=error.pk))
    messages.info(request, f"{error.key}: ignored. It is not sent again until the customer changes.")
    return _back(request, error)


@require_POST
def retry_all(request, pk):
    """"Retry all matching": every record the posted filters match (all pages), resolved ones excepted."""
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    errors = connection_errors(request.user, connection)
    filters = InboxFilter(request.POST, errors)
    count = services.retry_errors(filters.apply(errors))
    messages.success(request, f"{count} record(s) will be sent again by the sync that starts now.")
    url, query = reverse("sync-errors", args=[connection.pk]), filters.query()
    return redirect(f"{url}?{query}" if query else url)

"""The error inbox: each record Zoho refused (or pre-validation caught), why, and Retry / Ignore."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from syncs import services
from syncs.models import RecordError
from syncs.views import access

PAGE_SIZE = 100


def inbox(request, pk):
    connection = access.connection_or_404(request.user, pk)
    sync_settings = access.settings_or_none(connection)
    status = request.GET.get("status", RecordError.Status.OPEN)
    if status not in RecordError.Status.values:
        status = RecordError.Status.OPEN
    errors = sync_settings.errors.filter(status=status).select_related("run") if sync_settings else []
    return render(request, "syncs/inbox.html", {
        "connection": connection, "errors": errors[:PAGE_SIZE], "status": status,
        "statuses": RecordError.Status.choices, "can_configure": access.can_configure(request.user),
    })


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
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    errors = access.errors_for(request.user).filter(settings__connection=connection,
                                                    status=RecordError.Status.OPEN)
    count = services.retry_errors(errors)
    messages.success(request, f"{count} record(s) will be sent again by the sync that starts now.")
    return redirect("sync-errors", pk=connection.pk)

"""Who may see and change what. Staff (platform admins) see every connection; an affiliate owner only their
own (404 for others'), and may change sync settings only while the platform allows affiliate integrations
(403 otherwise)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse

from integrations.zoho.models import ZohoConnection, connections_for
from syncs.models import RecordError, SyncRun, SyncSettings
from syncs.selection import platform_allows_affiliates

NOT_ALLOWED = ("Your platform administrator has not allowed affiliate stores to set up their own Zoho "
               "integration, so these settings are read-only.")


def can_configure(user) -> bool:
    return user.is_staff or platform_allows_affiliates()


def require_configure(user) -> None:
    if not can_configure(user):
        raise PermissionDenied(NOT_ALLOWED)


def connection_or_404(user, pk) -> ZohoConnection:
    return get_object_or_404(connections_for(user).select_related("api_client"), pk=pk)


def settings_or_none(connection: ZohoConnection | None) -> SyncSettings | None:
    if connection is None:
        return None
    return SyncSettings.objects.filter(connection=connection).first()


def runs_for(user):
    return SyncRun.objects.filter(settings__connection__in=connections_for(user))


def errors_for(user):
    return RecordError.objects.filter(settings__connection__in=connections_for(user))


def run_or_404(user, pk) -> SyncRun:
    return get_object_or_404(runs_for(user).select_related("settings__connection"), pk=pk)


def error_or_404(user, pk) -> RecordError:
    return get_object_or_404(errors_for(user).select_related("settings__connection"), pk=pk)


def wizard_url(connection: ZohoConnection | None, anchor: str = "") -> str:
    """The Zoho CRM Integration page of a connection (of a new one when None)."""
    url = reverse("zoho-connection", args=[connection.pk]) if connection else reverse("zoho-integration")
    return f"{url}#{anchor}" if anchor else url

"""Admin → Marketing → Zoho CRM Integration: DecoNetwork's setup page as one wizard.

1 sync option and affiliate setting, 2 API credentials (with what to enter in Zoho's API console),
3 grant token → authentication token → verify, 4 Record Mapping (after a successful verify), then
Map Fields (mapping.py) and Preview → Save (preview.py). The grant-flow steps it runs come from
integrations.zoho.feedback (they report as messages; this page chooses where to go); the small grant-flow views
beside it (callback, Verify, Reset) are integrations.zoho.views, sent back here through the page syncs registers
at start-up (syncs.apps).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integrations import audit
from integrations.zoho import feedback
from integrations.zoho.console import register_context
from integrations.zoho.forms import ZohoCredentialsForm
from integrations.zoho.models import ZohoConnection, connections_for, default_connection
from syncs import services
from syncs.bulk_status import pending_bulk_write
from syncs.forms import RecordMappingForm, SyncOptionForm
from syncs.models import SyncSettings
from syncs.reset import active_reset
from syncs.views import access
from syncs.views.dashboard import store_statuses
from syncs.views.preview import run_preview


def verified(connection: ZohoConnection | None) -> bool:
    """Record Mapping appears once Verify succeeded (DecoNetwork's step 6)."""
    return bool(connection and connection.status == ZohoConnection.Status.CONNECTED
                and connection.last_verified_at and not connection.last_error)


def wizard(request, pk=None):
    """GET the page; POST saves the sync option and credentials, then runs the button that was pressed."""
    user = request.user
    connection = access.connection_or_404(user, pk) if pk else default_connection(user)
    if not access.can_configure(user):
        if request.method == "POST":
            raise PermissionDenied(access.NOT_ALLOWED)
        return render(request, "syncs/not_allowed.html", {"stores": store_statuses(user),
                                                           "message": access.NOT_ALLOWED})
    sync_settings = access.settings_or_none(connection)
    option_form = SyncOptionForm(request.POST or None, user=user, sync_settings=sync_settings)
    initial = {"data_center": "sandbox"} if connection is None and settings.SANDBOX_ENABLED else {}
    credentials_form = ZohoCredentialsForm(request.POST or None, connection=connection, initial=initial)
    if request.method == "POST":
        return _post(request, connection, option_form, credentials_form)
    return render(request, "syncs/wizard.html", _context(request, connection, option_form, credentials_form))


def _post(request, connection, option_form, credentials_form):
    if not option_form.is_valid():
        return render(request, "syncs/wizard.html", _context(request, connection, option_form, credentials_form),
                      status=400)
    posted_option = "sync_option" in request.POST
    if posted_option and option_form.chosen() == SyncSettings.SyncOption.NONE:
        return _dont_sync(request, connection, option_form)
    if not credentials_form.is_valid():
        return render(request, "syncs/wizard.html", _context(request, connection, option_form, credentials_form),
                      status=400)
    owner = connection.owner if connection else (None if request.user.is_staff else request.user)
    connection = credentials_form.save(owner=owner)
    if posted_option:
        option_form.apply(services.settings_for(connection))
    _audit_changes(request, connection, option_form if posted_option else None, credentials_form)
    action = request.POST.get("action", "save")
    if action == "authorize":
        consent_url = feedback.authorization_url(request, connection)
        return redirect(consent_url or access.wizard_url(connection))
    if action == "exchange":
        feedback.exchange_pasted_grant(request, connection, credentials_form.cleaned_data.get("grant_token", ""))
    else:
        messages.success(request, "Zoho API client settings saved.")
    return redirect(access.wizard_url(connection))


def _dont_sync(request, connection, option_form):
    """"Don't Sync any Customer data": no credentials needed; an existing integration stops syncing."""
    if connection is None:
        messages.info(request, "Nothing is synced. Choose a sync option to connect your stores to Zoho CRM.")
        return redirect(access.wizard_url(None))
    option_form.apply(services.settings_for(connection))
    audit.record(audit.Action.SETTINGS, "Chose “Don't Sync any Customer data”.", user=request.user,
                 connection=connection)
    messages.success(request, "Saved: no customer data is synced with Zoho CRM. The Zoho connection is kept, "
                              "so you can turn syncing on again at any time.")
    return redirect(access.wizard_url(connection))


def _audit_changes(request, connection, option_form, credentials_form):
    """What the wizard's POST changed, in the audit log (secret values never, only that one changed)."""
    if credentials_form.cleaned_data.get("client_secret"):
        audit.record(audit.Action.SECRET, "Changed the Zoho API client secret.", user=request.user,
                     connection=connection)
    changed = [credentials_form.fields[name].label or name for name in credentials_form.changed_data
               if name not in ("client_secret", "grant_token")]
    if option_form is not None:
        changed += [option_form.fields[name].label or name for name in option_form.changed_data]
    if changed:
        audit.record(audit.Action.SETTINGS, f"Changed {', '.join(str(c) for c in changed)}.", user=request.user,
                     connection=connection)


def _context(request, connection, option_form, credentials_form) -> dict:
    sync_settings = access.settings_or_none(connection)
    register = register_context(connection)
    chosen_dc = register["data_centers_consoles"].get(credentials_form["data_center"].value() or "")
    return {
        "connection": connection,
        "sync_settings": sync_settings,
        "option_form": option_form,
        "form": credentials_form,
        "verified": verified(connection),
        "record_form": RecordMappingForm(instance=sync_settings) if sync_settings else RecordMappingForm(),
        "active_reset": active_reset(sync_settings) if sync_settings else None,
        "bulk_write": pending_bulk_write(sync_settings),
        "audit_entries": audit.for_connection(connection) if connection else [],
        "others": connections_for(request.user).exclude(pk=connection.pk if connection else None).order_by("name"),
        **register,
        "console_url": chosen_dc or "https://api-console.zoho.com/",
    }


@require_POST
def record_mapping(request, pk):
    """Step 7, "Sync Contacts" / "Sync Leads", then on to "Map Fields" or the preview."""
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    if not verified(connection):
        messages.error(request, "Verify the Zoho API Authentication Token first: Record Mapping needs a working "
                                "connection.")
        return redirect(access.wizard_url(connection))
    sync_settings = services.settings_for(connection)
    form = RecordMappingForm(request.POST, instance=sync_settings)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing was saved: {error}")
        return redirect(access.wizard_url(connection, "record-mapping"))
    form.save()
    audit.record(audit.Action.SETTINGS, f"Record mapping: {', '.join(sync_settings.modules) or 'nothing'} synced.",
                 user=request.user, connection=connection)
    if not sync_settings.modules:
        messages.warning(request, "No record type is ticked, so nothing will be synced.")
        return redirect(access.wizard_url(connection, "record-mapping"))
    if request.POST.get("next") == "preview":
        return run_preview(request, sync_settings)
    module = request.POST.get("module") or sync_settings.modules[0]
    return redirect("sync-mapping", pk=connection.pk, module=module)

"""The Zoho actions of the "Zoho CRM Integration" page, in DecoNetwork's words: the OAuth callback,
Verify, Reset and the field refresh, plus the helpers the setup wizard (syncs.views.wizard, which renders
the page itself) calls for "Generate Zoho API Grant Token" and "Generate Zoho API Authentication Token".
Views stay thin: the work is in grants.py, verification.py and oauth.py; every action is a POST with CSRF."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from integrations import audit

from . import grants, oauth, oauth_state
from .crm import ZohoCRM
from .datacenters import DATA_CENTERS, data_center_for_accounts_server
from .errors import ZohoError
from .models import ZohoConnection, connections_for
from .verification import verify_connection

logger = logging.getLogger(__name__)


def _page(connection: ZohoConnection) -> str:
    return reverse("zoho-connection", args=[connection.pk])


def default_connection(user) -> ZohoConnection | None:
    """The connection a user's "Zoho CRM Integration" page opens with: the platform's for staff, else their own."""
    mine = connections_for(user).filter(owner=None if user.is_staff else user)
    return mine.select_related("api_client").order_by("pk").first()


def register_context(connection: ZohoConnection | None) -> dict:
    """What the page shows for registering this website in Zoho's API console (DecoNetwork's info box)."""
    dc = connection.api_client.data_center_info if connection else None
    return {
        "homepage_url": settings.SITE_URL + "/",
        "redirect_uri": settings.SITE_URL + reverse("zoho-oauth-callback"),
        "data_center": dc,
        "data_centers_consoles": {dc.key: dc.console_url for dc in DATA_CENTERS.values()},
        "scopes": oauth.SCOPES,
    }


def _get_connection(request, pk) -> ZohoConnection:
    return get_object_or_404(connections_for(request.user).select_related("api_client"), pk=pk)


def start_authorization(request, connection):
    """"Generate Zoho API Grant Token": keep a fresh state server-side and send the browser to consent."""
    try:
        dc = grants.client_data_center(connection)
    except ZohoError as exc:
        messages.error(request, exc.explanation)
        return redirect(_page(connection))
    state = oauth_state.stash(request.session, connection.pk)
    return redirect(oauth.authorize_url(connection.api_client, accounts_server=dc.accounts_server, state=state))


def exchange_pasted_grant(request, connection, grant_token: str):
    """"Generate Zoho API Authentication Token" from a pasted grant token."""
    if not grant_token:
        messages.error(request, "Paste a Zoho API Grant Token first.")
        return
    try:
        grants.exchange_pasted_grant(connection, grant_token)
    except ZohoError as exc:
        messages.error(request, f"No authentication token was generated. {exc.explanation}")
        return
    audit.record(audit.Action.CONNECT, "Authorized with a pasted Zoho API grant token.", user=request.user,
                 connection=connection)
    messages.success(request, "Zoho API Authentication Token generated.")
    verify_and_report(request, connection)


def verify_and_report(request, connection) -> bool:
    try:
        result = verify_connection(connection)
    except ZohoError as exc:
        messages.error(request, f"Zoho API authentication token could not be verified. {exc.explanation}")
        return False
    messages.success(request, result.summary())
    return True


@require_GET
@login_required
def oauth_callback(request):
    """Zoho's redirect back, in healthchecks' order: state → denial → accounts server → exchange → save."""
    pending = oauth_state.pop(request.session, request.GET.get("state", ""))
    if pending is None:
        return HttpResponseForbidden(
            "This Zoho authorization is missing its state, or it is wrong, expired or already used. "
            "Start again from the Zoho CRM Integration page."
        )
    connection = _get_connection(request, pending["connection"])
    if "error" in request.GET:
        messages.warning(request, _denial_message(request.GET["error"]))
        return redirect(_page(connection))
    dc = data_center_for_accounts_server(request.GET.get("accounts-server") or "")
    if dc is None:
        logger.warning("Zoho callback named an unknown accounts server for connection %s", connection.pk)
        return HttpResponseBadRequest("Zoho named an accounts server this app does not know; nothing was sent to it.")
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, "Zoho sent no grant token. Click Generate Zoho API Grant Token again.")
        return redirect(_page(connection))
    try:
        grants.exchange_redirect_code(connection, dc, code)
    except ZohoError as exc:
        logger.warning("Zoho code exchange failed for connection %s: %s", connection.pk, exc.code)
        messages.error(request, f"No authentication token was generated. {exc.explanation}")
        return redirect(_page(connection))
    audit.record(audit.Action.CONNECT, f"Authorized through Zoho's consent page ({dc.key} data center).",
                 user=request.user, connection=connection)
    messages.success(request, "Zoho API Authentication Token generated.")
    verify_and_report(request, connection)
    return redirect(_page(connection))


def _denial_message(error: str) -> str:
    if error == "access_denied":
        return "Access was denied on Zoho's consent page, so nothing was connected."
    if error == "no_org":
        return "The Zoho account you signed in with has no Zoho CRM org. Sign in with a Zoho CRM user."
    return f"Zoho did not grant access ({error[:80]}), so nothing was connected."


@require_POST
@login_required
def verify(request, pk):
    """"Verify Zoho API Authentication Token"."""
    connection = _get_connection(request, pk)
    verify_and_report(request, connection)
    return redirect(_page(connection))


@require_POST
@login_required
def reset(request, pk):
    """"Reset Zoho API Authentication Token": revoke at Zoho, forget here."""
    connection = _get_connection(request, pk)
    outcome = grants.reset(connection)
    audit.record(audit.Action.DISCONNECT, outcome, user=request.user, connection=connection)
    messages.info(request, outcome)
    return redirect(_page(connection))


@require_POST
@login_required
def refresh_fields(request, pk):
    """Fetch a module's field list from Zoho again (the mapping editor's refresh button)."""
    connection = _get_connection(request, pk)
    module = request.POST.get("module", "Contacts")
    try:
        fields = ZohoCRM(connection).fields(module, refresh=True)
    except ZohoError as exc:
        messages.error(request, f"Could not fetch the fields of {module}. {exc.explanation}")
    else:
        messages.success(request, f"Fetched {len(fields)} fields of {module} from Zoho.")
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(_page(connection))

"""The grant-flow views beside the "Zoho CRM Integration" page, in DecoNetwork's words: the OAuth callback,
Verify, Reset and the field refresh. The page itself belongs to syncs (the setup wizard), which registers its
URL at start-up (pages.py); each view sends the browser back there. Views stay thin: the work is in grants.py,
verification.py and feedback.py; every action is a POST with CSRF."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from integrations import audit

from . import grants, oauth_state
from .crm import ZohoCRM
from .datacenters import data_center_for_accounts_server
from .errors import ZohoError
from .feedback import verify_and_report
from .models import ZohoConnection, connections_for
from .pages import connection_page

logger = logging.getLogger(__name__)


def _get_connection(request, pk) -> ZohoConnection:
    return get_object_or_404(connections_for(request.user).select_related("api_client"), pk=pk)


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
        return redirect(connection_page(connection))
    dc = data_center_for_accounts_server(request.GET.get("accounts-server") or "")
    if dc is None:
        logger.warning("Zoho callback named an unknown accounts server for connection %s", connection.pk)
        return HttpResponseBadRequest("Zoho named an accounts server this app does not know; nothing was sent to it.")
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, "Zoho sent no grant token. Click Generate Zoho API Grant Token again.")
        return redirect(connection_page(connection))
    try:
        grants.exchange_redirect_code(connection, dc, code)
    except ZohoError as exc:
        logger.warning("Zoho code exchange failed for connection %s: %s", connection.pk, exc.code)
        messages.error(request, f"No authentication token was generated. {exc.explanation}")
        return redirect(connection_page(connection))
    audit.record(audit.Action.CONNECT, f"Authorized through Zoho's consent page ({dc.key} data center).",
                 user=request.user, connection=connection)
    messages.success(request, "Zoho API Authentication Token generated.")
    verify_and_report(request, connection)
    return redirect(connection_page(connection))


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
    return redirect(connection_page(connection))


@require_POST
@login_required
def reset(request, pk):
    """"Reset Zoho API Authentication Token": revoke at Zoho, forget here."""
    connection = _get_connection(request, pk)
    outcome = grants.reset(connection)
    audit.record(audit.Action.DISCONNECT, outcome, user=request.user, connection=connection)
    messages.info(request, outcome)
    return redirect(connection_page(connection))


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
    return redirect(connection_page(connection))

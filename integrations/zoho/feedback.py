"""The grant-flow steps a page runs for the person pressing its buttons, each telling them the outcome as Django
messages. None returns a response: the page that calls them (the grant-flow views beside it, or the setup
wizard in syncs) decides where the browser goes next."""

from django.contrib import messages

from integrations import audit

from . import grants, oauth, oauth_state
from .errors import ZohoError
from .models import ZohoConnection
from .verification import verify_connection


def authorization_url(request, connection: ZohoConnection) -> str | None:
    """"Generate Zoho API Grant Token": keep a fresh state server-side and return Zoho's consent URL (None, with
    the reason as a message, when the connection's data center is unknown)."""
    try:
        dc = grants.client_data_center(connection)
    except ZohoError as exc:
        messages.error(request, exc.explanation)
        return None
    state = oauth_state.stash(request.session, connection.pk)
    return oauth.authorize_url(connection.api_client, accounts_server=dc.accounts_server, state=state)


def exchange_pasted_grant(request, connection: ZohoConnection, grant_token: str) -> None:
    """"Generate Zoho API Authentication Token" from a pasted grant token, then verify."""
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


def verify_and_report(request, connection: ZohoConnection) -> bool:
    try:
        result = verify_connection(connection)
    except ZohoError as exc:
        messages.error(request, f"Zoho API authentication token could not be verified. {exc.explanation}")
        return False
    messages.success(request, result.summary())
    return True

"""Turning a grant token into a stored connection, and undoing it; shared by views and commands."""

import logging

from . import oauth, tokens
from .datacenters import DataCenter
from .errors import ConfigurationError, ZohoError
from .models import ZohoConnection
from .revocation import revoke_quietly

logger = logging.getLogger(__name__)


def client_data_center(connection: ZohoConnection) -> DataCenter:
    dc = connection.api_client.data_center_info
    if dc is None:
        raise ConfigurationError(
            f"Unknown data center {connection.api_client.data_center!r}.", code="unknown_data_center",
            hint="Choose the data center your Zoho account lives in and save.",
        )
    return dc


def exchange_pasted_grant(connection: ZohoConnection, grant_token: str):
    """Paste flow: a (self-client) grant token from the API console, exchanged at the client's data center."""
    dc = client_data_center(connection)
    token = oauth.exchange_code(connection.api_client, accounts_server=dc.accounts_server, code=grant_token.strip())
    _store_and_revoke_the_old(connection, token, accounts_server=dc.accounts_server)
    logger.info("Zoho connection %s authorized with a pasted grant token", connection.pk)


def exchange_redirect_code(connection: ZohoConnection, dc: DataCenter, code: str):
    """Redirect flow: `dc` is the data center whose accounts server Zoho named on the callback."""
    client = connection.api_client
    token = oauth.exchange_code(client, accounts_server=dc.accounts_server, code=code, redirect_uri=client.redirect_uri)
    _store_and_revoke_the_old(connection, token, accounts_server=dc.accounts_server, scopes=oauth.SCOPE)
    logger.info("Zoho connection %s authorized through the consent page", connection.pk)


def _store_and_revoke_the_old(connection: ZohoConnection, token, **grant):
    """Save the new grant, then revoke the refresh token it replaces (re-authorizing leaves none valid)."""
    old_token, old_server = connection.refresh_token, connection.accounts_server
    tokens.store_grant(connection, token, **grant)
    if old_token and old_token != token.refresh_token:
        revoke_quietly(old_server, old_token, why="replaced")


def reset(connection: ZohoConnection) -> str:
    """Revoke the refresh token at Zoho and forget the tokens. Returns what happened, for people."""
    if not connection.refresh_token:
        tokens.clear(connection)
        return "There was no Zoho API authentication token to reset."
    try:
        revoked = oauth.revoke(connection)
    except ZohoError as exc:
        revoked, problem = False, exc.message
    else:
        problem = "" if revoked else "Zoho did not confirm it (the token may already be invalid)."
    tokens.clear(connection)
    logger.info("Zoho connection %s reset (revoked at Zoho: %s)", connection.pk, revoked)
    if revoked:
        return "The Zoho API authentication token was revoked at Zoho and removed here."
    return (f"The Zoho API authentication token was removed here, but revoking it at Zoho failed: {problem} "
            "Remove the app under Connected Apps in your Zoho account if it is still listed.")

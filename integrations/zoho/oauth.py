"""Zoho Accounts OAuth 2.0: the consent URL, code exchange, refresh and revoke.

References:
- https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html (consent request)
- https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html (code → tokens)
- https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html (refresh)
- https://www.zoho.com/crm/developer/docs/api/v8/revoke-tokens.html (revoke)
The token endpoint reports errors with HTTP 200 and an `error` key, so a response counts as a success
only when it carries an `access_token` (as the official SDK does). Secrets travel in POST bodies only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import requests
from django.utils import timezone

from . import transport
from .datacenters import data_center_for_api_domain
from .errors import ConfigurationError, RateLimited, ReauthorizationRequired, TransientError, ZohoError

SCOPES = (
    "ZohoCRM.modules.contacts.ALL",
    "ZohoCRM.modules.leads.ALL",
    "ZohoCRM.modules.deals.ALL",
    "ZohoCRM.modules.accounts.ALL",
    "ZohoCRM.modules.products.ALL",  # Sales Orders' line items name Products
    "ZohoCRM.modules.salesorders.ALL",
    "ZohoCRM.settings.fields.READ",
    "ZohoCRM.settings.modules.READ",
    "ZohoCRM.settings.layouts.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.users.READ",
    "ZohoCRM.bulk.ALL",  # Bulk Write jobs for big sends
    "ZohoFiles.files.ALL",  # uploading the Bulk Write file
)
SCOPE = ",".join(SCOPES)


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    api_domain: str
    expires_in: int
    refresh_token: str = ""
    token_type: str = ""
    scope: str = ""

    def __repr__(self) -> str:  # never show tokens, not even in tracebacks
        return f"TokenResponse(api_domain={self.api_domain!r}, expires_in={self.expires_in})"

    @property
    def expires_at(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.expires_in)

    @classmethod
    def from_response(cls, response: requests.Response, *, expect_refresh_token: bool, redirect_uri: str = ""):
        """Parse a token endpoint response; raise the matching ZohoError for anything else."""
        if response.status_code >= 500:
            raise TransientError(f"Zoho Accounts answered HTTP {response.status_code}.", status=response.status_code)
        try:
            doc = response.json()
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise ZohoError(
                f"Zoho Accounts sent an unexpected response (HTTP {response.status_code}, not a JSON object).",
                code="unexpected_response", status=response.status_code,
            )
        if "error" in doc or "access_token" not in doc:
            raise token_error(doc, redirect_uri=redirect_uri)
        access_token, api_domain = doc.get("access_token"), doc.get("api_domain")
        if not isinstance(access_token, str) or not access_token:
            raise ZohoError("Zoho Accounts sent an empty access token.", code="unexpected_response")
        if not isinstance(api_domain, str) or data_center_for_api_domain(api_domain) is None:
            raise ZohoError(
                f"Zoho Accounts named an unknown API domain {str(api_domain)[:100]!r}; it was not used.",
                code="unexpected_api_domain",
            )
        refresh_token = doc.get("refresh_token") or ""
        if expect_refresh_token and not refresh_token:
            raise ConfigurationError(
                "Zoho issued no refresh token.",
                code="no_refresh_token",
                hint="Generate a new grant token: the consent must ask for offline access "
                "(this app always sends access_type=offline and prompt=consent).",
            )
        return cls(
            access_token=access_token,
            api_domain=api_domain.rstrip("/"),
            expires_in=_expires_in_seconds(doc),
            refresh_token=refresh_token,
            token_type=str(doc.get("token_type", "")),
            scope=str(doc.get("scope", "")),
        )


def _expires_in_seconds(doc: dict) -> int:
    """Zoho sends `expires_in` in seconds; older responses sent milliseconds plus `expires_in_sec`."""
    try:
        if "expires_in_sec" in doc:
            return int(doc["expires_in_sec"])
        seconds = int(doc.get("expires_in", 3600))
    except (TypeError, ValueError):
        raise ZohoError("Zoho Accounts sent an unreadable token lifetime.", code="unexpected_response")
    return seconds // 1000 if seconds > 86400 else seconds


def token_error(doc: dict, *, redirect_uri: str = "") -> ZohoError:
    """The ZohoError for a token endpoint `{"error": …}` body (these come with HTTP 200)."""
    error = str(doc.get("error", "")) or "no_access_token"
    if error == "invalid_code":
        return ConfigurationError(
            "Zoho rejected the grant token (invalid_code): it has expired or was already used.",
            code=error,
            hint="Generate a new Zoho API grant token and use it within its validity (a few minutes).",
        )
    if error == "invalid_client":
        return ConfigurationError(
            "Zoho does not know this Client ID in the selected data center (invalid_client).",
            code=error,
            hint="Check the Zoho API Client ID, and choose the data center your Zoho account lives in "
            "(the domain you sign in at, e.g. zoho.eu), or enable Multi-DC for the client in Zoho's API console.",
        )
    if error == "invalid_client_secret":
        return ConfigurationError(
            "Zoho rejected the Client Secret (invalid_client_secret).",
            code=error,
            hint="Copy the Client Secret again from the Client Secret tab of your client in Zoho's API console.",
        )
    if error == "invalid_redirect_uri":
        return ConfigurationError(
            "The redirect URI does not match the client's Authorized Redirect URI (invalid_redirect_uri).",
            code=error,
            hint=f"In Zoho's API console set the Authorized Redirect URI to exactly {redirect_uri}"
            if redirect_uri else "Copy the Authorized Redirect URI shown on this page into Zoho's API console.",
        )
    if error.lower() == "access denied":
        return RateLimited(
            "Zoho is throttling token requests for this client (too many requests in 10 minutes).",
            retry_after=600, code="access_denied",
            hint="Wait ten minutes before trying again.",
        )
    return ConfigurationError(f"Zoho Accounts refused the request ({error[:80]}).", code=error[:80])


def authorize_url(client, *, accounts_server: str, state: str) -> str:
    """The consent page URL. Zoho round-trips `state` and adds `location` and `accounts-server`."""
    query = urlencode({
        "scope": SCOPE,
        "client_id": client.client_id,
        "response_type": "code",
        "access_type": "offline",
        "prompt": "consent",
        "redirect_uri": client.redirect_uri,
        "state": state,
    })
    return f"{accounts_server.rstrip('/')}/oauth/v2/auth?{query}"


def _token_url(accounts_server: str, suffix: str = "") -> str:
    parts = urlsplit(accounts_server)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/oauth/v2/token{suffix}"


def exchange_code(client, *, accounts_server: str, code: str, redirect_uri: str | None = None) -> TokenResponse:
    """Trade a grant token for access + refresh tokens. `redirect_uri=None` for self-client codes.

    `accounts_server` must already be checked against the data-centre registry: the secret goes there.
    """
    data = {
        "grant_type": "authorization_code",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "code": code,
    }
    if redirect_uri:
        data["redirect_uri"] = redirect_uri
    response = transport.send("POST", _token_url(accounts_server), data=data)
    return TokenResponse.from_response(response, expect_refresh_token=True, redirect_uri=redirect_uri or "")


#: Token-endpoint errors that mean the refresh token itself is refused (revoked or deleted at Zoho, or a client
#: Zoho no longer knows): only these need a person to authorize again. Anything else is retried.
REFUSED_REFRESH = frozenset({"invalid_code", "invalid_client"})


def refresh(connection) -> TokenResponse:
    """A new access token from the stored refresh token (Zoho sends no new refresh token).

    A refused refresh token (`REFUSED_REFRESH`) raises ReauthorizationRequired; throttling raises RateLimited;
    any other answer (`{}`, an unknown error, a page that is not JSON) is a TransientError, retried later.
    """
    client = connection.api_client
    data = {
        "grant_type": "refresh_token",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "refresh_token": connection.refresh_token,
    }
    response = transport.send("POST", _token_url(connection.accounts_server), data=data,
                              session=transport.connection_session(connection))
    try:
        return TokenResponse.from_response(response, expect_refresh_token=False)
    except (RateLimited, TransientError):
        raise
    except ZohoError as exc:
        if exc.code in REFUSED_REFRESH:
            raise ReauthorizationRequired(
                f"Zoho refused to refresh the access token ({exc.code}).",
                code=exc.code,
                hint="The refresh token was revoked or deleted (Connected Apps, password change, or more than 20 "
                "tokens for this client and user). Generate a new Zoho API grant token.",
            )
        raise TransientError(
            f"Zoho Accounts gave an answer this app does not recognise when refreshing the access token "
            f"({exc.code or 'no code'}); it will be tried again.",
            code=exc.code, status=exc.status,
        )


def revoke(connection) -> bool:
    """Revoke the connection's refresh token (and with it its access tokens). True when Zoho confirmed it."""
    return revoke_token(connection.accounts_server, connection.refresh_token)


def revoke_token(accounts_server: str, token: str) -> bool:
    """`POST {accounts}/oauth/v2/token/revoke` with the token in the body; True when Zoho confirmed it."""
    response = transport.send("POST", _token_url(accounts_server, "/revoke"), data={"token": token})
    try:
        doc = response.json()
    except ValueError:
        doc = {}
    return response.status_code == 200 and isinstance(doc, dict) and doc.get("status") == "success"

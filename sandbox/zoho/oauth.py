"""Zoho Accounts' OAuth rules (zoho-crm-api.md §2): grant codes, token exchange and refresh with Zoho's
limits, revocation, and scope checks for the CRM API."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import identifiers
from .models import AccessToken, ApiClient, GrantCode, OrgUser, RefreshToken
from .services import SandboxError, atomic

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
GRANT_CODE_LIFETIME = timedelta(minutes=2)
SELF_CLIENT_CODE_MINUTES = range(3, 11)
THROTTLE_WINDOW = timedelta(minutes=10)
GRANT_CODES_PER_WINDOW = 10
REFRESHES_PER_WINDOW = 10
LIVE_ACCESS_TOKENS_PER_REFRESH_TOKEN = 15
REFRESH_TOKENS_PER_USER_AND_CLIENT = 20
OPERATIONS = {"all", "read", "create", "update", "write", "delete"}

TOO_MANY_REQUESTS = {
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


class TokenError(Exception):
    """An error Zoho Accounts answers with HTTP 200 and a JSON body."""

    def __init__(self, body):
        super().__init__(body)
        self.body = body if isinstance(body, dict) else {"error": body}


def accounts_server() -> str:
    return f"{settings.SITE_URL}/sandbox/zoho/accounts"


def api_domain() -> str:
    return f"{settings.SITE_URL}/sandbox/zoho"


def normalise_scopes(scope: str) -> list[str]:
    return [part.strip() for part in scope.replace(" ", ",").split(",") if part.strip()]


def invalid_scopes(scopes: list[str]) -> list[str]:
    """Scopes that are not of Zoho's `Service.scope[.sub].OPERATION` form."""
    return [s for s in scopes if len(s.split(".")) < 3 or s.split(".")[-1].lower() not in OPERATIONS]


def _covers(operation: str, needed: str) -> bool:
    return operation == "all" or operation == needed or (operation == "write" and needed in ("create", "update"))


def has_scope(granted: list[str], needed_path: str, operation: str) -> bool:
    """Whether a granted scope covers `needed_path` (e.g. "ZohoCRM.modules.contacts") for `operation`.
    `ZohoCRM.modules.ALL` covers `ZohoCRM.modules.contacts.READ`; WRITE covers CREATE and UPDATE."""
    needed = needed_path.lower().split(".")
    for scope in granted:
        *path, scope_operation = scope.lower().split(".")
        if needed[: len(path)] == path and _covers(scope_operation, operation.lower()):
            return True
    return False


# --- Grant codes -------------------------------------------------------------------------------------------

def _check_grant_throttle(client: ApiClient):
    recent = client.grant_codes.filter(created_at__gt=timezone.now() - THROTTLE_WINDOW).count()
    if recent >= GRANT_CODES_PER_WINDOW:
        raise TokenError("access_denied")


def issue_grant_code(client: ApiClient, user: OrgUser, scopes: list[str], *, redirect_uri: str = "",
                     offline: bool = False, forced_consent: bool = False,
                     lifetime: timedelta = GRANT_CODE_LIFETIME) -> GrantCode:
    _check_grant_throttle(client)
    now = timezone.now()
    return GrantCode.objects.create(
        client=client, user=user, code=identifiers.token(), scopes=",".join(scopes), redirect_uri=redirect_uri,
        offline=offline, forced_consent=forced_consent, created_at=now, expires_at=now + lifetime,
    )


def issue_self_client_code(client: ApiClient, scopes: list[str], minutes: int = 3,
                           user: OrgUser | None = None) -> GrantCode:
    """The console's Self Client tab: a code for chosen scopes, valid 3 to 10 minutes, always offline."""
    if minutes not in SELF_CLIENT_CODE_MINUTES:
        raise SandboxError("The code's lifetime must be 3 to 10 minutes.")
    if not scopes or invalid_scopes(scopes):
        raise SandboxError(f"Invalid scope: {', '.join(invalid_scopes(scopes)) or '(none)'}.")
    try:
        return issue_grant_code(client, user or client.org.users.first(), scopes, offline=True,
                                forced_consent=True, lifetime=timedelta(minutes=minutes))
    except TokenError:
        raise SandboxError("Too many grant codes for this client in 10 minutes; try again later.")


# --- Token endpoint ----------------------------------------------------------------------------------------

def authenticate_client(client_id: str, client_secret: str) -> ApiClient:
    client = ApiClient.objects.select_related("org").filter(client_id=client_id).first()
    if client is None:
        raise TokenError("invalid_client")
    if client.client_secret != client_secret:
        raise TokenError("invalid_client_secret")
    return client


def _token_body(access: AccessToken, refresh: RefreshToken | None = None) -> dict:
    body = {"access_token": access.token}
    if refresh is not None:
        body["refresh_token"] = refresh.token
    body.update({"api_domain": api_domain(), "token_type": "Bearer",
                 "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds())})
    return body


def _mint_access_token(client, user, scopes, refresh: RefreshToken | None) -> AccessToken:
    now = timezone.now()
    access = AccessToken.objects.create(client=client, user=user, refresh_token=refresh, token=identifiers.token(),
                                        scopes=scopes, created_at=now, expires_at=now + ACCESS_TOKEN_LIFETIME)
    if refresh is not None:
        # The 16th live access token of a refresh token invalidates the oldest.
        live = refresh.access_tokens.filter(revoked=False, expires_at__gt=now).order_by("-pk")
        stale = list(live.values_list("pk", flat=True)[LIVE_ACCESS_TOKENS_PER_REFRESH_TOKEN:])
        AccessToken.objects.filter(pk__in=stale).update(revoked=True)
    return access


def _mint_refresh_token(client, user, scopes) -> RefreshToken:
    refresh = RefreshToken.objects.create(client=client, user=user, token=identifiers.token(), scopes=scopes)
    # The 21st refresh token of a user and client deletes the oldest (and its access tokens).
    existing = RefreshToken.objects.filter(client=client, user=user).order_by("-pk")
    stale = list(existing.values_list("pk", flat=True)[REFRESH_TOKENS_PER_USER_AND_CLIENT:])
    RefreshToken.objects.filter(pk__in=stale).delete()
    return refresh


def exchange_code(client: ApiClient, code: str, redirect_uri: str) -> dict:
    with atomic():
        grant = GrantCode.objects.select_for_update().filter(code=code, client=client).first()
        if grant is None or grant.used_at is not None or grant.expires_at <= timezone.now():
            raise TokenError("invalid_code")
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            raise TokenError("invalid_redirect_uri")
        grant.used_at = timezone.now()
        grant.save(update_fields=["used_at"])
        refresh = None
        already_authorized = RefreshToken.objects.filter(client=client, user=grant.user).exists()
        # A refresh token only the first time, or when the user was asked to consent again.
        if grant.offline and (grant.forced_consent or not already_authorized):
            refresh = _mint_refresh_token(client, grant.user, grant.scopes)
        access = _mint_access_token(client, grant.user, grant.scopes, refresh)
    return _token_body(access, refresh)


def refresh_access_token(client: ApiClient, refresh_token: str) -> dict:
    with atomic():
        refresh = RefreshToken.objects.filter(token=refresh_token, client=client).select_related("user").first()
        if refresh is None:
            raise TokenError("invalid_code")
        minted = refresh.access_tokens.filter(created_at__gt=timezone.now() - THROTTLE_WINDOW).count()
        if minted >= REFRESHES_PER_WINDOW:
            raise TokenError(dict(TOO_MANY_REQUESTS))
        access = _mint_access_token(client, refresh.user, refresh.scopes, refresh)
    return _token_body(access)


def revoke(token: str) -> bool:
    """Revoke a refresh token (and its access tokens) or a single access token."""
    with atomic():
        deleted, _ = RefreshToken.objects.filter(token=token).delete()
        revoked = AccessToken.objects.filter(token=token).update(revoked=True)
    return bool(deleted or revoked)


def grant_tokens(client: ApiClient, scopes: list[str], user: OrgUser | None = None) -> dict:
    """A ready refresh/access token pair, as after a completed consent (for tests and demos)."""
    user = user or client.org.users.first()
    with atomic():
        refresh = _mint_refresh_token(client, user, ",".join(scopes))
        access = _mint_access_token(client, user, refresh.scopes, refresh)
    return _token_body(access, refresh)


def access_token_for(header: str) -> AccessToken | None:
    """The live access token named by an `Authorization: Zoho-oauthtoken …` header value, if any."""
    token = header.removeprefix("Zoho-oauthtoken ").strip()
    access = AccessToken.objects.select_related("client__org", "user").filter(token=token).first()
    if access is None or access.revoked or access.expires_at <= timezone.now():
        return None
    return access

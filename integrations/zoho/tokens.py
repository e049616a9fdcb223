"""The connection's access token: shared by every worker until it expires, refreshed by one at a time.

Zoho caps live access tokens per refresh token (15) and refreshes (10 per 10 minutes), so the token
is stored on the connection and reused by all workers and `qcluster` machines. A refresh is claimed
with a conditional UPDATE on `refresh_claimed_until` (works on SQLite and PostgreSQL, no transaction
is held open across the HTTP call); a worker that loses the claim waits for the winner's token.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import oauth
from .errors import RateLimited, ReauthorizationRequired, TransientError
from .models import ZohoConnection

logger = logging.getLogger(__name__)

EXPIRY_MARGIN = timedelta(seconds=60)  # refresh a little early: a call may take a while
REFRESH_WINDOW = timedelta(minutes=10)
REFRESH_LIMIT = 8  # Zoho allows 10 per refresh token per 10 minutes; keep two for people
POLL_SECONDS = 0.25


def _claim_ttl() -> timedelta:
    return timedelta(seconds=sum(settings.HTTP_TIMEOUT) + 10)


def is_fresh(connection: ZohoConnection, now: datetime | None = None) -> bool:
    expires = connection.access_token_expires_at
    return bool(connection.access_token and expires and expires - EXPIRY_MARGIN > (now or timezone.now()))


def store_grant(connection: ZohoConnection, token: oauth.TokenResponse, *, accounts_server: str, scopes: str = ""):
    """Save what a code exchange returned and mark the connection connected."""
    connection.refresh_token = token.refresh_token
    connection.access_token = token.access_token
    connection.access_token_expires_at = token.expires_at
    connection.api_domain = token.api_domain
    connection.accounts_server = accounts_server.rstrip("/")
    connection.granted_scopes = token.scope or scopes
    connection.status = ZohoConnection.Status.CONNECTED
    connection.last_error = ""
    connection.refresh_claimed_until = None
    connection.refresh_history = []
    connection.save()


def clear(connection: ZohoConnection, *, error: str = ""):
    """Forget the tokens (after a revoke) and go back to "not authorized yet"."""
    connection.refresh_token = ""
    connection.access_token = ""
    connection.access_token_expires_at = None
    connection.status = ZohoConnection.Status.PENDING
    connection.last_error = error
    connection.save()


def access_token(connection: ZohoConnection, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """A usable access token: the stored one while fresh, else one refresh shared by all workers."""
    if connection.status == ZohoConnection.Status.NEEDS_REAUTH or not connection.refresh_token:
        raise _reauth_error(connection)
    if is_fresh(connection):
        return connection.access_token
    return refresh_access_token(connection, stale_token=connection.access_token, sleep=sleep)


def refresh_access_token(
    connection: ZohoConnection, *, stale_token: str, sleep: Callable[[float], None] = time.sleep
) -> str:
    """Replace `stale_token` (expired, or rejected with INVALID_TOKEN) exactly once across workers."""
    deadline = time.monotonic() + _claim_ttl().total_seconds() + 5
    while True:
        connection.refresh_from_db()
        if connection.status == ZohoConnection.Status.NEEDS_REAUTH or not connection.refresh_token:
            raise _reauth_error(connection)
        if is_fresh(connection) and connection.access_token != stale_token:
            return connection.access_token  # another worker refreshed meanwhile
        if _claim(connection):
            break
        if time.monotonic() > deadline:
            raise TransientError("Another worker is refreshing the Zoho access token; try again shortly.")
        sleep(POLL_SECONDS)
    try:
        connection.refresh_from_db()
        if is_fresh(connection) and connection.access_token != stale_token:
            return connection.access_token
        return _refresh(connection)
    finally:
        ZohoConnection.objects.filter(pk=connection.pk).update(refresh_claimed_until=None)


def _claim(connection: ZohoConnection) -> bool:
    now = timezone.now()
    free = Q(refresh_claimed_until__isnull=True) | Q(refresh_claimed_until__lt=now)
    return ZohoConnection.objects.filter(free, pk=connection.pk).update(refresh_claimed_until=now + _claim_ttl()) == 1


def _recent_refreshes(connection: ZohoConnection, now: datetime) -> list[str]:
    since = now - REFRESH_WINDOW
    recent = []
    for stamp in connection.refresh_history or []:
        try:
            if datetime.fromisoformat(stamp) > since:
                recent.append(stamp)
        except (TypeError, ValueError):
            continue
    return recent


def _refresh(connection: ZohoConnection) -> str:
    now = timezone.now()
    recent = _recent_refreshes(connection, now)
    if len(recent) >= REFRESH_LIMIT:
        oldest = min(datetime.fromisoformat(s) for s in recent)
        raise RateLimited(
            f"The Zoho access token was refreshed {len(recent)} times in 10 minutes; waiting to stay within "
            "Zoho's limit of 10.",
            retry_after=max(1.0, (oldest + REFRESH_WINDOW - now).total_seconds()),
            code="refresh_limit",
        )
    try:
        token = oauth.refresh(connection)
    except ReauthorizationRequired as exc:
        mark_needs_reauthorization(connection, exc.explanation)
        raise
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token=token.access_token,
        access_token_expires_at=token.expires_at,
        api_domain=token.api_domain,
        refresh_history=[*recent, now.isoformat()],
        updated_at=now,
    )
    connection.refresh_from_db()
    logger.info("Refreshed the Zoho access token of connection %s", connection.pk)
    return connection.access_token


def mark_needs_reauthorization(connection: ZohoConnection, error: str):
    """Stop using the connection (syncs pause on this status) and record why; people are told by the
    re-authorization alert (syncs/alerts.py), which watches this status."""
    ZohoConnection.objects.filter(pk=connection.pk).exclude(
        status=ZohoConnection.Status.NEEDS_REAUTH
    ).update(status=ZohoConnection.Status.NEEDS_REAUTH, last_error=error, access_token="",
             access_token_expires_at=None, updated_at=timezone.now())
    connection.refresh_from_db()
    logger.warning("Zoho connection %s needs re-authorization: %s", connection.pk, error)


def _reauth_error(connection: ZohoConnection) -> ReauthorizationRequired:
    if not connection.refresh_token:
        return ReauthorizationRequired(
            "This Zoho connection is not authorized yet.", code="not_authorized",
            hint="Generate a Zoho API grant token, then the authentication token.",
        )
    return ReauthorizationRequired(
        connection.last_error or "This Zoho connection needs re-authorization.", code="needs_reauth",
        hint="Generate a new Zoho API grant token.",
    )

"""Outbound HTTP to stores: timeouts, a User-Agent, SSRF guards and readable transport errors.

Store base URLs are typed in by people, so they are checked before every session is used: http(s)
only, no private/loopback/link-local addresses unless `settings.ALLOW_PRIVATE_STORE_URLS`, and
redirects are followed only within the same scheme and host (never to another host). The address each
connection actually reaches is checked again at connect time (`peer_guard`: DNS may answer differently the
second time), and every refused address gets the same message.

Each store gets one session (`store_session`: keep-alive) whose guarded adapter also retries a failed read:
connection errors, 429 and 5xx answers, with exponential backoff and the store's `Retry-After` (urllib3's
`Retry`, bounded in count and in wait), so one flaky page does not fail a run. Writes are never retried, nor
is a refused address.
"""

import re
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from urllib3.util.retry import Retry

from integrations.logging import redact
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.peer_guard import ADDRESS_REFUSED, PeerCheckingAdapter, RefusedAddress, is_refused

USER_AGENT = "ZohoStoreSync/1.0 (+store sync)"
MAX_REDIRECTS = 3
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_CAP = 30.0  # seconds; a longer Retry-After is cut to this (the run must not stall on one page)


class StoreRetry(Retry):
    """urllib3's Retry with the store's `Retry-After` honoured up to RETRY_AFTER_CAP seconds."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_CAP)


def read_retry() -> Retry:
    """At most 3 retries of an idempotent request (GET/HEAD…); waits 0, 1, 2 s or the capped Retry-After;
    after the last one the store's answer is returned as is (the caller turns it into a SourceError)."""
    return StoreRetry(total=3, connect=2, read=1, status=3, redirect=False, backoff_factor=0.5, backoff_max=10,
                      status_forcelist=RETRY_STATUSES, allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
                      respect_retry_after_header=True, raise_on_status=False)


def store_session(auth=None, headers: dict | None = None) -> requests.Session:
    """The one session of a store: our User-Agent, its auth, and on http and https the peer-checking adapter
    with the read retries."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})})
    session.auth = auth
    adapter = PeerCheckingAdapter(max_retries=read_retry())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def check_store_url(url: str) -> str:
    """Returns the URL without a trailing slash, or raises SourceError(permanent) saying what is wrong."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"The store URL {url!r} must be an absolute http(s) address.", permanent=True)
    if parts.username or parts.password:
        raise SourceError("The store URL must not contain a user name or password.", permanent=True)
    if not settings.ALLOW_PRIVATE_STORE_URLS:
        if parts.scheme != "https":
            raise SourceError("The store URL must use https: keys would otherwise travel in clear.", permanent=True)
        host = parts.hostname
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)}
        except (socket.gaierror, UnicodeError):
            addresses = set()
        # One message whether the name does not resolve or resolves somewhere refused: nothing to map a network with.
        if not addresses or any(is_refused(a, allow_private=False) for a in addresses):
            raise SourceError(f"{ADDRESS_REFUSED} Check the URL (set ALLOW_PRIVATE_STORE_URLS=True only on a "
                              "development machine).", permanent=True)
    return url.rstrip("/")


class StoreHTTP:
    """A requests session bound to one store's base URL."""

    def __init__(self, base_url: str, auth=None, headers: dict | None = None):
        self.base_url = check_store_url(base_url)
        self.session = store_session(auth, headers)

    def get(self, path: str, params=None) -> requests.Response:
        return self.request("GET", self.base_url + path, params=params)

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        origin = urlsplit(url)[:2]
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, **kwargs)
            if not response.is_redirect:
                return response
            target = urljoin(url, response.headers.get("Location", ""))
            if urlsplit(target)[:2] != origin:
                raise SourceError(
                    f"The store redirected {_short(url)} to another address ({_short(target)}); redirects to "
                    "another host or scheme are not followed. Use the final address as the store URL.",
                    permanent=True,
                )
            url, kwargs["params"] = target, None
        raise SourceError(f"Too many redirects from {_short(url)}.", permanent=True)

    def _send(self, method, url, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=settings.HTTP_TIMEOUT, allow_redirects=False, **kwargs)
        except RefusedAddress:
            raise SourceError(ADDRESS_REFUSED, permanent=True)
        except requests.exceptions.SSLError as exc:
            raise SourceError(
                f"TLS/SSL error talking to {_short(url)}: the certificate is invalid, expired or for another host "
                f"({_reason(exc)})."
            )
        except requests.exceptions.Timeout:
            raise SourceError(
                f"Timed out waiting for {_short(url)} (limit {settings.HTTP_TIMEOUT[1]:g}s): the store is slow or down."
            )
        except requests.exceptions.ConnectionError as exc:
            raise SourceError(f"Could not connect to {_short(url)}: {_reason(exc)}.")
        except requests.exceptions.RequestException as exc:
            raise SourceError(f"Request to {_short(url)} failed: {_reason(exc)}.")


def _short(url: str) -> str:
    """The URL without its query string (which may hold keys)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _reason(exc: Exception) -> str:
    text = redact(re.sub(r"\?[^\s)'\"]*", "", str(exc.args[0] if exc.args else exc)))  # no query strings (keys)
    return text if len(text) < 300 else text[:300] + "…"

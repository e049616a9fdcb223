"""Outbound HTTP to stores: timeouts, a User-Agent, SSRF guards and readable transport errors.

Store base URLs are typed in by people, so they are checked before every session is used: http(s)
only, no private/loopback/link-local addresses unless `settings.ALLOW_PRIVATE_STORE_URLS`, and
redirects are followed only within the same scheme and host (never to another host). The address each
connection actually reaches is checked again at connect time (`peer_guard`: DNS may answer differently the
second time), and every refused address gets the same message.
"""

import re
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from integrations.logging import redact
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.peer_guard import ADDRESS_REFUSED, RefusedAddress, guard, is_refused

USER_AGENT = "ZohoStoreSync/1.0 (+store sync)"
MAX_REDIRECTS = 3


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
        self.session = guard(requests.Session())
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})})
        self.session.auth = auth

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

"""Outbound HTTP to Zoho: one place for the sessions, the timeout, the User-Agent, backoff and Retry-After.

Each Zoho connection has one `requests.Session` per thread (`session_for`), so its calls reuse kept-alive
TLS connections instead of a handshake per call. Sessions keep no cookies: Zoho's API is stateless and one
connection's cookies must never travel with another's calls.
"""

import http.cookiejar
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import BinaryIO

import requests
from django.conf import settings
from django.utils import timezone

from .errors import TransientError

VERSION = "0.1.0"
USER_AGENT = f"ZohoStoreSync/{VERSION}"
BODY_BLOCK = 64 * 1024  # bytes read at a time from a streamed answer


_local = threading.local()


def new_session() -> requests.Session:
    """A session with our User-Agent that keeps connections alive and refuses every cookie."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


def session_for(key: str) -> requests.Session:
    """The calling thread's session for one Zoho connection (key: e.g. "connection:7")."""
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if key not in sessions:
        sessions[key] = new_session()
    return sessions[key]


def connection_session(connection) -> requests.Session:
    """The session of a ZohoConnection (API calls and its token refreshes share it)."""
    return session_for(f"connection:{connection.pk}")


def send(method: str, url: str, *, session: requests.Session | None = None, **kwargs) -> requests.Response:
    """One HTTP request with our timeout and User-Agent; no redirects (a token endpoint must not move).

    `session` is the connection's (keep-alive); without one, a one-off request (e.g. a first code exchange).
    Network failures become TransientError, with a message that names the host but no parameters.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **kwargs.pop("headers", {})}
    try:
        return (session or requests).request(
            method, url, headers=headers, timeout=settings.HTTP_TIMEOUT, allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        host = requests.utils.urlparse(url).netloc
        raise TransientError(f"Could not reach {host}: {type(exc).__name__}.", code="network_error")


def save_body(response: requests.Response, into: BinaryIO) -> None:
    """Write a streamed response's body into a binary file as it arrives (from the file's start); a connection
    lost midway is a TransientError, as it is before the answer."""
    into.seek(0)
    into.truncate()
    try:
        for block in response.iter_content(BODY_BLOCK):
            into.write(block)
    except requests.RequestException as exc:
        host = requests.utils.urlparse(response.url).netloc
        raise TransientError(f"Lost the connection to {host} while reading its answer: {type(exc).__name__}.",
                             code="network_error")
    into.seek(0)


def retry_after_seconds(response: requests.Response) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


@dataclass
class Backoff:
    """Exponential backoff with full jitter; `sleep` and `random` are injectable so tests never wait."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    slept: list[float] = field(default_factory=list)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based); `Retry-After` wins when given."""
        if retry_after is not None:
            return min(retry_after, self.cap * 10)
        return self.random() * min(self.cap, self.base * 2**attempt)

    def wait(self, attempt: int, retry_after: float | None = None) -> None:
        seconds = self.delay(attempt, retry_after)
        self.slept.append(seconds)
        self.sleep(seconds)

    def tries(self) -> Iterator[int]:
        return iter(range(self.attempts))

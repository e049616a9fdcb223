"""Outbound HTTP to Zoho: one place for the timeout, the User-Agent, backoff and Retry-After."""

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.utils import timezone

from .errors import TransientError

VERSION = "0.1.0"
USER_AGENT = f"ZohoStoreSync/{VERSION}"


def send(method: str, url: str, **kwargs) -> requests.Response:
    """One HTTP request with our timeout and User-Agent; no redirects (a token endpoint must not move).

    Network failures become TransientError, with a message that names the host but no parameters.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **kwargs.pop("headers", {})}
    try:
        return requests.request(
            method, url, headers=headers, timeout=settings.HTTP_TIMEOUT, allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        host = requests.utils.urlparse(url).netloc
        raise TransientError(f"Could not reach {host}: {type(exc).__name__}.", code="network_error")


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

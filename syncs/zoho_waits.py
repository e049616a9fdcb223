"""When Zoho says "not now", a run waits without holding a worker: it is paused (queued, `resume_at`) and the
tick hands it to a worker again at that time. This module says how long, and when waiting has gone on long
enough for the run to end the old way (partial or failed, the next run continues).

The Zoho client of a run makes each call once (no retries slept inside the worker): a rate limit waits what
Zoho's `Retry-After` says (a minute when it says nothing), a 5xx or a network error waits 10 s, 20 s, 40 s, …
(at most five minutes). After `MAX_WAITS` waits in one run the run stops, as a run without slices did.
"""

from datetime import timedelta

from integrations.zoho.errors import RateLimited, TransientError

MAX_WAITS = 5
RATE_LIMIT_DEFAULT_SECONDS = 60
TRANSIENT_BASE_SECONDS = 10
TRANSIENT_CAP_SECONDS = 300


def wait_for(exc: Exception, run) -> timedelta | None:
    """How long the run should wait before its next slice, or None when it should stop instead (not a wait
    Zoho asked for, a dry run that recorded nothing to continue from, or too many waits already)."""
    if run.dry_run or not isinstance(exc, RateLimited | TransientError):
        return None
    waits = run.report.get("zoho_waits", 0)
    if waits >= MAX_WAITS:
        return None
    run.report["zoho_waits"] = waits + 1
    if isinstance(exc, RateLimited):
        return timedelta(seconds=exc.retry_after or RATE_LIMIT_DEFAULT_SECONDS)
    backoff = min(TRANSIENT_CAP_SECONDS, TRANSIENT_BASE_SECONDS * 2**waits)
    return timedelta(seconds=getattr(exc, "retry_after", None) or backoff)


"""Rate and cost control per Zoho org, shared by every worker through the database.

- Concurrency: `concurrency_slot(connection)` holds one of the org's `concurrency_limit` slot rows
  (claimed with a conditional UPDATE) for the length of one API call. A slot whose holder died is
  taken over once `held_until` passes.
- Credits: every call's credits are recorded per org per hour *before* the call, and
  `check_budget(connection, cost)` refuses (CreditBudgetExceeded) a call that would take the rolling
  24-hour total past the connection's `daily_credit_budget`.
"""

import math
import secrets
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from .errors import CreditBudgetExceeded, RateLimited
from .models import ZohoApiSlot, ZohoApiUsage, ZohoConnection

WINDOW = timedelta(hours=24)
SLOT_POLL_SECONDS = 0.2
SLOT_WAIT_SECONDS = 120.0

# Concurrent calls per app per org by edition (Kaizen #203); `paid_type` values contain these words.
EDITION_CONCURRENCY = {"free": 5, "standard": 10, "starter": 10, "professional": 15, "enterprise": 20,
                       "ultimate": 25}
UPSERT_RECORDS_PER_CREDIT = 10


def concurrency_for_edition(edition: str) -> int:
    """Zoho's cap for an edition name such as "zohooneenterprise"; 5 when unknown (Airbyte's fallback)."""
    edition = (edition or "").lower()
    for name, limit in sorted(EDITION_CONCURRENCY.items(), key=lambda item: -len(item[0])):
        if name in edition:
            return limit
    return 5


def write_cost(records: int) -> int:
    """Insert/update/upsert cost 1 credit per 10 records (so 1–10 credits for ≤100 records)."""
    return max(1, math.ceil(records / UPSERT_RECORDS_PER_CREDIT))


# --- concurrency -----------------------------------------------------------------------------------

def _lease() -> timedelta:
    return timedelta(seconds=sum(settings.HTTP_TIMEOUT) + 30)


def _ensure_slots(key: str, limit: int):
    existing = set(ZohoApiSlot.objects.filter(usage_key=key, slot__lt=limit).values_list("slot", flat=True))
    missing = [ZohoApiSlot(usage_key=key, slot=n) for n in range(limit) if n not in existing]
    if missing:
        ZohoApiSlot.objects.bulk_create(missing, ignore_conflicts=True)


def try_acquire_slot(connection: ZohoConnection) -> tuple[int, str] | None:
    """Claim a free (or stale) slot of the org: (slot, holder) or None when all are busy."""
    key, limit = connection.usage_key, max(1, connection.concurrency_limit)
    _ensure_slots(key, limit)
    holder = secrets.token_hex(16)
    now = timezone.now()
    free = Q(held_until__isnull=True) | Q(held_until__lt=now)
    for slot in range(limit):
        candidate = ZohoApiSlot.objects.filter(free, usage_key=key, slot=slot)
        if candidate.update(holder=holder, held_until=now + _lease()):
            return slot, holder
    return None


def release_slot(connection: ZohoConnection, slot: int, holder: str):
    ZohoApiSlot.objects.filter(usage_key=connection.usage_key, slot=slot, holder=holder).update(
        holder="", held_until=None
    )


@contextmanager
def concurrency_slot(connection: ZohoConnection, *, sleep: Callable[[float], None] = time.sleep,
                     wait_seconds: float = SLOT_WAIT_SECONDS):
    """Hold one of the org's slots for the duration of the block; RateLimited if none frees up in time."""
    deadline = time.monotonic() + wait_seconds
    while (taken := try_acquire_slot(connection)) is None:
        if time.monotonic() >= deadline:
            raise RateLimited(
                f"All {connection.concurrency_limit} concurrent Zoho API slots of this org are busy.",
                retry_after=SLOT_POLL_SECONDS * 10, code="concurrency_limit",
            )
        sleep(SLOT_POLL_SECONDS)
    try:
        yield taken[0]
    finally:
        release_slot(connection, *taken)


def slots_in_use(connection: ZohoConnection) -> int:
    return ZohoApiSlot.objects.filter(usage_key=connection.usage_key, held_until__gte=timezone.now()).count()


# --- credits ---------------------------------------------------------------------------------------

def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _window_start(now: datetime) -> datetime:
    """Hour buckets that overlap the last 24 hours (counting a whole bucket errs on the safe side)."""
    return _hour(now - WINDOW)


def credits_used_24h(connection: ZohoConnection, now: datetime | None = None) -> int:
    now = now or timezone.now()
    usage = ZohoApiUsage.objects.filter(usage_key=connection.usage_key, hour__gte=_window_start(now))
    return usage.aggregate(total=Sum("credits"))["total"] or 0


def calls_24h(connection: ZohoConnection, now: datetime | None = None) -> int:
    now = now or timezone.now()
    usage = ZohoApiUsage.objects.filter(usage_key=connection.usage_key, hour__gte=_window_start(now))
    return usage.aggregate(total=Sum("calls"))["total"] or 0


def check_budget(connection: ZohoConnection, cost: int, now: datetime | None = None):
    """Raise CreditBudgetExceeded if spending `cost` more credits would pass the daily budget."""
    budget = connection.daily_credit_budget
    if budget is None:
        return
    now = now or timezone.now()
    used = credits_used_24h(connection, now)
    if used + cost <= budget:
        return
    oldest = (
        ZohoApiUsage.objects.filter(usage_key=connection.usage_key, hour__gte=_window_start(now), credits__gt=0)
        .order_by("hour").values_list("hour", flat=True).first()
    )
    resume = (oldest + WINDOW + timedelta(hours=1)) if oldest else now
    raise CreditBudgetExceeded(
        f"The daily Zoho API credit budget ({budget}) is reached: {used} credits used in the last 24 hours. "
        f"Syncs resume after {resume:%Y-%m-%d %H:%M} UTC.",
        retry_after=max(0.0, (resume - now).total_seconds()), code="credit_budget",
        hint="Raise the daily credit budget of this Zoho connection, or wait.",
    )


def record_usage(connection: ZohoConnection, credits: int, calls: int = 1, now: datetime | None = None):
    hour = _hour(now or timezone.now())
    bucket = ZohoApiUsage.objects.filter(usage_key=connection.usage_key, hour=hour)
    if bucket.update(calls=F("calls") + calls, credits=F("credits") + credits):
        return
    try:
        with transaction.atomic():
            ZohoApiUsage.objects.create(usage_key=connection.usage_key, hour=hour, calls=calls, credits=credits)
    except IntegrityError:  # another worker created the bucket first
        bucket.update(calls=F("calls") + calls, credits=F("credits") + credits)


def spend(connection: ZohoConnection, cost: int, now: datetime | None = None):
    """Check the budget, then book the credits (before the call, so parallel workers see them)."""
    check_budget(connection, cost, now)
    record_usage(connection, cost, now=now)

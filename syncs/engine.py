"""A sync run: claim the connection → (reset: clear) → read the stores → send the changes → finish.

Every run is a `SyncRun` row whose phase is persisted, so a reset whose worker died continues where it
stopped. Failures follow the Zoho client's taxonomy: rate limits and credit budgets end the run as
"partial" with the remaining work still marked dirty; transient errors, configuration errors and lost
authorisations end it as "failed" with a readable summary. Nothing is marked synced without Zoho's answer.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connections
from django.utils import timezone

from integrations.stores.sources.errors import SourceError
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.errors import (
    ConfigurationError,
    CreditBudgetExceeded,
    RateLimited,
    ReauthorizationRequired,
    ZohoError,
)
from syncs import claims
from syncs.models import SyncRun, SyncSettings
from syncs.reading import read_stores
from syncs.reset import clear_sync_state
from syncs.sending import REPORT_SAMPLES, Sender

logger = logging.getLogger(__name__)
Phase = SyncRun.Phase
DATABASE_ATTEMPTS = 5  # 1 + 2 + 4 + 8 s of waiting while the database comes back
DATABASE_RETRY_SECONDS = 60
DATABASE_LOST = ("The database was unavailable during this run; nothing unconfirmed was marked synced, and the "
                 "next run (in about a minute) continues where this one stopped.")


class ClaimLost(Exception):
    """Another worker took this connection over (our heartbeat went stale); stop without writing more."""


@dataclass
class Hooks:
    """What tests and callers may inject: how to wait, a call when Zoho has answered a batch (before it is
    recorded), and a call after every recorded batch. Tests raise from these to stop a worker dead."""

    sleep: Callable[[float], None] = time.sleep
    after_upsert: Callable[[SyncRun], None] | None = None
    after_batch: Callable[[SyncRun], None] | None = None


class RunContext:
    """The state one run carries through its phases, and its bookkeeping (counters, heartbeat, report)."""

    def __init__(self, sync_settings: SyncSettings, run: SyncRun, owner: str, hooks: Hooks):
        self.settings = sync_settings
        self.run = run
        self.owner = owner
        self.hooks = hooks
        self.dry_run = run.dry_run
        self.full = run.trigger == SyncRun.Trigger.RESET  # resend everything, deleted marks included
        self.signpost = timezone.now()
        self._crm = None
        self._calls_base = run.zoho_calls
        self._credits_base = run.credits

    @property
    def crm(self) -> ZohoCRM:
        if self._crm is None:
            self._crm = ZohoCRM(self.settings.connection, sleep=self.hooks.sleep)
        return self._crm

    def count(self, name: str, n: int = 1) -> None:
        setattr(self.run, name, getattr(self.run, name) + n)

    def count_progress(self, n: int) -> None:
        self.run.progress_done += n

    def note_calls(self) -> None:
        if self._crm is not None:
            self.run.zoho_calls = self._calls_base + self._crm.calls
            self.run.credits = self._credits_base + self._crm.credits

    def sample(self, kind: str, *items) -> None:
        """Keep a few examples per kind for the run's report (dry runs, conversions, deletions)."""
        if not items:
            return
        samples = self.run.report.setdefault(kind, [])
        samples.extend(items[: max(0, REPORT_SAMPLES - len(samples))])

    def beat(self) -> None:
        """Save progress and counters (one UPDATE) and keep the claim alive."""
        now = timezone.now()
        if not claims.heartbeat(self.settings.pk, self.owner, now):
            raise ClaimLost("Another worker took this connection over.")
        self.run.heartbeat_at = now
        self.note_calls()
        SyncRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=now, progress_done=self.run.progress_done, progress_total=self.run.progress_total,
            report=self.run.report, **self.run.counts(),
        )

    def after_batch(self) -> None:
        if self.hooks.after_batch:
            self.hooks.after_batch(self.run)

    def enter(self, phase: str) -> None:
        self.run.phase = phase
        SyncRun.objects.filter(pk=self.run.pk).update(phase=phase, progress_total=self.run.progress_total)


@dataclass
class Stop:
    """How a run ended: its status, why it stopped (SyncRun.StopReason, "" when it finished), a summary for
    people, and how soon the next run may try again."""

    status: str
    reason: str = SyncRun.StopReason.FINISHED
    summary: str = ""
    retry_after: float | None = None


FINISHED = Stop(SyncRun.Status.SUCCEEDED)
Reason = SyncRun.StopReason
# Checked in order: the first class the exception is an instance of gives the reason.
REASONS = (
    (RateLimited, Reason.RATE_LIMITED),
    (CreditBudgetExceeded, Reason.CREDIT_BUDGET),
    (ReauthorizationRequired, Reason.REAUTHORIZATION),
    (ConfigurationError, Reason.CONFIGURATION),
    (ZohoError, Reason.TRANSIENT),  # TransientError, and anything else Zoho may still answer next time
    (SourceError, Reason.STORE_ERROR),
    (ClaimLost, Reason.CLAIM_LOST),
    (DatabaseError, Reason.DATABASE),
)


def stop_reason_for(exc: Exception) -> str:
    return next((reason for kind, reason in REASONS if isinstance(exc, kind)), Reason.CRASHED)


def stopped_by(exc: Exception, run: SyncRun) -> Stop:
    """The Stop an exception out of a run's phases means (rate limits and budgets: partial, the rest: failed)."""
    reason = stop_reason_for(exc)
    if reason in (Reason.RATE_LIMITED, Reason.CREDIT_BUDGET):
        return Stop(SyncRun.Status.PARTIAL, reason, f"Stopped early, the rest follows in the next run: "
                    f"{exc.explanation}", exc.retry_after)
    if reason == Reason.REAUTHORIZATION:
        return Stop(SyncRun.Status.FAILED, reason, f"Zoho needs re-authorisation: {exc.explanation}")
    if reason in (Reason.CONFIGURATION, Reason.TRANSIENT):
        return Stop(SyncRun.Status.FAILED, reason, exc.explanation)
    if reason == Reason.STORE_ERROR:
        return Stop(SyncRun.Status.FAILED, reason, f"A store could not be read: {exc.message}")
    if reason == Reason.CLAIM_LOST:
        return Stop(SyncRun.Status.FAILED, reason, str(exc))
    if reason == Reason.DATABASE:
        logger.warning("Sync run %s lost the database: %s", run.pk, type(exc).__name__)
        return Stop(SyncRun.Status.FAILED, reason, DATABASE_LOST, DATABASE_RETRY_SECONDS)
    logger.exception("Sync run %s crashed", run.pk)
    return Stop(SyncRun.Status.FAILED, reason, f"Unexpected error: {type(exc).__name__}.")


def run_sync(sync_settings: SyncSettings, trigger: str = SyncRun.Trigger.MANUAL, *, run: SyncRun | None = None,
             dry_run: bool = False, hooks: Hooks | None = None) -> SyncRun | None:
    """Run (or continue) one sync of a connection in this process. None when another run holds it, or when the
    given run is no longer active (the tick closed it)."""
    owner = claims.new_owner()
    if not claims.claim(sync_settings.pk, owner):
        return None
    if run is None:
        run = SyncRun.objects.create(
            settings=sync_settings, trigger=trigger, dry_run=dry_run,
            phase=Phase.CLEAR if trigger == SyncRun.Trigger.RESET and not dry_run else Phase.READ,
        )
    if not mark_running(run):
        claims.release(sync_settings.pk, owner)
        return None
    ctx = RunContext(sync_settings, run, owner, hooks or Hooks())
    try:
        execute(ctx)
        stop = FINISHED
    except Exception as exc:
        stop = stopped_by(exc, run)

    def close():
        finish(ctx, stop)
        claims.release(sync_settings.pk, owner)

    with_database_retries(close, ctx.hooks.sleep)
    return run


def mark_running(run: SyncRun) -> bool:
    """Queued (or resumed) → running, only if the run is still active: one conditional UPDATE."""
    now = timezone.now()
    changes = {"status": SyncRun.Status.RUNNING, "started_at": run.started_at or now, "heartbeat_at": now,
               "attempts": run.attempts + 1}
    if not SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE).update(**changes):
        return False
    for name, value in changes.items():
        setattr(run, name, value)
    return True


def with_database_retries(action, sleep, attempts: int = DATABASE_ATTEMPTS):
    """Run `action`, retrying while the database is briefly unavailable (a failover, a restart). If it stays
    down, the error propagates: the task fails, and the tick closes the run once its heartbeat is stale."""
    for attempt in range(attempts):
        try:
            return action()
        except DatabaseError:
            if attempt + 1 == attempts:
                raise
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:  # a broken connection is reopened by the next query
                    connection.close_if_unusable_or_obsolete()
            sleep(2**attempt)


def execute(ctx: RunContext) -> None:
    if ctx.run.phase == Phase.CLEAR:
        clear_sync_state(ctx.settings)
        ctx.enter(Phase.READ)
    if ctx.run.phase == Phase.READ:
        read_stores(ctx)
        ctx.enter(Phase.SEND)
    if ctx.run.phase == Phase.SEND:
        Sender(ctx).run()
    ctx.run.phase = Phase.DONE


def finish(ctx: RunContext, stop: Stop) -> None:
    run, now = ctx.run, timezone.now()
    ctx.note_calls()
    run.status = stop.status
    run.stop_reason = stop.reason
    run.error_summary = stop.summary
    run.finished_at = now
    run.save()
    if run.dry_run:
        return
    interval = timedelta(minutes=ctx.settings.interval_minutes or 30)
    next_at = now + (timedelta(seconds=stop.retry_after) if stop.retry_after else interval)
    updates = {"next_sync_at": min(next_at, now + interval)}
    if stop.status == SyncRun.Status.SUCCEEDED:
        updates["last_sync_at"] = now
    SyncSettings.objects.filter(pk=ctx.settings.pk).update(**updates)
    for name, value in updates.items():
        setattr(ctx.settings, name, value)

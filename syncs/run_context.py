"""One run's context and how it ends: what every phase (reading, deletions, planning, writing) imports.

`RunContext` carries the run's settings, its `SyncRun` row, the Zoho client and the bookkeeping (counters,
heartbeat, report samples). `Stop` says how a run ended and `finish` records it: the run's status and
reason, and when the connection is due next. Everything a run still has to do lives in the database (dirty
snapshots, checkpoints), so a run that stops anywhere is continued by the next one.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from integrations.stores.sources.errors import SourceError
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.errors import (
    ConfigurationError,
    CreditBudgetExceeded,
    RateLimited,
    ReauthorizationRequired,
    TransientError,
    ZohoError,
)
from integrations.zoho.transport import Backoff
from syncs import claims
from syncs.models import SyncRun, SyncSettings

logger = logging.getLogger(__name__)
REPORT_SAMPLES = 50
DATABASE_RETRY_SECONDS = 60
TRANSIENT_RETRY_SECONDS = 300  # Zoho unavailable: try again in five minutes, not a whole interval later
DATABASE_LOST = ("The database was unavailable during this run; nothing unconfirmed was marked synced, and the "
                 "next run (in about a minute) continues where this one stopped.")
WAITING = "Nothing was lost: what was not sent waits, and goes out when Zoho answers again."


class SliceEnded(Exception):
    """This slice has used its `SYNC_SLICE_SECONDS`: the run stops at a safe point (everything so far saved) and
    continues in a new slice."""


class RunClosed(Exception):
    """The run is no longer this worker's to run: a user cancelled it, or the tick handed it to another worker."""


class ClaimLost(Exception):
    """Another worker took this connection over (our heartbeat went stale); stop without writing more."""


class BulkJobsPending(Exception):
    """Bulk Write jobs Zoho has not finished (syncs/bulk_sending.py): stop, and come back in a minute."""

    retry_after = 60

    def __init__(self, rows: int, started: bool):
        self.rows = rows
        what = "sent" if started else "still being written"
        self.summary = (f"Waiting for Zoho's Bulk Write job: {rows:,} records {what}. The next run (in about a "
                        f"minute) collects Zoho's result.")
        super().__init__(self.summary)


@dataclass
class Hooks:
    """What tests and callers may inject: how the Zoho client waits between its own retries, a call when Zoho
    has answered a batch or accepted a Bulk Write job (before it is recorded), and a call after every recorded
    batch (or chunk of a Bulk Write result). Tests raise from these to stop a worker dead."""

    sleep: Callable[[float], None] = time.sleep
    after_upsert: Callable[[SyncRun], None] | None = None
    after_batch: Callable[[SyncRun], None] | None = None


class RunContext:
    """The state one run carries through its phases, and its bookkeeping (counters, heartbeat, report)."""

    def __init__(self, sync_settings: SyncSettings, run: SyncRun, owner: str, hooks: Hooks):
        self.sync_settings = sync_settings
        self.run = run
        self.owner = owner
        self.hooks = hooks
        self.dry_run = run.dry_run
        self.full = run.trigger == SyncRun.Trigger.RESET  # resend everything, deleted marks included
        self.signpost = run.started_at or timezone.now()  # nothing changed after the run began is taken as read
        self.stores_read = len(run.read_cursor.get("read", []))
        # Dry runs record nothing a next slice could continue from, so they run in one piece.
        self.slice_ends = None if run.dry_run else time.monotonic() + settings.SYNC_SLICE_SECONDS
        self._crm = None
        self._calls_base = run.zoho_calls
        self._credits_base = run.credits

    @property
    def crm(self) -> ZohoCRM:
        if self._crm is None:
            # One try per call: a retry would sleep in the worker; the engine pauses the run instead (zoho_waits).
            self._crm = ZohoCRM(self.sync_settings.connection, sleep=self.hooks.sleep,
                                backoff=Backoff(attempts=1, sleep=self.hooks.sleep))
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
        if not claims.heartbeat(self.sync_settings.pk, self.owner, now):
            raise ClaimLost("Another worker took this connection over.")
        self.run.heartbeat_at = now
        self.note_calls()
        if not SyncRun.objects.filter(pk=self.run.pk, status=SyncRun.Status.RUNNING).update(
            heartbeat_at=now, progress_done=self.run.progress_done, progress_total=self.run.progress_total,
            report=self.run.report, read_cursor=self.run.read_cursor, **self.run.counts(),
        ):
            raise RunClosed("The run was cancelled or handed to another worker.")

    def end_slice_if_due(self) -> None:
        """Called at safe points only (a buffer staged, a batch recorded): end the slice when its time is up."""
        if self.slice_ends is not None and time.monotonic() >= self.slice_ends:
            raise SliceEnded()

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
    """The Stop an exception out of a run's phases means. Zoho refusing for a while (rate limit, budget): partial,
    next run when Zoho says; Zoho down: failed, next run in a few minutes; the rest: failed. In every case the
    unsent records stay pending: no attempt counter runs out while Zoho is the one refusing."""
    if isinstance(exc, BulkJobsPending):
        return Stop(SyncRun.Status.PARTIAL, Reason.BULK_WRITE, exc.summary, exc.retry_after)
    reason = stop_reason_for(exc)
    if reason in (Reason.RATE_LIMITED, Reason.CREDIT_BUDGET):
        return Stop(SyncRun.Status.PARTIAL, reason, f"Stopped early, the rest follows in the next run: "
                    f"{exc.explanation}", exc.retry_after)
    if reason == Reason.REAUTHORIZATION:
        return Stop(SyncRun.Status.FAILED, reason, f"Zoho needs re-authorisation: {exc.explanation} {WAITING}")
    if reason == Reason.TRANSIENT and isinstance(exc, TransientError):
        return Stop(SyncRun.Status.FAILED, reason, f"{exc.explanation} {WAITING}", TRANSIENT_RETRY_SECONDS)
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


def finish(ctx: RunContext, stop: Stop) -> None:
    """Record how the run ended and when the connection is due next: its interval, sooner when Zoho said when
    to come back, and at once when a store changed (a webhook) after this run began reading."""
    run, now = ctx.run, timezone.now()
    ctx.note_calls()
    if stop.status == SyncRun.Status.SUCCEEDED and run.report.get("unreadable_stores"):
        problems = " ".join(f"{s['store']}: {s['message']}" for s in run.report["unreadable_stores"])
        if ctx.stores_read:
            stop = Stop(SyncRun.Status.PARTIAL, Reason.STORE_ERROR,
                        f"A store could not be read; the other stores were synced. {problems}")
        else:
            stop = Stop(SyncRun.Status.FAILED, Reason.STORE_ERROR, f"A store could not be read: {problems}")
    if not SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).exists():
        return  # cancelled (or handed to another worker) after its last heartbeat: leave it as it is
    run.status = stop.status
    run.stop_reason = stop.reason
    run.error_summary = stop.summary
    run.finished_at = now
    run.save()
    if run.dry_run:
        return
    sync_settings = ctx.sync_settings
    interval = timedelta(minutes=sync_settings.interval_minutes or 30)
    next_at = now + (timedelta(seconds=stop.retry_after) if stop.retry_after else interval)
    changed_at = SyncSettings.objects.filter(pk=sync_settings.pk).values_list("store_changed_at", flat=True).first()
    if changed_at and changed_at >= ctx.signpost and not stop.retry_after:
        next_at = now  # a store changed while we ran: read it again soon (the tick picks it up)
    updates = {"next_sync_at": min(next_at, now + interval)}
    if stop.status == SyncRun.Status.SUCCEEDED:
        updates["last_sync_at"] = now
    SyncSettings.objects.filter(pk=sync_settings.pk).update(**updates)
    for name, value in updates.items():
        setattr(sync_settings, name, value)

"""A sync run, the one path every run takes (schedule, Sync now, webhook, reset, preview): claim the
connection → (reset: clear) → read the stores → plan and write → finish.

Every run is a `SyncRun` row whose phase and read cursor are persisted, and it works in slices of
`SYNC_SLICE_SECONDS`: at the end of a slice (or a worker timeout) it is saved and continued by a new task; when
Zoho says "not now" it pauses until then (`zoho_waits`) instead of sleeping; when its worker died, the tick hands
it to another worker. Each continuation goes on from the cursor. The send phase plans Accounts, people (Contacts,
Leads), Deals, Products and Sales Orders, in that order, and one Zoho writer sends them all. How a run ends follows
the Zoho client's taxonomy
(`run_context.stopped_by`); nothing is marked synced without Zoho's answer, and everything not confirmed stays
pending for the next run.
"""

import logging

from django.db import DatabaseError, connections
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.tasks import async_task

from syncs import claims, zoho_waits
from syncs.account_planner import AccountPlanner
from syncs.bulk_sending import BulkSending
from syncs.deal_planner import DealPlanner
from syncs.models import BulkJob, SyncRun, SyncSettings
from syncs.planner import PeoplePlanner
from syncs.products import ProductPlanner
from syncs.reading import read_stores
from syncs.reset import clear_sync_state
from syncs.run_context import (  # noqa: F401  (Hooks, RunContext, Stop, finish: the engine's public API)
    DATABASE_LOST,
    FINISHED,
    ClaimLost,
    Hooks,
    RunClosed,
    RunContext,
    SliceEnded,
    Stop,
    finish,
    stop_reason_for,
    stopped_by,
)
from syncs.sales_order_planner import SalesOrderPlanner
from syncs.source_accounts import SourceAccountPlanner
from syncs.zoho_fields import ZohoFields
from syncs.zoho_writer import ZohoWriter

logger = logging.getLogger(__name__)
Phase = SyncRun.Phase
DATABASE_ATTEMPTS = 5  # 1 + 2 + 4 + 8 s of waiting while the database comes back


def run_sync(sync_settings: SyncSettings, trigger: str = SyncRun.Trigger.MANUAL, *, run: SyncRun | None = None,
             dry_run: bool = False, hooks: Hooks | None = None, foreground: bool = False,
             owner: str | None = None) -> SyncRun | None:
    """Run (or continue) one sync of a connection. None when another run holds it, or when the given run is no
    longer active (the tick closed it).

    A run works in slices of `SYNC_SLICE_SECONDS`. In a worker, a slice that ends enqueues the run's
    continuation and frees the worker; in the foreground (`foreground=True`: the commands, syncs/foreground.py)
    the next slice follows in this process, and the run returns when it ends or pauses. A run waiting for Zoho
    (`resume_at`) is continued by the tick at that time, or by the foreground command that waits for it.
    `owner`: a claim the caller holds and keeps across slices (the foreground); no slice releases it."""
    held = owner is not None
    if run is None:
        if not claims.claim(sync_settings.pk, owner := owner or claims.new_owner()):
            return None
        run = SyncRun.objects.create(
            settings=sync_settings, trigger=trigger, dry_run=dry_run,
            phase=Phase.CLEAR if trigger == SyncRun.Trigger.RESET and not dry_run else Phase.READ,
        )
    hooks = hooks or Hooks()
    while True:
        outcome = run_slice(sync_settings, run, hooks, owner, keep_claim=held)
        owner = owner if held else None
        if outcome is None:
            return None if run.slices == 0 else run
        if outcome != CONTINUE:
            return run
        if not foreground:
            async_task("syncs.tasks.continue_run", run.pk, task_name=f"syncs.run.{run.pk}.{run.slices}")
            return run


CONTINUE, DONE = "continue", "done"


def run_slice(sync_settings: SyncSettings, run: SyncRun, hooks: Hooks, owner: str | None = None, *,
              keep_claim: bool = False) -> str | None:
    """One slice of a run: CONTINUE when a next slice should follow at once, DONE when the run finished, was
    paused until a later time or was taken over by another worker; None when it could not start. `owner`: a
    claim the caller already holds; `keep_claim`: the caller releases it, not this slice."""
    owner = owner or claims.new_owner()

    def release():
        if not keep_claim:
            claims.release(sync_settings.pk, owner)

    if not claims.claim(sync_settings.pk, owner):
        return None
    if not mark_running(run):
        release()
        return None
    ctx = RunContext(sync_settings, run, owner, hooks)
    outcome, stop, resume_at = DONE, FINISHED, None
    try:
        execute(ctx)
    except (SliceEnded, TimeoutException):
        # TimeoutException: django-q2 stops an overdue task with this SystemExit; the run continues elsewhere.
        outcome, stop = CONTINUE, None
    except RunClosed:
        release()
        return DONE  # cancelled, or continued by another worker: leave the run as it is
    except ClaimLost as exc:
        if taken_over(ctx):
            return DONE  # another worker continues this very run: leave it (and its claim) alone
        stop = stopped_by(exc, run)
    except Exception as exc:
        stop = stopped_by(exc, run)
        wait = zoho_waits.wait_for(exc, run)
        if wait is not None:  # Zoho said "not now": free the worker, continue at that time
            stop, resume_at = None, timezone.now() + wait
            run.stop_reason, run.error_summary = stop_reason_for(exc), waiting_summary(exc)

    def close():
        if stop is None:
            pause(ctx, resume_at)
        else:
            finish(ctx, stop)
        release()

    with_database_retries(close, ctx.hooks.sleep)
    return outcome


def waiting_summary(exc) -> str:
    return f"Waiting for Zoho: {exc.explanation} The run continues where it stopped; nothing is lost."


def pause(ctx: RunContext, resume_at=None) -> None:
    """End this slice and leave the run queued for its next one (at `resume_at`, or at once when None)."""
    run, now = ctx.run, timezone.now()
    ctx.note_calls()
    run.status, run.queued_at, run.resume_at = SyncRun.Status.QUEUED, now, resume_at
    run.save()


def taken_over(ctx: RunContext) -> bool:
    """Whether the tick handed this run to another worker (our heartbeat went stale): it is no longer the
    running run we last beat for."""
    return not SyncRun.objects.filter(pk=ctx.run.pk, status=SyncRun.Status.RUNNING,
                                      heartbeat_at=ctx.run.heartbeat_at).exists()


def mark_running(run: SyncRun) -> bool:
    """Queued (or resumed) → running, only if the run is still active: one conditional UPDATE."""
    now = timezone.now()
    changes = {"status": SyncRun.Status.RUNNING, "started_at": run.started_at or now, "heartbeat_at": now,
               "attempts": run.attempts + 1, "slices": run.slices + 1, "resume_at": None,
               "stop_reason": SyncRun.StopReason.FINISHED, "error_summary": ""}
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
        clear_sync_state(ctx.sync_settings)
        ctx.enter(Phase.READ)
    if ctx.run.phase == Phase.READ:
        follow_bulk_jobs(ctx)  # while Zoho still works on our jobs, the run stops before reading the stores
        read_stores(ctx)
        ctx.enter(Phase.SEND)
    if ctx.run.phase == Phase.SEND:
        send(ctx)
    ctx.run.phase = Phase.DONE


def follow_bulk_jobs(ctx: RunContext) -> None:
    """Bulk Write jobs of earlier runs: collected, or the run stops to wait for them (BulkJobsPending) without
    reading the stores, which it would read again anyway once the jobs are done."""
    if BulkJob.objects.filter(settings=ctx.sync_settings).exists():
        BulkSending(ctx, ZohoWriter(ctx)).follow()


def send(ctx: RunContext) -> None:
    """Each kind after what it links to, so links reach records written in this very run: Accounts, then people
    (Contacts link their Account), Deals (their Contact and Account), Products, then Sales Orders (all of them).
    Big people sends go by Bulk Write (syncs/bulk_sending.py): the run stops once their jobs are started (what
    links to people waits for them), and a later run collects them before planning anything."""
    ctx.run.progress_total = ctx.run.progress_done
    sync_settings = ctx.sync_settings
    fields, writer = ZohoFields(ctx), ZohoWriter(ctx)
    writer.bulk = bulk = BulkSending(ctx, writer)
    bulk.follow()  # Bulk Write jobs of earlier runs first: collected, or this run stops to wait for them
    if sync_settings.sync_accounts:
        AccountPlanner(ctx, fields, writer).run()
        SourceAccountPlanner(ctx, fields, writer).run()  # Accounts read from another Zoho org
    people = PeoplePlanner(ctx, fields, writer)
    bulk.decide(people.dirty().values("email").distinct().count())
    people.run()
    bulk.finish()
    if sync_settings.sync_deals:
        DealPlanner(ctx, fields, writer).run()
    if sync_settings.sync_sales_orders:
        ProductPlanner(ctx, fields, writer).run()
        SalesOrderPlanner(ctx, fields, writer).run()

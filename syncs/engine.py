"""A sync run, the one path every run takes (schedule, Sync now, webhook, reset, preview): claim the
connection → (reset: clear) → read the stores → plan and write → finish.

Every run is a `SyncRun` row whose phase is persisted, so a reset whose worker died continues where it
stopped. The send phase plans Accounts, people (Contacts, Leads), Deals, Products and Sales Orders, in that
order, and one Zoho writer sends them all. How a run ends follows the Zoho client's taxonomy
(`run_context.stopped_by`); nothing is marked synced without Zoho's answer, and everything not confirmed stays
pending for the next run.
"""

import logging

from django.db import DatabaseError, connections
from django.utils import timezone

from syncs import claims
from syncs.account_planner import AccountPlanner
from syncs.bulk_sending import BulkSending
from syncs.deal_planner import DealPlanner
from syncs.models import SyncRun, SyncSettings
from syncs.planner import PeoplePlanner
from syncs.products import ProductPlanner
from syncs.reading import read_stores
from syncs.reset import clear_sync_state
from syncs.run_context import (  # noqa: F401  (Hooks, RunContext, Stop, finish: the engine's public API)
    DATABASE_LOST,
    FINISHED,
    ClaimLost,
    Hooks,
    RunContext,
    Stop,
    finish,
    stop_reason_for,
    stopped_by,
)
from syncs.sales_order_planner import SalesOrderPlanner
from syncs.zoho_fields import ZohoFields
from syncs.zoho_writer import ZohoWriter

logger = logging.getLogger(__name__)
Phase = SyncRun.Phase
DATABASE_ATTEMPTS = 5  # 1 + 2 + 4 + 8 s of waiting while the database comes back


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
        clear_sync_state(ctx.sync_settings)
        ctx.enter(Phase.READ)
    if ctx.run.phase == Phase.READ:
        read_stores(ctx)
        ctx.enter(Phase.SEND)
    if ctx.run.phase == Phase.SEND:
        send(ctx)
    ctx.run.phase = Phase.DONE


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
    people = PeoplePlanner(ctx, fields, writer)
    bulk.decide(people.dirty().values("email").distinct().count())
    people.run()
    bulk.finish()
    if sync_settings.sync_deals:
        DealPlanner(ctx, fields, writer).run()
    if sync_settings.sync_sales_orders:
        ProductPlanner(ctx, fields, writer).run()
        SalesOrderPlanner(ctx, fields, writer).run()

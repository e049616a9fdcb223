"""Accounts read from another Zoho org (a Zoho-org store), staged and written by their record id there.

The read phase streams the org's Accounts changed since the store's account checkpoint into `AccountSnapshot`s
keyed `zoho-<store id>-account-<record id>`; the send phase (after the Accounts made for customers' companies)
writes each through the Zoho writer with its values under the same API names, limited to the fields this org has.
The record map knows the Account by that key, so an Account renamed in the source org updates the same Account
here (by Zoho id); a new one is upserted on `Account_Name` like every Account. Unchanged Accounts cost no call.
"""

from django.utils import timezone

from syncs.models import ACCOUNTS, AccountSnapshot, SyncedRecord
from syncs.outcomes import Outcome
from syncs.planning import plan_record, walk_in_key_order
from syncs.resuming import StagedStream
from syncs.selection import included_stores

STAGE_BUFFER = 500
Status = SyncedRecord.Status
KEY_PREFIX = "zoho-"  # as people read from a Zoho org (syncs.reading.RECORD_KEY_PREFIX; reading imports this)


def account_record_key(store, source_id) -> str:
    return f"{KEY_PREFIX}{store.pk}-account-{source_id}"


def read_accounts(ctx, store, source, checkpoint, report_rejected) -> None:
    since = None if ctx.full else checkpoint.account_cursor
    staged = StagedStream(ctx, store, source, stage_accounts, report_rejected, STAGE_BUFFER)
    for account in source.accounts(since):
        if staged.add(account, account.updated_at):
            staged.flush()
            ctx.beat()
    staged.flush()
    if not ctx.dry_run:
        checkpoint.advance("account_cursor", staged.newest, ctx.signpost)


def stage_accounts(ctx, store, accounts) -> None:
    latest = {}
    for account in accounts:
        ctx.count("seen")
        key = account_record_key(store, account.source_id)
        if key not in latest or account.updated_at >= latest[key].updated_at:
            latest[key] = account
    if not latest:
        return
    now = timezone.now()
    AccountSnapshot.objects.bulk_create(
        [AccountSnapshot(settings=ctx.sync_settings, store=store, key=key, data=account.values,
                         updated_at=account.updated_at, dirty=True, staged_at=now)
         for key, account in latest.items()],
        update_conflicts=True, unique_fields=["settings", "key"],
        update_fields=["data", "updated_at", "dirty", "staged_at"],
    )


class SourceAccountPlanner:
    def __init__(self, ctx, fields, writer):
        self.ctx, self.fields, self.writer = ctx, fields, writer
        self.sync_settings = ctx.sync_settings
        self.store_ids = list(included_stores(self.sync_settings).values_list("id", flat=True))

    def dirty(self):
        return AccountSnapshot.objects.filter(settings=self.sync_settings, dirty=True, store_id__in=self.store_ids)

    def run(self) -> None:
        started = timezone.now()
        walk_in_key_order(self.dirty().only("key", "data"), "key", self.plan_chunk)
        self.writer.flush_all([ACCOUNTS])
        if not self.ctx.dry_run:  # every Account was decided or written (a stopped run raised before this)
            self.dirty().filter(staged_at__lte=started).update(dirty=False)

    def plan_chunk(self, snapshots) -> None:
        specs = self.fields.specs(ACCOUNTS)
        records = {r.key: r for r in SyncedRecord.objects.filter(
            settings=self.sync_settings, module=ACCOUNTS, key__in=[s.key for s in snapshots])}
        self.ctx.run.progress_total += len(snapshots)
        outcome = Outcome()
        done = sum(not self.plan_account(s.key, {k: v for k, v in s.data.items() if k in specs},
                                         records.get(s.key), outcome) for s in snapshots)
        self.writer.record(outcome)
        self.ctx.count_progress(done)

    def plan_account(self, key: str, payload: dict, record, outcome) -> bool:
        """True when queued for the writer (which counts its progress), False when decided now."""
        ctx = self.ctx
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            record.zoho_id = ""  # deleted here while it still exists in the source org: recreated
        return not plan_record(ctx, self.fields, self.writer, outcome, key, ACCOUNTS, payload, record)

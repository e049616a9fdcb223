"""The read phase: stream each included store's changed customers (and orders) into snapshots, in bulk.

Memory holds one buffer of customers at a time. A store's checkpoint moves only when its stream has been
read to the end (or, for sorted sources, after each staged buffer), and never past the run's start (the
signpost), so a customer changed while the run reads is read again next time.

A run works in slices (`SYNC_SLICE_SECONDS`). Its `read_cursor` says which stores it has read to the end (a
next slice skips them), which steps of a store it has finished (`steps`: customers, orders, …; a next slice skips
them too) and where it stands inside a step: for sorted sources (a Zoho org) the newest change staged so far
(`since`), for resumable sources (WooCommerce, Magento: `Source.resumable`) the position after the last page read
to the end of each long stream (`pages` for customers, `order_pages`, `id_pages`; `syncs/resuming.py`), staged
and saved before the next page is requested. A slice may end there, and the next slice reads on from there, not
from the start. The newest change staged (`newest`, `order_newest`) is kept across slices too, so a checkpoint
moves as far as the whole stream read, not only its last slice. Other steps (a Zoho org's Accounts, the
catalogue) are read whole within a slice.

A store that cannot be read (bad keys, down, refused by the SSRF guard: any `SourceError`) is reported with
its reason in the run's report and on its checkpoint (the dashboard shows it); its checkpoints stay where
they were, and the other stores are read as usual. Once a store was read, its webhook deliveries received
before the run started are marked processed: what they announced is in the snapshots.
"""

from datetime import datetime

from django.utils import timezone

from integrations.stores.models import mark_deliveries_read
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.zoho_org import ensure_not_same_org
from syncs.deletions import detect_deletions
from syncs.merge import normalise_email, snapshot_data
from syncs.models import CustomerSnapshot, RecordError, StoreCheckpoint
from syncs.orders import read_orders
from syncs.products import read_products
from syncs.resuming import StagedStream
from syncs.run_context import RunContext
from syncs.selection import included_stores
from syncs.source_accounts import read_accounts
from syncs.validation import EMAIL_RE

STAGE_BUFFER = 500
RECORD_KEY_PREFIX = "zoho-"  # keys of people read from another Zoho org (never an email: no "@")
INVALID_EMAIL = "INVALID_EMAIL"
INVALID_RECORD = "INVALID_RECORD"


def read_stores(ctx: RunContext) -> None:
    """Read every included store the run has not read to the end yet (a continued run skips those)."""
    cursor = ctx.run.read_cursor
    finished = set(cursor.get("read", [])) | set(cursor.get("unreadable", []))
    for store in included_stores(ctx.sync_settings):
        if store.pk in finished:
            continue
        checkpoint, _ = StoreCheckpoint.objects.get_or_create(settings=ctx.sync_settings, store=store)
        try:
            ensure_not_same_org(store, ctx.sync_settings.connection)
            source = get_source(store)
            done = cursor.setdefault("steps", {}).setdefault(str(store.pk), [])
            for step, read in store_steps(ctx, store, source, checkpoint):
                if step not in done:
                    read()
                    done.append(step)
        except SourceError as exc:
            cursor.setdefault("unreadable", []).append(store.pk)
            report_unreadable(ctx, store, checkpoint, exc)
            continue
        ctx.stores_read += 1
        cursor.setdefault("read", []).append(store.pk)
        if not ctx.dry_run:
            mark_read(ctx, store, checkpoint)
        ctx.beat()
        ctx.end_slice_if_due()


def store_steps(ctx: RunContext, store, source, checkpoint):
    """What reading this store takes for this connection, in order: (step, read)."""
    settings = ctx.sync_settings

    def customers():
        since = resume_point(ctx, store) or (None if ctx.full else checkpoint.cursor)
        read_store(ctx, store, source, checkpoint, since)

    steps = [("customers", customers)]
    if settings.reads_orders and source.has_orders:
        steps.append(("orders", lambda: read_orders(ctx, store, source, checkpoint, report_rejected)))
    if settings.sync_accounts and source.reads_accounts:
        steps.append(("accounts", lambda: read_accounts(ctx, store, source, checkpoint, report_rejected)))
    if settings.sync_sales_orders and source.sells_products:
        steps.append(("products", lambda: read_products(ctx, store, source, report_rejected)))
    steps.append(("deletions", lambda: detect_deletions(ctx, store, source, checkpoint)))
    return steps


def resume_point(ctx: RunContext, store):
    """Where an earlier slice of this run stopped reading a sorted store (the newest change it staged)."""
    value = ctx.run.read_cursor.get("since", {}).get(str(store.pk))
    return datetime.fromisoformat(value) if value else None


def note_read_up_to(ctx: RunContext, store, newest) -> None:
    """Sorted sources only: what was staged up to `newest` need not be read again by this run's next slice."""
    if newest is not None:
        ctx.run.read_cursor.setdefault("since", {})[str(store.pk)] = newest.isoformat()


def report_unreadable(ctx: RunContext, store, checkpoint, exc: SourceError) -> None:
    ctx.run.report.setdefault("unreadable_stores", []).append({"store": store.name, "message": exc.message})
    ctx.beat()
    if not ctx.dry_run:
        StoreCheckpoint.objects.filter(pk=checkpoint.pk).update(read_error=exc.message[:2000],
                                                                read_error_at=timezone.now())


def mark_read(ctx: RunContext, store, checkpoint) -> None:
    if checkpoint.read_error:
        StoreCheckpoint.objects.filter(pk=checkpoint.pk).update(read_error="", read_error_at=None)
    mark_deliveries_read(store, ctx.signpost)


def read_store(ctx, store, source, checkpoint, since) -> None:
    """The store's customers changed since `since`, staged a buffer at a time (and after every page of a
    resumable source, where the slice may end)."""
    staged = StagedStream(ctx, store, source, stage, report_rejected, STAGE_BUFFER, key="newest")
    for customer in staged.open(source.customers, since, "pages"):
        if not staged.add(customer, customer.updated_at):
            continue
        staged.flush()
        if source.is_sorted:
            if not ctx.dry_run:
                checkpoint.advance("cursor", staged.newest, ctx.signpost)
            note_read_up_to(ctx, store, staged.newest)
        ctx.beat()
        if source.is_sorted:
            ctx.end_slice_if_due()
    staged.flush()
    if not ctx.dry_run:
        checkpoint.advance("cursor", staged.newest, ctx.signpost)


ZOHO_ORG = "zoho"


def record_key(store, source_id) -> str:
    """The person key of a record read from another Zoho org: its store and its record id there."""
    return f"{RECORD_KEY_PREFIX}{store.pk}-{source_id}"


def stage(ctx, store, customers) -> None:
    """Write one buffer of customers as dirty snapshots: one bulk statement, whatever its size."""
    latest, invalid = {}, {}
    by_record_id = store.kind == ZOHO_ORG
    for customer in customers:
        ctx.count("seen")
        email = normalise_email(customer.email)
        if by_record_id:
            # Org to org: the source org's record id is the key (emails may be missing or change).
            email = record_key(store, customer.source_id)
        elif not EMAIL_RE.match(email):
            invalid[customer.email.strip() or f"{store.name} customer {customer.source_id}"] = customer
            continue
        previous = latest.get(email)
        if previous is None or customer.updated_at >= previous.updated_at:
            latest[email] = customer
    if invalid:
        report_invalid_emails(ctx, store, invalid)
    if not latest:
        return
    now = timezone.now()
    CustomerSnapshot.objects.bulk_create(
        [
            CustomerSnapshot(
                settings=ctx.sync_settings, store=store, email=email, source_id=str(customer.source_id),
                data=snapshot_data(customer), updated_at=customer.updated_at, dirty=True, staged_at=now,
                deleted=False,  # read again: present in the store (again)
            )
            for email, customer in latest.items()
        ],
        update_conflicts=True,
        unique_fields=["settings", "store", "email"],
        update_fields=["source_id", "data", "updated_at", "dirty", "staged_at", "deleted"],
    )


def report_rejected(ctx, store, rejected) -> None:
    """Records the store sent malformed (source.InvalidRecord) go to the inbox, once while open."""
    if not rejected:
        return
    ctx.count("failed", len(rejected))
    ctx.sample("invalid", *({"email": "", "field": "", "message": r.message} for r in rejected))
    if ctx.dry_run:
        return
    keys = {f"{store.name} record {r.source_id or '?'}"[:254]: r for r in rejected}
    already = set(RecordError.objects.filter(
        settings=ctx.sync_settings, key__in=list(keys), code=INVALID_RECORD,
        status__in=(RecordError.Status.OPEN, RecordError.Status.IGNORED),
    ).values_list("key", flat=True))
    RecordError.objects.bulk_create(
        RecordError(settings=ctx.sync_settings, run=ctx.run, module="", key=key, code=INVALID_RECORD,
                    message=r.message, payload={"store": store.name, "source_id": r.source_id})
        for key, r in keys.items() if key not in already
    )


def report_invalid_emails(ctx, store, invalid: dict) -> None:
    """Customers without a usable email cannot be matched in Zoho: they go to the inbox (once while open)."""
    ctx.count("failed", len(invalid))
    message = f"The customer's email in {store.name} is not a valid address, so it cannot be matched in Zoho."
    ctx.sample("invalid", *({"email": key, "field": "Email", "message": message} for key in invalid))
    if ctx.dry_run:
        return
    already = set(RecordError.objects.filter(
        settings=ctx.sync_settings, key__in=list(invalid), code=INVALID_EMAIL, message=message,
        status__in=(RecordError.Status.OPEN, RecordError.Status.IGNORED),
    ).values_list("key", flat=True))
    RecordError.objects.bulk_create(
        RecordError(settings=ctx.sync_settings, run=ctx.run, module="", key=key[:254], code=INVALID_EMAIL,
                    field="Email", message=message, payload=snapshot_data(customer))
        for key, customer in invalid.items() if key not in already
    )

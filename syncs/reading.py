"""The read phase: stream each included store's changed customers into snapshots, in bulk.

Memory holds one buffer of customers at a time. A store's checkpoint moves only when its stream has been
read to the end (or, for sorted sources, after each staged buffer), and never past the run's start (the
signpost), so a customer changed while the run reads is read again next time.
"""

from django.utils import timezone

from integrations.stores.sources import get_source
from syncs.deletions import detect_deletions
from syncs.merge import normalise_email, snapshot_data
from syncs.models import CustomerSnapshot, RecordError, StoreCheckpoint
from syncs.selection import included_stores
from syncs.validation import EMAIL_RE

STAGE_BUFFER = 500
INVALID_EMAIL = "INVALID_EMAIL"
INVALID_RECORD = "INVALID_RECORD"


def read_stores(ctx) -> None:
    for store in included_stores(ctx.settings):
        checkpoint, _ = StoreCheckpoint.objects.get_or_create(settings=ctx.settings, store=store)
        since = None if ctx.full else checkpoint.cursor
        source = get_source(store)
        read_store(ctx, store, source, checkpoint, since)
        detect_deletions(ctx, store, source, checkpoint)


def read_store(ctx, store, source, checkpoint, since) -> None:
    signpost = ctx.signpost
    newest = None
    buffer = []
    for customer in source.customers(since):
        buffer.append(customer)
        if newest is None or customer.updated_at > newest:
            newest = customer.updated_at
        if len(buffer) >= STAGE_BUFFER:
            stage(ctx, store, buffer)
            report_rejected(ctx, store, source.take_rejected())
            buffer = []
            if source.is_sorted and not ctx.dry_run:
                _advance(checkpoint, newest, signpost)
            ctx.beat()
    stage(ctx, store, buffer)
    report_rejected(ctx, store, source.take_rejected())
    if not ctx.dry_run:
        _advance(checkpoint, newest, signpost)


def _advance(checkpoint, newest, signpost) -> None:
    """Inclusive reads: the next run starts at the newest change seen (re-reading it is harmless)."""
    if newest is None:
        return
    cursor = min(newest, signpost)
    if checkpoint.cursor is None or cursor > checkpoint.cursor:
        checkpoint.cursor = cursor
        checkpoint.save(update_fields=["cursor", "updated_at"])


def stage(ctx, store, customers) -> None:
    """Write one buffer of customers as dirty snapshots: one bulk statement, whatever its size."""
    latest, invalid = {}, {}
    for customer in customers:
        ctx.count("seen")
        email = normalise_email(customer.email)
        if not EMAIL_RE.match(email):
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
                settings=ctx.settings, store=store, email=email, source_id=str(customer.source_id),
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
        settings=ctx.settings, key__in=list(keys), code=INVALID_RECORD,
        status__in=(RecordError.Status.OPEN, RecordError.Status.IGNORED),
    ).values_list("key", flat=True))
    RecordError.objects.bulk_create(
        RecordError(settings=ctx.settings, run=ctx.run, module="", key=key, code=INVALID_RECORD,
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
        settings=ctx.settings, key__in=list(invalid), code=INVALID_EMAIL, message=message,
        status__in=(RecordError.Status.OPEN, RecordError.Status.IGNORED),
    ).values_list("key", flat=True))
    RecordError.objects.bulk_create(
        RecordError(settings=ctx.settings, run=ctx.run, module="", key=key[:254], code=INVALID_EMAIL,
                    field="Email", message=message, payload=snapshot_data(customer))
        for key, customer in invalid.items() if key not in already
    )

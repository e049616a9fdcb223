"""What a chunk or a batch decided, written in a few bulk statements inside one transaction.

An `Outcome` collects record states (`SyncedRecord`), inbox entries (`RecordError`) and the keys whose work
is done. `write_outcome` saves them together: a record written resolves its older open errors, and a done key
clears its snapshot's dirty flag (emails for Contacts and Leads, order keys for Deals) unless the store changed
it again after the run started.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from syncs.models import (
    ACCOUNTS,
    ORDER_MODULES,
    PRODUCTS,
    CustomerSnapshot,
    OrderSnapshot,
    ProductSnapshot,
    RecordError,
    SyncedRecord,
)

Status = SyncedRecord.Status


@dataclass
class Pending:
    """One record waiting to be written to Zoho: its key in the record map, its payload and change hash."""

    key: str
    module: str
    payload: dict
    hash: str
    record: SyncedRecord | None


class Outcome:
    def __init__(self):
        self.records: list[SyncedRecord] = []
        self.errors: list[RecordError] = []
        self.done: list[tuple[str, str]] = []  # (module, key)

    def finished(self, module: str, key: str) -> None:
        self.done.append((module, key))

    def synced(self, sync_settings, pending: Pending, zoho_id, now: datetime) -> None:
        record = pending.record or SyncedRecord(settings=sync_settings, module=pending.module, key=pending.key)
        record.zoho_id = zoho_id or record.zoho_id
        record.payload_hash = pending.hash
        record.status = Status.SYNCED
        record.synced_at = now
        self.records.append(record)

    def fail(self, sync_settings, run, pending: Pending, code: str, field: str, message: str) -> None:
        """Zoho (or pre-validation) refused the record for a reason in the record: into the inbox."""
        record = pending.record or SyncedRecord(settings=sync_settings, module=pending.module, key=pending.key)
        record.status = Status.FAILED
        record.payload_hash = pending.hash  # not resent until the record changes or someone retries
        self.records.append(record)
        self.errors.append(RecordError(
            settings=sync_settings, run=run, module=pending.module, key=pending.key, code=(code or "ERROR")[:60],
            field=(field or "")[:100], message=message, payload=pending.payload,
        ))


def write_outcome(sync_settings, outcome: Outcome, started: datetime) -> None:
    if not (outcome.records or outcome.errors or outcome.done):
        return
    with transaction.atomic():  # all of a batch's outcome or none of it (a lost database mid-write)
        write_records(outcome.records)
        keys = {e.key for e in outcome.errors} | {r.key for r in outcome.records}
        if keys:
            RecordError.objects.filter(
                settings=sync_settings, key__in=keys,
                status__in=(RecordError.Status.OPEN, RecordError.Status.RETRYING),
            ).update(status=RecordError.Status.RESOLVED, updated_at=timezone.now())
        if outcome.errors:
            RecordError.objects.bulk_create(outcome.errors)
        # A done key clears its snapshot: people (emails) when their Contact or Lead is written; an order when the
        # last order module of the run is (its Sales Order when those are synced, else its Deal); a product.
        # Accounts are written before the people, who clear the same snapshots.
        last_order_module = sync_settings.order_module_done_last
        emails = {key for module, key in outcome.done if module not in (*ORDER_MODULES, PRODUCTS, ACCOUNTS)}
        orders = {key for module, key in outcome.done if module == last_order_module}
        products = {key for module, key in outcome.done if module == PRODUCTS}
        if products:
            ProductSnapshot.objects.filter(settings=sync_settings, sku__in=products, staged_at__lte=started).update(
                dirty=False)
        if emails:
            CustomerSnapshot.objects.filter(settings=sync_settings, email__in=emails, staged_at__lte=started).update(
                dirty=False)
        if orders:
            OrderSnapshot.objects.filter(settings=sync_settings, key__in=orders, staged_at__lte=started).update(
                dirty=False)


def write_records(records: list[SyncedRecord]) -> None:
    unique = {}
    for record in records:  # a later decision about the same record wins
        unique[(record.module, record.key)] = record
    if unique:
        SyncedRecord.objects.bulk_create(
            list(unique.values()), update_conflicts=True, unique_fields=["settings", "module", "key"],
            update_fields=["zoho_id", "payload_hash", "status", "synced_at", "updated_at"],
        )

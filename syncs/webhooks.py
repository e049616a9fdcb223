"""WooCommerce order events through the same engine: the buyer becomes (or updates) a Contact, the order a
Deal keyed by a stable order key, linked to that Contact.

A run with trigger "webhook" claims the connection like any run, stages the buyers as dirty snapshots,
sends them with the normal send phase, then upserts the Deals (one call per 100 orders). Events stay
pending while the connection is busy; the tick hands them to a worker again.
"""

from django.utils import timezone

from integrations.stores.models import Store, claim_pending_events
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import InvalidRecord, SourceError
from integrations.stores.sources.woocommerce import customer_from_event, order_from_event
from integrations.zoho.errors import ZohoError
from syncs import claims
from syncs.engine import FINISHED, Hooks, RunContext, Stop, finish, stop_reason_for
from syncs.hashing import payload_hash
from syncs.merge import normalise_email
from syncs.models import CONTACTS, DEALS, RecordError, SyncedRecord, SyncRun
from syncs.reading import stage
from syncs.selection import settings_for_store
from syncs.sending import Sender, write_records

STAGES = {
    "pending": "Proposal/Price Quote",
    "on-hold": "Negotiation/Review",
    "processing": "Closed Won",
    "completed": "Closed Won",
    "cancelled": "Closed Lost",
    "refunded": "Closed Lost",
    "failed": "Closed Lost",
}
DEFAULT_STAGE = "Qualification"


def order_key(store: Store, number: str) -> str:
    return f"{store.pk}-{number}"


def deal_payload(sync_settings, store: Store, order, contact_id: str | None) -> dict:
    closing = order.date_paid or order.date_created or order.date_modified
    payload = {
        "Deal_Name": f"{store.name} #{order.number}",
        "Amount": float(order.total),
        "Stage": STAGES.get(order.status, DEFAULT_STAGE),
        "Closing_Date": closing.date().isoformat(),
    }
    if sync_settings.deal_unique_field != "Deal_Name":
        payload[sync_settings.deal_unique_field] = order_key(store, order.number)
    if contact_id:
        payload["Contact_Name"] = {"id": contact_id}
    return payload


def process_store_events(store_id: int, hooks: Hooks | None = None) -> dict:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return {"skipped": "no such store"}
    targets = settings_for_store(store)
    if not targets:
        for event in claim_pending_events(store):
            event.mark_ignored("No Zoho connection syncs this store.")
        return {"ignored": "no connection"}
    sync_settings = targets[0]
    owner = claims.new_owner()
    if not claims.claim(sync_settings.pk, owner):
        return {"skipped": "connection busy; the tick retries"}
    try:
        events = claim_pending_events(store)
        if not events:
            return {"processed": 0}
        run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.WEBHOOK,
                                     status=SyncRun.Status.RUNNING, phase=SyncRun.Phase.SEND,
                                     started_at=timezone.now(), heartbeat_at=timezone.now(), attempts=1)
        ctx = RunContext(sync_settings, run, owner, hooks or Hooks())
        finish(ctx, process_events(ctx, store, events))
        return {"run": run.pk, "status": run.status, "processed": len(events), **run.counts()}
    finally:
        claims.release(sync_settings.pk, owner)


def process_events(ctx, store, events) -> Stop:
    orders, customers, readable = [], [], []
    try:
        source = get_source(store)
        for event in events:
            try:
                if event.resource == "order":
                    order = order_from_event(event)
                    orders.append((event, order))
                    customers.append(_full_customer(source, order.customer))
                else:
                    customers.append(_full_customer(source, customer_from_event(event)))
            except InvalidRecord as exc:  # one malformed (though signed) event never blocks the others
                event.mark_failed(exc.message, retry=False)
                ctx.count("failed")
                continue
            readable.append(event)
        events = readable
        stage(ctx, store, [c for c in customers if c is not None])
        Sender(ctx).run()
        send_deals(ctx, store, orders)
    except (ZohoError, SourceError) as exc:
        permanent = isinstance(exc, SourceError) and exc.permanent
        message = exc.explanation if isinstance(exc, ZohoError) else exc.message
        for event in events:
            event.mark_failed(message, retry=not permanent)
        return Stop(SyncRun.Status.FAILED, stop_reason_for(exc), message)
    for event in events:
        event.mark_processed()
    return FINISHED


def _full_customer(source, customer):
    """The buyer with rollups over all their orders (the order alone counts one); the order's copy when
    the store cannot say more."""
    try:
        return source.customer(customer.source_id) or customer
    except SourceError:
        return customer


def send_deals(ctx, store, orders) -> None:
    settings = ctx.settings
    latest = {}
    for event, order in orders:  # several events of one order: the newest state wins
        key = order_key(store, order.number)
        if key not in latest or order.date_modified >= latest[key][1].date_modified:
            latest[key] = (event, order)
    if not latest:
        return
    emails = {normalise_email(o.customer.email) for _, o in latest.values()}
    contacts = dict(SyncedRecord.objects.filter(settings=settings, module=CONTACTS, key__in=emails)
                    .exclude(zoho_id="").values_list("key", "zoho_id"))
    known = {r.key: r for r in SyncedRecord.objects.filter(settings=settings, module=DEALS, key__in=latest)}
    pending = []
    for key, (_event, order) in latest.items():
        payload = deal_payload(settings, store, order, contacts.get(normalise_email(order.customer.email)))
        digest = payload_hash(DEALS, payload)
        record = known.get(key) or SyncedRecord(settings=settings, module=DEALS, key=key)
        if record.payload_hash == digest:
            ctx.count("unchanged")
            continue
        pending.append((record, payload, digest))
    for start in range(0, len(pending), 100):
        _upsert_deals(ctx, pending[start:start + 100])


def _upsert_deals(ctx, batch) -> None:
    settings = ctx.settings
    try:
        results = ctx.crm.upsert(DEALS, [p for _, p, _ in batch], duplicate_check_fields=(settings.deal_unique_field,))
    finally:
        ctx.note_calls()
    now, records, errors = timezone.now(), [], []
    for (record, payload, digest), result in zip(batch, results, strict=True):
        record.payload_hash = digest
        if result.ok:
            record.zoho_id, record.status, record.synced_at = result.zoho_id or record.zoho_id, "synced", now
            ctx.count("created" if result.action == "insert" else "updated")
        else:
            record.status = SyncedRecord.Status.FAILED
            errors.append(RecordError(settings=settings, run=ctx.run, module=DEALS, key=record.key,
                                      code=result.code[:60] or "ERROR", field=result.field or "",
                                      message=result.message, payload=payload))
            ctx.count("failed")
        records.append(record)
    write_records(records)
    RecordError.objects.bulk_create(errors)
    ctx.beat()


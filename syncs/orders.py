"""The order stream: each store's orders changed since its order checkpoint, staged as dirty order snapshots.

Like the customer stream (`syncs.reading`), memory holds one buffer of orders at a time, the checkpoint moves
only once the stream was read to the end, and never past the run's start. A resumable source's orders are staged
after every page read to the end, where the slice may end; the next slice reads on after that page
(`order_pages` in the run's read_cursor, `syncs/resuming.py`), and the newest change staged is kept with it
(`order_newest`). Every order is keyed by its store's
id and its own id (`order_key`), never by names, so renaming a store or two stores of one name never mix up
their Deals. A webhook only makes the run come sooner: the order itself is read here, like any other.
"""

from django.utils import timezone

from syncs.merge import normalise_email
from syncs.models import OrderSnapshot
from syncs.resuming import StagedStream
from syncs.sales_orders import status_for

STAGE_BUFFER = 500
ZOHO_ORG = "zoho"
# Zoho's standard Deal stages for WooCommerce's and Magento's order statuses.
STAGES = {
    "pending": "Proposal/Price Quote",
    "on-hold": "Negotiation/Review",
    "holded": "Negotiation/Review",
    "payment_review": "Negotiation/Review",
    "processing": "Closed Won",
    "completed": "Closed Won",
    "complete": "Closed Won",
    "cancelled": "Closed Lost",
    "canceled": "Closed Lost",
    "refunded": "Closed Lost",
    "closed": "Closed Lost",
    "failed": "Closed Lost",
}
DEFAULT_STAGE = "Qualification"


def order_key(store_id: int, order_id: str) -> str:
    return f"{store_id}-{order_id}"


def order_data(store, order) -> dict:
    """What an order snapshot keeps: the values of syncs.mapping.ORDER_FIELD_KINDS."""
    closing = order.date_paid or order.date_created or order.date_modified
    closing_date = order.closing_date or (closing.date() if closing else None)
    customer = order.customer
    return {
        "deal_name": order.name or f"{store.name} #{order.number}",
        "number": order.number,
        "order_id": order.source_id,
        "status": order.status,
        "stage": order.stage or STAGES.get(order.status, DEFAULT_STAGE),
        "total": str(order.total),
        "currency": order.currency,
        "is_paid": order.is_paid,
        "closing_date": closing_date.isoformat() if closing_date else None,
        "date_created": order.date_created.date().isoformat() if order.date_created else None,
        "email": normalise_email(customer.email),
        "customer_name": customer.full_name or " ".join(p for p in (customer.firstname, customer.lastname) if p),
        "line_summary": order.line_summary,
        "store": store.name,
        "store_url": (store.base_url or "").rstrip("/"),
        "so_status": status_for(order.status),
        "company": customer.company,
        # For the Sales Order's lines (not mappable): numbers as exact text.
        "lines": [{"sku": line.sku, "name": line.name, "quantity": str(line.quantity),
                   "unit_price": str(line.unit_price), "discount": str(line.discount), "tax": str(line.tax),
                   "product_id": line.product_id} for line in order.lines],
    }


def buyer_key(store, customer) -> str:
    """The buyer's person key, which links the Deal to their Contact: their email, or for a Deal read from another
    Zoho org its Contact's record id there (people from an org are keyed so, `syncs.reading.record_key`)."""
    if store.kind == ZOHO_ORG:
        from syncs.reading import record_key  # reading imports this module

        return record_key(store, customer.source_id) if customer.source_id else ""
    return normalise_email(customer.email)


def read_orders(ctx, store, source, checkpoint, report_rejected) -> None:
    since = None if ctx.full else checkpoint.order_cursor
    staged = StagedStream(ctx, store, source, stage_orders, report_rejected, STAGE_BUFFER, key="order_newest")
    for order in staged.open(source.orders, since, "order_pages"):
        if staged.add(order, order.date_modified):
            staged.flush()
            ctx.beat()
    staged.flush()
    if not ctx.dry_run:
        checkpoint.advance("order_cursor", staged.newest, ctx.signpost)


def stage_orders(ctx, store, orders) -> None:
    """One buffer of orders as dirty snapshots: one bulk statement (several states of one order: the newest)."""
    latest = {}
    for order in orders:
        ctx.count("seen")
        key = order_key(store.pk, order.source_id)
        if key not in latest or order.date_modified >= latest[key].date_modified:
            latest[key] = order
    if not latest:
        return
    now = timezone.now()
    OrderSnapshot.objects.bulk_create(
        [OrderSnapshot(settings=ctx.sync_settings, store=store, key=key, email=buyer_key(store, order.customer),
                       data=order_data(store, order), updated_at=order.date_modified, dirty=True, staged_at=now)
         for key, order in latest.items()],
        update_conflicts=True, unique_fields=["settings", "key"],
        update_fields=["email", "data", "updated_at", "dirty", "staged_at"],
    )

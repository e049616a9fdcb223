"""Zoho Products from the stores' catalogues, keyed by SKU (`Product_Code`).

Read phase: `read_products` streams a store's catalogue (`Source.products()`) into product snapshots, one per
SKU, marking dirty only those whose name, price or active state changed. Send phase: `ProductPlanner` writes
the dirty ones (unchanged change hash: no call) through the Zoho writer, which finds a SKU Zoho already has
by a search on `Product_Code` before creating it. Runs only when Sales Orders are synced: their lines name
these Products.
"""

from django.utils import timezone

from syncs.models import PRODUCTS, OrderSnapshot, ProductSnapshot, SyncedRecord
from syncs.outcomes import Outcome, Pending
from syncs.sales_orders import product_payload
from syncs.selection import included_stores
from syncs.validation import validate_record

STAGE_BUFFER = 500
CHUNK = 100
Status = SyncedRecord.Status


def product_data(product) -> dict:
    return {"sku": product.sku, "name": product.name, "price": str(product.price), "active": product.active}


def read_products(ctx, store, source, report_rejected) -> None:
    buffer = []
    for product in source.products():
        buffer.append(product)
        if len(buffer) >= STAGE_BUFFER:
            stage_products(ctx, store, buffer)
            report_rejected(ctx, store, source.take_rejected())
            buffer = []
            ctx.beat()
    stage_products(ctx, store, buffer)
    report_rejected(ctx, store, source.take_rejected())


def stage_products(ctx, store, products) -> None:
    """Snapshots for the products whose data changed (a SKU met twice: the last one)."""
    wanted = {p.sku: product_data(p) for p in products}
    if not wanted:
        return
    known = dict(ProductSnapshot.objects.filter(settings=ctx.sync_settings, sku__in=list(wanted))
                 .values_list("sku", "data"))
    changed = {sku: data for sku, data in wanted.items() if known.get(sku) != data}
    if not changed:
        return
    now = timezone.now()
    ProductSnapshot.objects.bulk_create(
        [ProductSnapshot(settings=ctx.sync_settings, store=store, sku=sku, data=data, dirty=True, staged_at=now)
         for sku, data in changed.items()],
        update_conflicts=True, unique_fields=["settings", "sku"], update_fields=["store", "data", "dirty", "staged_at"],
    )


def stage_line_products(ctx, store_ids) -> None:
    """Products for the dirty orders' lines whose SKU no catalogue listed (a product deleted since, or sold
    outside the catalogue): made from the line itself, not active. A SKU the catalogue has is left alone."""
    from syncs.sales_orders import line_product

    last = ""
    while True:
        orders = list(OrderSnapshot.objects.filter(settings=ctx.sync_settings, dirty=True, store_id__in=store_ids,
                                                   key__gt=last).order_by("key").only("key", "store", "data")[:CHUNK])
        if not orders:
            return
        last = orders[-1].key
        lines = {line["sku"]: (order.store_id, line) for order in orders for line in order.data.get("lines") or []
                 if line.get("sku")}
        present = set(ProductSnapshot.objects.filter(settings=ctx.sync_settings, sku__in=list(lines))
                      .values_list("sku", flat=True))
        ProductSnapshot.objects.bulk_create(
            [ProductSnapshot(settings=ctx.sync_settings, store_id=store_id, sku=sku, data=line_product(line),
                             dirty=True) for sku, (store_id, line) in lines.items() if sku not in present],
            ignore_conflicts=True,
        )


class ProductPlanner:
    def __init__(self, ctx, fields, writer):
        self.ctx, self.sync_settings, self.fields, self.writer = ctx, ctx.sync_settings, fields, writer

    def dirty(self):
        return ProductSnapshot.objects.filter(settings=self.sync_settings, dirty=True)

    def run(self) -> None:
        stage_line_products(self.ctx, list(included_stores(self.sync_settings).values_list("id", flat=True)))
        self.ctx.run.progress_total += self.dirty().count()
        last = ""
        while True:
            chunk = list(self.dirty().filter(sku__gt=last).order_by("sku").only("sku", "data")[:CHUNK])
            if not chunk:
                break
            self.plan_chunk(chunk)
            last = chunk[-1].sku
        self.writer.flush_all([PRODUCTS])

    def plan_chunk(self, snapshots) -> None:
        records = {r.key: r for r in SyncedRecord.objects.filter(
            settings=self.sync_settings, module=PRODUCTS, key__in=[s.sku for s in snapshots])}
        outcome = Outcome()
        done = 0
        for snapshot in snapshots:
            if self.plan_product(snapshot, records.get(snapshot.sku), outcome):
                outcome.finished(PRODUCTS, snapshot.sku)
                done += 1
        self.writer.record(outcome)
        self.ctx.count_progress(done)
        self.ctx.beat()

    def plan_product(self, snapshot, record, outcome) -> bool:
        ctx = self.ctx
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            record.zoho_id = ""  # orders still name it: recreate it
        payload = self.fields.fit(product_payload(snapshot.data), PRODUCTS)
        digest = self.fields.change_hash(PRODUCTS, payload)
        if record and record.payload_hash == digest and not ctx.full and record.status in (Status.SYNCED,
                                                                                           Status.FAILED):
            ctx.count("unchanged")
            return True
        pending = Pending(snapshot.sku, PRODUCTS, payload, digest, record)
        problem = validate_record(payload, self.fields.specs(PRODUCTS))
        if problem:
            outcome.fail(self.sync_settings, ctx.run, pending, problem.code, problem.field, problem.message)
            ctx.count("failed")
            return True
        self.writer.queue(pending)
        return False

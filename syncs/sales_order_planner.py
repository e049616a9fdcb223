"""The Sales Orders planner: one Zoho Sales Order per dirty order, with its lines, linked to the buyer's
Contact and Account and to the order's Deal.

Runs last (after Accounts, people, Deals and Products), so everything it links to was written in this very
run. Orders are walked by key, 100 at a time, with a few bulk reads per chunk. The payload is the Sales Orders
mapping (order fields → Sales Order fields: `Subject`, `Status` by default) plus the links and
`Product_Details`; a line whose Product is not in Zoho, or a buyer without an Account (Zoho requires one),
puts the order in the error inbox with the reason. Sales Orders are updated by their Zoho id once known
(their lines replaced), else created.
"""

from syncs.account_planner import PLANNED, AccountLinks
from syncs.deal_planner import typed
from syncs.models import (
    CONTACTS,
    DEALS,
    PRODUCTS,
    SALES_ORDERS,
    OrderSnapshot,
    ProductSnapshot,
    SyncedRecord,
    SyncSettings,
)
from syncs.outcomes import Outcome, Pending
from syncs.sales_orders import MissingProduct, line_details
from syncs.selection import included_stores
from syncs.validation import validate_record

CHUNK = 100
Status = SyncedRecord.Status
LINKABLE = (Status.SYNCED, Status.FAILED, Status.PENDING)
NO_ACCOUNTS = ("Zoho requires an Account on every Sales Order: tick Sync Accounts (a buyer without a company gets "
               "an Account in their own name).")
NO_ACCOUNT = ("Zoho requires an Account on every Sales Order and the buyer has none in Zoho: the buyer's customer "
              "record was not synced (see its own error, e.g. an invalid email). The order follows once it is.")


class SalesOrderPlanner:
    def __init__(self, ctx, fields, writer):
        self.ctx = ctx
        self.sync_settings: SyncSettings = ctx.sync_settings
        self.fields = fields
        self.writer = writer
        self.accounts = AccountLinks(ctx, fields)
        self.store_ids = list(included_stores(self.sync_settings).values_list("id", flat=True))

    def dirty(self):
        return OrderSnapshot.objects.filter(settings=self.sync_settings, dirty=True, store_id__in=self.store_ids)

    def run(self) -> None:
        self.ctx.run.progress_total += self.dirty().count()
        last = ""
        while True:
            chunk = list(self.dirty().filter(key__gt=last).order_by("key").only("key", "email", "data")[:CHUNK])
            if not chunk:
                break
            self.plan_chunk(chunk)
            last = chunk[-1].key
        self.writer.flush_all([SALES_ORDERS])

    def ids(self, module: str, keys) -> dict[str, str]:
        return dict(SyncedRecord.objects.filter(
            settings=self.sync_settings, module=module, key__in=set(keys), zoho_id__gt="", status__in=LINKABLE,
        ).values_list("key", "zoho_id"))

    def plan_chunk(self, orders: list[OrderSnapshot]) -> None:
        keys = [o.key for o in orders]
        emails = {o.email for o in orders if o.email}
        records = {r.key: r for r in SyncedRecord.objects.filter(settings=self.sync_settings, module=SALES_ORDERS,
                                                                 key__in=keys)}
        links = {
            CONTACTS: self.ids(CONTACTS, emails),
            DEALS: self.ids(DEALS, keys),
            PRODUCTS: self.ids(PRODUCTS, {line.get("sku") for o in orders for line in o.data.get("lines") or []}),
        }
        if self.ctx.dry_run:  # a Preview writes no Product: the catalogue's would be there
            planned = ProductSnapshot.objects.filter(settings=self.sync_settings, sku__in=[
                line.get("sku") for o in orders for line in o.data.get("lines") or []]).values_list("sku", flat=True)
            links[PRODUCTS] = {**{sku: PLANNED for sku in planned}, **links[PRODUCTS]}
        accounts = self.accounts.ids_for_emails(emails)
        outcome = Outcome()
        done = 0
        for order in orders:
            if self.plan_order(order, records.get(order.key), links, accounts.get(order.email), outcome):
                outcome.finished(SALES_ORDERS, order.key)
                done += 1
        self.writer.record(outcome)
        self.ctx.count_progress(done)
        self.ctx.beat()

    def payload(self, order: OrderSnapshot, links: dict, account_id: str) -> dict:
        payload = self.fields.mapped(typed(order.data), SALES_ORDERS)
        payload["Account_Name"] = {"id": account_id}
        if order.email in links[CONTACTS]:
            payload["Contact_Name"] = {"id": links[CONTACTS][order.email]}
        if order.key in links[DEALS]:
            payload["Deal_Name"] = {"id": links[DEALS][order.key]}
        payload["Product_Details"] = line_details(order.data.get("lines") or [], links[PRODUCTS],
                                                  self.sync_settings.sales_order_tax_name)
        return payload

    def plan_order(self, order, record, links, account_id, outcome) -> bool:
        """Decide for one order; True when done now, False when queued for the writer."""
        ctx = self.ctx
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            if self.sync_settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP:
                ctx.count("skipped")
                return True
            record.zoho_id = ""
        # A refusal's hash covers what could lift it (the order, its Account, its lines' Products): an order
        # refused for the same reason is not refused again every run.
        skus = sorted({line.get("sku") or "" for line in order.data.get("lines") or []})
        refusal = self.fields.change_hash(SALES_ORDERS, {"order": order.data, "account": account_id or "",
                                                         "products": [links[PRODUCTS].get(s, "") for s in skus]})
        if record and record.status == Status.FAILED and record.payload_hash == refusal and not ctx.full:
            ctx.count("unchanged")
            return True
        pending = Pending(order.key, SALES_ORDERS, {}, refusal, record)
        if not account_id:
            reason = NO_ACCOUNT if self.sync_settings.sync_accounts else NO_ACCOUNTS
            return self.refuse(pending, outcome, "MANDATORY_NOT_FOUND", "Account_Name", reason)
        try:
            pending.payload = self.payload(order, links, account_id)
        except MissingProduct as missing:
            return self.refuse(pending, outcome, "INVALID_DATA", "Product_Details", missing.message)
        pending.hash = self.fields.change_hash(SALES_ORDERS, pending.payload)
        if record and record.payload_hash == pending.hash and not ctx.full and record.status in (Status.SYNCED,
                                                                                                 Status.FAILED):
            ctx.count("unchanged")
            return True
        problem = validate_record(pending.payload, self.fields.specs(SALES_ORDERS))
        if problem:
            return self.refuse(pending, outcome, problem.code, problem.field, problem.message)
        self.writer.queue(pending)
        return False

    def refuse(self, pending, outcome, code, field, message) -> bool:
        ctx = self.ctx
        outcome.fail(self.sync_settings, ctx.run, pending, code, field, message)
        ctx.count("failed")
        ctx.sample("invalid", {"module": SALES_ORDERS, "key": pending.key, "field": field, "message": message})
        return True

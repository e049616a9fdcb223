"""The Deals planner: one Deal per dirty order snapshot, linked to the buyer's Contact.

Runs after the people planner, so a buyer written in this run is already a Contact to link to. Orders are
walked by key, 100 at a time with two bulk reads per chunk (their Deal records, their buyers' Contacts). The
payload is the Deals mapping (order fields → Deal fields) plus `Contact_Name` and, when the org has a unique
field chosen for it, the order key. Unchanged Deals (same change hash) cost no call; the rest go to the Zoho
writer, which updates a Deal by its Zoho id once the record map knows it.
"""

from syncs.account_planner import AccountLinks
from syncs.mapping import NUMBER, ORDER_FIELD_KINDS, to_number
from syncs.models import CONTACTS, DEALS, OrderSnapshot, SyncedRecord, SyncSettings
from syncs.outcomes import Outcome, Pending
from syncs.selection import included_stores
from syncs.validation import validate_record
from syncs.zoho_fields import ZohoFields
from syncs.zoho_writer import ZohoWriter

CHUNK = 100
Status = SyncedRecord.Status


class DealPlanner:
    def __init__(self, ctx, fields: ZohoFields, writer: ZohoWriter):
        self.ctx = ctx
        self.sync_settings: SyncSettings = ctx.sync_settings
        self.fields = fields
        self.writer = writer
        self.store_ids = list(included_stores(self.sync_settings).values_list("id", flat=True))
        self.accounts = AccountLinks(ctx, fields)

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
        self.writer.flush_all([DEALS])

    def plan_chunk(self, orders: list[OrderSnapshot]) -> None:
        sync_settings = self.sync_settings
        records = {r.key: r for r in SyncedRecord.objects.filter(
            settings=sync_settings, module=DEALS, key__in=[o.key for o in orders])}
        contacts = dict(SyncedRecord.objects.filter(
            settings=sync_settings, module=CONTACTS, key__in={o.email for o in orders if o.email}, zoho_id__gt="",
        ).exclude(status__in=(Status.DELETED_IN_ZOHO, Status.DELETED_IN_STORE)).values_list("key", "zoho_id"))
        accounts = self.accounts.ids_for_emails({o.email for o in orders if o.email})
        outcome = Outcome()
        done = 0
        for order in orders:
            if self.plan_deal(order, records.get(order.key), contacts.get(order.email), outcome,
                              accounts.get(order.email)):
                outcome.finished(DEALS, order.key)
                done += 1
        self.writer.record(outcome)
        self.ctx.count_progress(done)
        self.ctx.beat()

    def payload(self, order: OrderSnapshot, contact_id: str | None, account_id: str | None = None) -> dict:
        payload = self.fields.mapped(typed(order.data), DEALS)
        if contact_id:
            payload["Contact_Name"] = {"id": contact_id}
        if account_id:
            payload["Account_Name"] = {"id": account_id}
        key_field = self.sync_settings.deal_key_field
        if key_field:
            payload[key_field] = order.key
        return payload

    def plan_deal(self, order, record, contact_id, outcome, account_id=None) -> bool:
        """Decide for one order; True when done now, False when queued for the writer."""
        ctx = self.ctx
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            if self.sync_settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP:
                ctx.count("skipped")
                return True
            record.zoho_id = ""  # recreate it
        payload = self.payload(order, contact_id, account_id)
        digest = self.fields.change_hash(DEALS, payload)
        if record and record.payload_hash == digest and not ctx.full and record.status in (Status.SYNCED,
                                                                                           Status.FAILED):
            ctx.count("unchanged")
            return True
        pending = Pending(order.key, DEALS, payload, digest, record)
        problem = validate_record(payload, self.fields.specs(DEALS))
        if problem:
            outcome.fail(self.sync_settings, ctx.run, pending, problem.code, problem.field, problem.message)
            ctx.count("failed")
            ctx.sample("invalid", {"module": DEALS, "key": order.key, "field": problem.field,
                                   "message": problem.message})
            return True
        self.writer.queue(pending)
        return False


def typed(data: dict) -> dict:
    """Snapshot values as the mapping needs them: numbers (kept as exact text in JSON) as numbers."""
    return {name: to_number(value) if ORDER_FIELD_KINDS.get(name) == NUMBER and value is not None else value
            for name, value in data.items()}

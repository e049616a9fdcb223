"""The one way records reach Zoho, for every module: batches of 100, per-record outcomes, the inbox.

Planners `queue` pending writes (and `queue_delete` for the deleted-in-store policy); a module's batch is sent
when it holds 100 and the rest by `flush_all`. In a run that sends big modules by Bulk Write, `bulk` takes
the people first (syncs/bulk_sending.py) and hands back what is too few for a job. Contacts and Leads are
upserted by Email. Deals, Accounts, Products and Sales Orders are updated by their Zoho id when the record map
knows it; new ones are upserted on their match field (a Deal's order-key field when one is chosen, an Account's
`Account_Name` or chosen unique field), Products first looked up by SKU (`Product_Code`, a search) since Zoho has
no duplicate check on it, and the rest inserted. Before a module's first write in a run, Zoho's deleted records
are read (deleted-in-Zoho policy).

Zoho refusing a record (a reason in the record) fails that record into the inbox. Zoho refusing the call
(rate limit, 5xx, credit budget, re-authorization) raises: the run stops with that reason, and every record not
yet confirmed stays pending (dirty) for the next run. Nothing here waits: a rate limit ends the run early.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from syncs.models import ACCOUNTS, DEALS, PERSON_MODULES, PRODUCTS, WRITTEN_MODULES, SyncedRecord, SyncSettings
from syncs.outcomes import Outcome, Pending, write_outcome
from syncs.reading import RECORD_KEY_PREFIX

BATCH = 100
Status = SyncedRecord.Status


class ZohoWriter:
    def __init__(self, ctx):
        self.ctx = ctx
        self.started = timezone.now()
        self.buffers: dict[str, list[Pending]] = {module: [] for module in WRITTEN_MODULES}
        self.deletes: dict[str, list[Pending]] = {module: [] for module in WRITTEN_MODULES}
        self.deleted_checked: set[str] = set()
        self.bulk = None  # a syncs.bulk_sending.BulkSending when this run sends big modules by Bulk Write

    # --- queues ---------------------------------------------------------------------------------

    def queue(self, pending: Pending) -> None:
        if self.bulk and self.bulk.take(pending):
            return
        self.buffers[pending.module].append(pending)
        if len(self.buffers[pending.module]) >= BATCH:
            self.flush(pending.module)

    def queue_delete(self, pending: Pending) -> None:
        self.deletes[pending.module].append(pending)
        if len(self.deletes[pending.module]) >= BATCH:
            self.flush_deletes(pending.module)

    def flush_all(self, modules=WRITTEN_MODULES) -> None:
        for module in modules:
            if self.bulk and module in PERSON_MODULES:
                self.bulk.flush(module)  # a job, or the rows it took back through send_by_upserts
            self.flush(module)
            self.flush_deletes(module)

    def send_by_upserts(self, module: str, pendings: list[Pending]) -> None:
        """Records Bulk Write took back (too few for a job, or no bulk scope), a chunk at a time: into the
        module's batches of 100 (the last one is sent by `flush_all`)."""
        buffer = self.buffers[module]
        for pending in pendings:
            buffer.append(pending)
            if len(buffer) >= BATCH:
                self.flush(module)
                buffer = self.buffers[module]

    def record(self, outcome: Outcome) -> None:
        """Save a decision made without Zoho (unchanged, skipped, refused by pre-validation)."""
        if not self.ctx.dry_run:
            write_outcome(self.ctx.sync_settings, outcome, self.started)

    # --- writes ---------------------------------------------------------------------------------

    def flush(self, module: str) -> None:
        batch, self.buffers[module] = self.buffers[module], []
        if not batch:
            return
        ctx, sync_settings = self.ctx, self.ctx.sync_settings
        if ctx.dry_run:
            for pending in batch:
                known = pending.record and pending.record.zoho_id
                ctx.count("updated" if known else "created")
                ctx.sample("updates" if known else "creates", {"module": module, key_name(module): pending.key})
            ctx.count_progress(len(batch))
            ctx.beat()  # a preview's progress, and where it notices a Cancel
            ctx.after_batch()
            return
        outcome = Outcome()
        to_send = self.sendable(module, batch, outcome)
        for pending in to_send:
            outcome.finished(module, pending.key)
        now = timezone.now()
        if module == PRODUCTS:
            self.adopt_products(to_send)
        known = {p.key for p in to_send if p.record and p.record.zoho_id}
        for pendings, results in self.send(module, to_send):
            for pending, result in zip(pendings, results, strict=True):
                if result.ok:
                    outcome.synced(sync_settings, pending, result.zoho_id, now)
                    created = result.action == "insert" or (not result.action and pending.key not in known)
                    ctx.count("created" if created else "updated")
                else:
                    outcome.fail(sync_settings, ctx.run, pending, result.code, result.field, result.message)
                    ctx.count("failed")
        write_outcome(sync_settings, outcome, self.started)
        ctx.count_progress(len(batch))
        ctx.beat()
        ctx.after_batch()
        ctx.end_slice_if_due()

    def sendable(self, module: str, batch: list[Pending], outcome: Outcome) -> list[Pending]:
        """The batch without the records deleted in Zoho that the policy skips (those are done, in `outcome`);
        records deleted in Zoho that are to be recreated lose their Zoho id."""
        ctx = self.ctx
        deleted_ids = self.check_deleted_in_zoho(module)
        to_send = []
        for pending in batch:
            gone = pending.record and pending.record.zoho_id and pending.record.zoho_id in deleted_ids
            if gone and ctx.sync_settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP and not ctx.full:
                ctx.count("skipped")
                outcome.finished(module, pending.key)
            else:
                if gone:
                    pending.record.zoho_id = ""  # recreate it
                to_send.append(pending)
        return to_send

    def send(self, module: str, pendings: list[Pending]):
        """(pendings, results) per Zoho call: one call for people, up to two for the other modules (updates by
        Zoho id, then the new ones)."""
        if not pendings:
            return []
        if module in PERSON_MODULES:
            # People read from another Zoho org are known by their record id there: once written, they are
            # updated by Zoho id (their email may change, or be missing); everyone else is upserted by Email.
            by_id = [p for p in pendings if p.key.startswith(RECORD_KEY_PREFIX) and p.record and p.record.zoho_id]
            by_email = [p for p in pendings if p not in by_id]
            calls = []
            if by_id:
                payloads = [{**p.payload, "id": p.record.zoho_id} for p in by_id]
                calls.append((by_id, self.call(lambda: self.ctx.crm.update(module, payloads))))
            if by_email:
                calls.append((by_email, self.call(lambda: self.ctx.crm.upsert(
                    module, [p.payload for p in by_email], duplicate_check_fields=("Email",)))))
            return calls
        known = [p for p in pendings if p.record and p.record.zoho_id]
        new = [p for p in pendings if not (p.record and p.record.zoho_id)]
        calls = []
        if known:
            payloads = [{**p.payload, "id": p.record.zoho_id} for p in known]
            calls.append((known, self.call(lambda: self.ctx.crm.update(module, payloads))))
        if new:
            key_field = self.match_field(module)
            payloads = [p.payload for p in new]
            if key_field:
                calls.append((new, self.call(lambda: self.ctx.crm.upsert(module, payloads,
                                                                         duplicate_check_fields=(key_field,)))))
            else:
                calls.append((new, self.call(lambda: self.ctx.crm.insert(module, payloads))))
        return calls

    def match_field(self, module: str) -> str:
        """The field Zoho matches a new record on (an upsert), "" to insert it."""
        sync_settings = self.ctx.sync_settings
        if module == DEALS:
            return sync_settings.deal_key_field
        if module == ACCOUNTS:
            return sync_settings.account_key_field or "Account_Name"
        return ""

    def adopt_products(self, pendings: list[Pending]) -> None:
        """New SKUs Zoho already has (made by hand, or by another connection) are updated, not created again:
        one search on Product_Code per batch."""
        new = {p.key: p for p in pendings if not (p.record and p.record.zoho_id)}
        if not new:
            return
        found = self.call(lambda: self.ctx.crm.search_in(PRODUCTS, "Product_Code", list(new), ["Product_Code"]),
                          counts_as_write=False)
        for record in found:
            pending = new.get(record.get("Product_Code"))
            if pending is not None:
                pending.record = pending.record or SyncedRecord(settings=self.ctx.sync_settings, module=PRODUCTS,
                                                                key=pending.key)
                pending.record.zoho_id = str(record["id"])

    def call(self, action, counts_as_write: bool = True):
        ctx = self.ctx
        try:
            results = action()
        finally:
            ctx.note_calls()
        if counts_as_write and ctx.hooks.after_upsert:
            ctx.hooks.after_upsert(ctx.run)
        return results

    def flush_deletes(self, module: str) -> None:
        batch, self.deletes[module] = self.deletes[module], []
        if not batch:
            return
        ctx = self.ctx
        if ctx.dry_run:
            ctx.sample("deletes", *({"module": module, key_name(module): p.key} for p in batch))
            ctx.count_progress(len(batch))
            return
        outcome = Outcome()
        results = self.call(lambda: ctx.crm.delete(module, [p.record.zoho_id for p in batch]))
        for pending, result in zip(batch, results, strict=True):
            if result.ok:
                pending.record.status = Status.DELETED_IN_STORE
                pending.record.payload_hash = ""
                outcome.records.append(pending.record)
                ctx.count("updated")
            else:
                outcome.fail(ctx.sync_settings, ctx.run, pending, result.code, result.field, result.message)
                ctx.count("failed")
            outcome.finished(module, pending.key)
        write_outcome(ctx.sync_settings, outcome, self.started)
        ctx.count_progress(len(batch))
        ctx.beat()

    # --- records deleted in Zoho ----------------------------------------------------------------

    def check_deleted_in_zoho(self, module: str) -> set[str]:
        """Once per run and module, before the first write: Zoho ids deleted since the last look."""
        if module in self.deleted_checked:
            return set()
        self.deleted_checked.add(module)
        ctx, sync_settings = self.ctx, self.ctx.sync_settings
        known = SyncedRecord.objects.filter(settings=sync_settings, module=module, zoho_id__gt="").exclude(
            status__in=(Status.DELETED_IN_ZOHO, Status.CONVERTED, Status.DELETED_IN_STORE))
        deleted = set()
        if known.exists():
            since = parse_datetime(sync_settings.deleted_checked_at.get(module) or "")
            page = set()
            try:
                for entry in ctx.crm.deleted_records(module, since):
                    page.add(str(entry.get("id")))
                    if len(page) >= 1000:
                        deleted |= mark_deleted_in_zoho(sync_settings, module, page)
                        page = set()
            finally:
                ctx.note_calls()
            deleted |= mark_deleted_in_zoho(sync_settings, module, page)
        sync_settings.deleted_checked_at = {**sync_settings.deleted_checked_at, module: ctx.signpost.isoformat()}
        SyncSettings.objects.filter(pk=sync_settings.pk).update(deleted_checked_at=sync_settings.deleted_checked_at)
        ctx.sample("deleted_in_zoho", *({"module": module, "zoho_id": i} for i in sorted(deleted)))
        return deleted


def key_name(module: str) -> str:
    """How a report sample names a record's key."""
    return "email" if module in PERSON_MODULES else "key"


def mark_deleted_in_zoho(sync_settings, module, zoho_ids: set[str]) -> set[str]:
    if not zoho_ids:
        return set()
    found = SyncedRecord.objects.filter(settings=sync_settings, module=module, zoho_id__in=zoho_ids).exclude(
        status__in=(Status.DELETED_IN_ZOHO, Status.CONVERTED, Status.DELETED_IN_STORE))
    ids = set(found.values_list("zoho_id", flat=True))
    if ids:
        SyncedRecord.objects.filter(settings=sync_settings, module=module, zoho_id__in=ids).update(
            status=Status.DELETED_IN_ZOHO, payload_hash="", updated_at=timezone.now())
    return ids

"""The people planner: which Contacts and Leads to write, from the customers the stores changed.

Dirty emails are walked in email order, 100 at a time, with three bulk reads per chunk (emails, their snapshots
from every store, their synced records). Each email is merged into one person, routed (Contacts for buyers,
Leads for the others), mapped, compared with its change hash, validated against Zoho's fields, and the
deleted-in-store and deleted-in-Zoho policies applied. What must be written goes to the Zoho writer; the rest
(unchanged, skipped, refused before sending) is recorded at once. An email's dirty flag is cleared only once
its outcome is written, so whatever stops a run leaves the rest for the next one.
"""

from collections import defaultdict

from syncs.account_planner import AccountLinks
from syncs.lead_conversion import convert_lead
from syncs.merge import merge, route
from syncs.models import CONTACTS, LEADS, PERSON_MODULES, CustomerSnapshot, SyncedRecord, SyncSettings
from syncs.outcomes import Outcome, Pending
from syncs.selection import included_stores
from syncs.validation import validate_record
from syncs.zoho_fields import ZohoFields
from syncs.zoho_writer import ZohoWriter

CHUNK = 100
Status = SyncedRecord.Status


class PeoplePlanner:
    def __init__(self, ctx, fields: ZohoFields, writer: ZohoWriter):
        self.ctx = ctx
        self.sync_settings: SyncSettings = ctx.sync_settings
        self.fields = fields
        self.writer = writer
        self.store_ids = list(included_stores(self.sync_settings).values_list("id", flat=True))
        self.accounts = AccountLinks(ctx, fields)
        self.account_ids: dict[str, str] = {}  # email → the Zoho id of their Account (Sync Accounts)

    def dirty(self):
        return CustomerSnapshot.objects.filter(settings=self.sync_settings, dirty=True, store_id__in=self.store_ids)

    def run(self) -> None:
        self.ctx.run.progress_total += self.dirty().values("email").distinct().count()
        last = ""
        while True:
            emails = list(self.dirty().filter(email__gt=last).order_by("email")
                          .values_list("email", flat=True).distinct()[:CHUNK])
            if not emails:
                break
            self.plan_chunk(emails)
            last = emails[-1]
        self.writer.flush_all(PERSON_MODULES)

    def plan_chunk(self, emails: list[str]) -> None:
        snapshots = defaultdict(list)
        for snapshot in CustomerSnapshot.objects.filter(
            settings=self.sync_settings, email__in=emails, store_id__in=self.store_ids
        ).only("email", "store_id", "data", "updated_at", "deleted"):
            snapshots[snapshot.email].append(snapshot)
        records = {
            (r.module, r.key): r
            for r in SyncedRecord.objects.filter(settings=self.sync_settings, module__in=PERSON_MODULES,
                                                 key__in=emails)
        }
        if self.accounts.on:
            keys = {email: self.accounts.key_of(merge(snapshots[email])) for email in emails if snapshots[email]}
            ids = self.accounts.ids_for_keys(keys.values())
            self.account_ids = {email: ids[key] for email, key in keys.items() if key in ids}
        outcome = Outcome()
        done = 0
        for email in emails:
            if self.plan_person(email, snapshots[email], records, outcome):
                outcome.finished(CONTACTS, email)
                done += 1
        self.writer.record(outcome)
        self.ctx.count_progress(done)
        self.ctx.beat()

    def plan_person(self, email, snapshots, records, outcome) -> bool:
        """Decide for one person; True when done now, False when queued for the writer."""
        ctx, sync_settings = self.ctx, self.sync_settings
        person = merge(snapshots)
        if person["deleted"]:
            return self.deleted_in_store(person, records, email)
        module = route(person, sync_settings.sync_contacts, sync_settings.sync_leads)
        if module is None:
            ctx.count("skipped")
            return True
        record = records.get((module, email))
        payload = self.fields.person_payload(person, module)
        if module == CONTACTS and email in self.account_ids:
            payload["Account_Name"] = {"id": self.account_ids[email]}
        digest = self.fields.change_hash(module, payload)
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            if sync_settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP:
                ctx.count("skipped")
                return True
            record.zoho_id = ""  # recreate: the upsert inserts it again
        if record and record.payload_hash == digest and not ctx.full and record.status in (Status.SYNCED,
                                                                                           Status.FAILED):
            ctx.count("unchanged")
            return True
        pending = Pending(email, module, payload, digest, record)
        problem = validate_record(payload, self.fields.specs(module))
        if problem:
            outcome.fail(sync_settings, ctx.run, pending, problem.code, problem.field, problem.message)
            ctx.count("failed")
            ctx.sample("invalid", {"module": module, "email": email, "field": problem.field,
                                   "message": problem.message})
            return True
        if module == CONTACTS and not (record and record.zoho_id):
            converted = Outcome()  # written now, before the writer may record the Contact it leads to
            pending.record = convert_lead(ctx, email, records.get((LEADS, email)), converted) or record
            self.writer.record(converted)
        self.writer.queue(pending)
        return False

    def deleted_in_store(self, person, records, email) -> bool:
        """The deleted-in-store policy for a person no store has any more (`email`: their key, the email, or the
        source record's for people from another Zoho org)."""
        ctx, sync_settings = self.ctx, self.sync_settings
        known = [r for m in PERSON_MODULES if (r := records.get((m, email))) and r.zoho_id
                 and r.status in (Status.SYNCED, Status.FAILED, Status.PENDING)]
        policy = sync_settings.deleted_in_store_policy
        if not known or policy == SyncSettings.DeletedInStore.IGNORE:
            ctx.count("skipped")
            return True
        record = known[0]
        if policy == SyncSettings.DeletedInStore.DELETE:
            self.writer.queue_delete(Pending(email, record.module, {}, "", record))
            return False
        payload = self.fields.person_payload(person, record.module)
        payload[sync_settings.deleted_in_store_field] = sync_settings.deleted_in_store_value
        digest = self.fields.change_hash(record.module, payload)
        if record.payload_hash == digest and not ctx.full:
            ctx.count("unchanged")
            return True
        self.writer.queue(Pending(email, record.module, payload, digest, record))
        return False

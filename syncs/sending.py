"""The send phase: merge dirty emails into people, map, compare hashes, and upsert what changed.

Dirty emails are walked in email order, 100 at a time, with three bulk reads per chunk (emails, their
snapshots from every store, their synced records). Changed records wait in a per-module buffer that is
sent when it holds 100, so N changed records cost ceil(N/100) upserts per module. An email's dirty flag is
cleared only once its outcome is written: after Zoho confirmed it (or refused it, into the inbox), or when
nothing had to be sent. Whatever stops a run leaves the rest dirty for the next one.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.zoho.errors import ConfigurationError, RateLimited
from syncs.hashing import payload_hash
from syncs.mapping import build_payload, mappings_by_module
from syncs.merge import merge, route
from syncs.models import CONTACTS, LEADS, PERSON_MODULES, CustomerSnapshot, RecordError, SyncedRecord, SyncSettings
from syncs.selection import included_stores
from syncs.validation import field_specs, fit_to_field_types, validate_mappings, validate_record

CHUNK = 100
BATCH = 100
RATE_LIMIT_ROUNDS = 3  # the client already retried each call; the engine waits this many more times
REPORT_SAMPLES = 50
Status = SyncedRecord.Status


@dataclass
class Pending:
    key: str
    module: str
    payload: dict
    hash: str
    record: SyncedRecord | None


class Sender:
    def __init__(self, ctx):
        self.ctx = ctx
        self.settings: SyncSettings = ctx.settings
        self.mappings = mappings_by_module(self.settings)
        self.store_ids = list(included_stores(self.settings).values_list("id", flat=True))
        self.buffers = {CONTACTS: [], LEADS: []}
        self.deletes = {CONTACTS: [], LEADS: []}
        self.specs = {}
        self.deleted_checked = set()
        self.started = timezone.now()

    # --- the walk -----------------------------------------------------------------------------

    def dirty(self):
        return CustomerSnapshot.objects.filter(settings=self.settings, dirty=True, store_id__in=self.store_ids)

    def run(self) -> None:
        ctx = self.ctx
        ctx.run.progress_total = ctx.run.progress_done + self.dirty().values("email").distinct().count()
        last = ""
        while True:
            emails = list(
                self.dirty().filter(email__gt=last).order_by("email").values_list("email", flat=True).distinct()[:CHUNK]
            )
            if not emails:
                break
            self.process_chunk(emails)
            last = emails[-1]
        for module in PERSON_MODULES:
            self.flush(module)
            self.flush_deletes(module)

    def process_chunk(self, emails: list[str]) -> None:
        snapshots = defaultdict(list)
        for snapshot in CustomerSnapshot.objects.filter(
            settings=self.settings, email__in=emails, store_id__in=self.store_ids
        ).only("email", "store_id", "data", "updated_at", "deleted"):
            snapshots[snapshot.email].append(snapshot)
        records = {
            (r.module, r.key): r
            for r in SyncedRecord.objects.filter(settings=self.settings, module__in=PERSON_MODULES, key__in=emails)
        }
        outcome = Outcome()
        for email in emails:
            if self.process_person(email, snapshots[email], records, outcome):
                outcome.finished.append(email)
        self.write(outcome)
        self.ctx.count_progress(len(outcome.finished))
        self.ctx.beat()

    def process_person(self, email, snapshots, records, outcome) -> bool:
        """Handle one person; True when done now, False when waiting in a buffer."""
        ctx, settings = self.ctx, self.settings
        person = merge(snapshots)
        if person["deleted"]:
            return self.deleted_in_store(person, records, outcome)
        module = route(person, settings.sync_contacts, settings.sync_leads)
        if module is None:
            ctx.count("skipped")
            return True
        record = records.get((module, email))
        payload = self.payload_for(person, module)
        digest = payload_hash(module, payload)
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            if settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP:
                ctx.count("skipped")
                return True
            record.zoho_id = ""  # recreate: the upsert inserts it again
        if record and record.payload_hash == digest and not ctx.full and record.status in (Status.SYNCED,
                                                                                           Status.FAILED):
            ctx.count("unchanged")
            return True
        problem = validate_record(payload, self.specs_for(module))
        if problem:
            outcome.fail(self.settings, ctx.run, module, email, payload, digest, record, problem.code,
                         problem.field, problem.message)
            ctx.count("failed")
            ctx.sample("invalid", {"module": module, "email": email, "field": problem.field,
                                   "message": problem.message})
            return True
        if module == CONTACTS and not (record and record.zoho_id):
            record = self.convert_lead(email, records.get((LEADS, email)), outcome) or record
        self.buffers[module].append(Pending(email, module, payload, digest, record))
        if len(self.buffers[module]) >= BATCH:
            self.flush(module)
        return False

    # --- Zoho writes --------------------------------------------------------------------------

    def flush(self, module: str) -> None:
        batch, self.buffers[module] = self.buffers[module], []
        if not batch:
            return
        ctx = self.ctx
        if ctx.dry_run:
            for pending in batch:
                known = pending.record and pending.record.zoho_id
                ctx.count("updated" if known else "created")
                ctx.sample("updates" if known else "creates", {"module": module, "email": pending.key})
            ctx.count_progress(len(batch))
            return
        deleted_ids = self.check_deleted_in_zoho(module)
        outcome = Outcome()
        to_send = []
        for pending in batch:
            gone = pending.record and pending.record.zoho_id in deleted_ids
            if gone and self.settings.deleted_in_zoho_policy == SyncSettings.DeletedInZoho.SKIP and not ctx.full:
                ctx.count("skipped")
            else:
                to_send.append(pending)
            outcome.finished.append(pending.key)
        if to_send:
            results = self.upsert(module, [p.payload for p in to_send])
            if ctx.hooks.after_upsert:
                ctx.hooks.after_upsert(ctx.run)
            now = timezone.now()
            for pending, result in zip(to_send, results, strict=True):
                if result.ok:
                    outcome.synced(self.settings, pending, result.zoho_id, now)
                    ctx.count("created" if result.action == "insert" else "updated")
                else:
                    outcome.fail(self.settings, ctx.run, module, pending.key, pending.payload, pending.hash,
                                 pending.record, result.code or "ERROR", result.field or "", result.message)
                    ctx.count("failed")
        self.write(outcome)
        ctx.count_progress(len(batch))
        ctx.beat()
        ctx.after_batch()

    def upsert(self, module: str, payloads: list[dict]):
        """One upsert; after the client's own retries, wait out a rate limit a few more times."""
        ctx = self.ctx
        for round_ in range(RATE_LIMIT_ROUNDS + 1):
            try:
                return ctx.crm.upsert(module, payloads, duplicate_check_fields=("Email",))
            except RateLimited as exc:
                if round_ == RATE_LIMIT_ROUNDS:
                    raise
                ctx.hooks.sleep(exc.retry_after or 60 * 2**round_)
                ctx.beat()
            finally:
                ctx.note_calls()

    def convert_lead(self, email, lead, outcome) -> SyncedRecord | None:
        """A Lead who started purchasing becomes a Contact by conversion, not by a second record."""
        convertible = (Status.SYNCED, Status.FAILED, Status.PENDING)
        if not (lead and lead.zoho_id and lead.status in convertible and self.settings.sync_contacts):
            return None
        ctx = self.ctx
        ctx.sample("conversions", {"email": email, "lead_id": lead.zoho_id})
        if ctx.dry_run:
            return SyncedRecord(settings=self.settings, module=CONTACTS, key=email, zoho_id=lead.zoho_id)
        try:
            ids = ctx.crm.convert_lead(lead.zoho_id)
        except ConfigurationError:
            # Already converted or gone: the Contact upsert (by email) finds or creates the person.
            ids = {}
        finally:
            ctx.note_calls()
        lead.status = Status.CONVERTED
        lead.payload_hash = ""
        outcome.records.append(lead)
        contact_id = ids.get("Contacts")
        if not contact_id:
            return None
        contact = SyncedRecord(settings=self.settings, module=CONTACTS, key=email, zoho_id=str(contact_id),
                               status=Status.PENDING)
        outcome.records.append(contact)
        return contact

    def check_deleted_in_zoho(self, module: str) -> set[str]:
        """Once per run and module, before the first write: Zoho ids deleted since the last look."""
        if module in self.deleted_checked:
            return set()
        self.deleted_checked.add(module)
        ctx, settings = self.ctx, self.settings
        known = SyncedRecord.objects.filter(settings=settings, module=module, zoho_id__gt="").exclude(
            status__in=(Status.DELETED_IN_ZOHO, Status.CONVERTED, Status.DELETED_IN_STORE))
        deleted = set()
        if known.exists():
            since = parse_datetime(settings.deleted_checked_at.get(module) or "")
            page = set()
            try:
                for entry in ctx.crm.deleted_records(module, since):
                    page.add(str(entry.get("id")))
                    if len(page) >= 1000:
                        deleted |= mark_deleted_in_zoho(settings, module, page)
                        page = set()
            finally:
                ctx.note_calls()
            deleted |= mark_deleted_in_zoho(settings, module, page)
        settings.deleted_checked_at = {**settings.deleted_checked_at, module: ctx.signpost.isoformat()}
        SyncSettings.objects.filter(pk=settings.pk).update(deleted_checked_at=settings.deleted_checked_at)
        ctx.sample("deleted_in_zoho", *({"module": module, "zoho_id": i} for i in sorted(deleted)))
        return deleted

    # --- customers deleted in the store -------------------------------------------------------

    def deleted_in_store(self, person, records, outcome) -> bool:
        ctx, settings = self.ctx, self.settings
        email = person["email"]
        known = [r for m in PERSON_MODULES if (r := records.get((m, email))) and r.zoho_id
                 and r.status in (Status.SYNCED, Status.FAILED, Status.PENDING)]
        policy = settings.deleted_in_store_policy
        if not known or policy == SyncSettings.DeletedInStore.IGNORE:
            ctx.count("skipped")
            return True
        record = known[0]
        if policy == SyncSettings.DeletedInStore.DELETE:
            self.deletes[record.module].append(Pending(email, record.module, {}, "", record))
            if len(self.deletes[record.module]) >= BATCH:
                self.flush_deletes(record.module)
            return False
        payload = self.payload_for(person, record.module)
        payload[settings.deleted_in_store_field] = settings.deleted_in_store_value
        digest = payload_hash(record.module, payload)
        if record.payload_hash == digest and not ctx.full:
            ctx.count("unchanged")
            return True
        self.buffers[record.module].append(Pending(email, record.module, payload, digest, record))
        if len(self.buffers[record.module]) >= BATCH:
            self.flush(record.module)
        return False

    def flush_deletes(self, module: str) -> None:
        batch, self.deletes[module] = self.deletes[module], []
        if not batch:
            return
        ctx = self.ctx
        outcome = Outcome()
        if ctx.dry_run:
            ctx.sample("deletes", *({"module": module, "email": p.key} for p in batch))
        else:
            try:
                results = ctx.crm.delete(module, [p.record.zoho_id for p in batch])
            finally:
                ctx.note_calls()
            for pending, result in zip(batch, results, strict=True):
                if result.ok:
                    pending.record.status = Status.DELETED_IN_STORE
                    pending.record.payload_hash = ""
                    outcome.records.append(pending.record)
                    ctx.count("updated")
                else:
                    outcome.fail(self.settings, ctx.run, module, pending.key, {}, "", pending.record,
                                 result.code or "ERROR", result.field or "", result.message)
                    ctx.count("failed")
                outcome.finished.append(pending.key)
        self.write(outcome)
        ctx.count_progress(len(batch))
        ctx.beat()

    # --- metadata -------------------------------------------------------------------------------

    def specs_for(self, module: str):
        if module not in self.specs:
            try:
                metadata = self.ctx.crm.fields(module)
            finally:
                self.ctx.note_calls()
            specs = field_specs(metadata)
            problems = validate_mappings(module, self.mappings.get(module, []), specs,
                                         self.settings.last_name_fallback)
            if problems:
                raise ConfigurationError(
                    f"The {module} field mapping does not match the Zoho org: "
                    + " ".join(p.message for p in problems), code="INVALID_MAPPING",
                    hint="Fix the mapping, then sync again.")
            self.specs[module] = specs
        return self.specs[module]

    def payload_for(self, person: dict, module: str) -> dict:
        payload = build_payload(person, self.mappings.get(module, []), self.lengths(module),
                                self.settings.last_name_fallback)
        return fit_to_field_types(payload, self.specs_for(module))

    def lengths(self, module: str) -> dict[str, int]:
        """Field lengths, only needed (and only fetched) when a mapping truncates."""
        if not any(m.transform == "truncate" for m in self.mappings.get(module, [])):
            return {}
        return {name: spec.length for name, spec in self.specs_for(module).items() if spec.length}

    # --- bulk writes ----------------------------------------------------------------------------

    def write(self, outcome: "Outcome") -> None:
        if self.ctx.dry_run:
            return
        with transaction.atomic():  # all of a batch's outcome or none of it (a lost database mid-write)
            self._write(outcome)

    def _write(self, outcome: "Outcome") -> None:
        write_records(outcome.records)
        keys = {(e.module, e.key) for e in outcome.errors} | {(r.module, r.key) for r in outcome.records}
        if keys:
            RecordError.objects.filter(
                settings=self.settings, key__in={k for _, k in keys},
                status__in=(RecordError.Status.OPEN, RecordError.Status.RETRYING),
            ).update(status=RecordError.Status.RESOLVED, updated_at=timezone.now())
        if outcome.errors:
            RecordError.objects.bulk_create(outcome.errors)
        if outcome.finished:
            CustomerSnapshot.objects.filter(
                settings=self.settings, email__in=outcome.finished, staged_at__lte=self.started
            ).update(dirty=False)


class Outcome:
    """What one chunk or batch decided, written in a few bulk statements."""

    def __init__(self):
        self.records: list[SyncedRecord] = []
        self.errors: list[RecordError] = []
        self.finished: list[str] = []

    def synced(self, settings, pending: Pending, zoho_id, now: datetime) -> None:
        record = pending.record or SyncedRecord(settings=settings, module=pending.module, key=pending.key)
        record.zoho_id = zoho_id or record.zoho_id
        record.payload_hash = pending.hash
        record.status = Status.SYNCED
        record.synced_at = now
        self.records.append(record)

    def fail(self, settings, run, module, key, payload, digest, record, code, field, message) -> None:
        record = record or SyncedRecord(settings=settings, module=module, key=key)
        record.status = Status.FAILED
        record.payload_hash = digest  # not resent until the customer changes or someone retries
        self.records.append(record)
        self.errors.append(RecordError(
            settings=settings, run=run, module=module, key=key, code=code[:60],
            field=field[:100], message=message, payload=payload,
        ))


def write_records(records: list[SyncedRecord]) -> None:
    unique = {}
    for record in records:  # a later decision about the same record wins
        unique[(record.module, record.key)] = record
    if unique:
        SyncedRecord.objects.bulk_create(
            list(unique.values()), update_conflicts=True, unique_fields=["settings", "module", "key"],
            update_fields=["zoho_id", "payload_hash", "status", "synced_at", "updated_at"],
        )


def mark_deleted_in_zoho(settings, module, zoho_ids: set[str]) -> set[str]:
    if not zoho_ids:
        return set()
    found = SyncedRecord.objects.filter(settings=settings, module=module, zoho_id__in=zoho_ids).exclude(
        status__in=(Status.DELETED_IN_ZOHO, Status.CONVERTED, Status.DELETED_IN_STORE))
    ids = set(found.values_list("zoho_id", flat=True))
    if ids:
        SyncedRecord.objects.filter(settings=settings, module=module, zoho_id__in=ids).update(
            status=Status.DELETED_IN_ZOHO, payload_hash="", updated_at=timezone.now())
    return ids

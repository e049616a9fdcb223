"""Big sends by Zoho Bulk Write: a module's people go as jobs of up to 25,000 rows, collected by a later run.

When more than `BULK_WRITE_MIN_ROWS` people are dirty at the start of a send, the writer hands Contacts and
Leads to `BulkSending` instead of batching them by 100. A module's records become one job per 25,000 rows, and
its remainder a job too when it is more than `BULK_WRITE_MIN_ROWS` (fewer go back to the writer's upserts).
Each job is started (upload + create: 500 credits) and persisted as a `BulkJob` with its rows in input order;
nothing waits for it. The run then stops with "waiting for Zoho's Bulk Write job" and is due again in a minute
(Deals wait too, so they can link the Contacts the job creates).

Every later run first follows the pending jobs (`follow`, one status read each): while one is unfinished the
run stops again (so no record of a job is planned twice); a COMPLETED job's result maps each row to its record
(written: synced with its Zoho id and hash, dirty cleared; refused: the inbox); a FAILED job leaves its rows
dirty, and the next send uses upserts. Snapshots changed in the store after the job was planned stay dirty.

A grant without the bulk scopes (OAUTH_SCOPE_MISMATCH) falls back to upserts. Deals always use upserts: they
are far fewer than people, and their lookups to Contacts need the ids the people's job returns. The callback
(`SITE_URL`) is not used: a status read per job and run is enough, and works behind any firewall.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.zoho.bulk_write import FAILED, MAX_ROWS, BulkWrite, scopes_granted
from integrations.zoho.errors import ConfigurationError
from syncs.models import PERSON_MODULES, BulkJob, SyncedRecord
from syncs.outcomes import Outcome, Pending, write_outcome
from syncs.reading import RECORD_KEY_PREFIX
from syncs.run_context import BulkJobsPending

MATCH_KEY = "Email"
RESULT_CHUNK = 1000  # rows mapped and written per transaction when a job's result comes back


class BulkSending:
    def __init__(self, ctx, writer):
        self.ctx = ctx
        self.writer = writer
        self.enabled = False
        self.buffers: dict[str, list[Pending]] = {module: [] for module in PERSON_MODULES}
        self.started_rows = 0
        self._client = None

    @property
    def client(self) -> BulkWrite:
        if self._client is None:
            self._client = BulkWrite(self.ctx.sync_settings.connection, crm=self.ctx.crm)
        return self._client

    # --- before planning ------------------------------------------------------------------------

    def follow(self) -> None:
        """Collect what Zoho finished; BulkJobsPending while a job is still running."""
        ctx = self.ctx
        if ctx.dry_run:
            return
        unfinished = 0
        for job in BulkJob.objects.filter(settings=ctx.sync_settings).exclude(state=BulkJob.State.FAILED) \
                .order_by("pk"):
            try:
                status = self.client.job(job.job_id)
            finally:
                ctx.note_calls()
            if not status.finished:
                BulkJob.objects.filter(pk=job.pk).update(state=status.state)
                unfinished += len(job.rows)
            elif status.state == FAILED:
                ctx.sample("bulk_write_failed", {"module": job.module, "job": job.job_id, "rows": len(job.rows),
                                                 "code": status.code})
                BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.FAILED, rows=[])
            else:
                ctx.run.progress_total += len(job.rows)
                self.collect(job, status)
            ctx.beat()
        if unfinished:
            raise BulkJobsPending(unfinished, started=False)

    def collect(self, job: BulkJob, status) -> None:
        ctx, sync_settings = self.ctx, self.ctx.sync_settings
        rows = job.rows
        try:
            results = list(self.client.results(status, len(rows)))
        finally:
            ctx.note_calls()
        for start in range(0, len(rows), RESULT_CHUNK):
            chunk = results[start:start + RESULT_CHUNK]
            keys = [rows[index][0] for index, _ in chunk]
            records = {r.key: r for r in SyncedRecord.objects.filter(settings=sync_settings, module=job.module,
                                                                      key__in=keys)}
            outcome = Outcome()
            now = timezone.now()
            for index, result in chunk:
                key, digest, payload = rows[index]
                pending = Pending(key, job.module, payload, digest, records.get(key))
                if result.ok:
                    outcome.synced(sync_settings, pending, result.zoho_id, now)
                    ctx.count("created" if result.action == "insert" else "updated")
                else:
                    outcome.fail(sync_settings, ctx.run, pending, result.code, result.field or "", result.message)
                    ctx.count("failed")
                outcome.finished(job.module, key)
            with transaction.atomic():
                write_outcome(sync_settings, outcome, job.planned_at)
                if start + RESULT_CHUNK >= len(rows):
                    job.delete()
            ctx.count_progress(len(chunk))
            ctx.beat()

    def decide(self, dirty_people: int) -> None:
        """Whether this run sends its people by Bulk Write. A FAILED job makes this one send use upserts."""
        ctx = self.ctx
        if ctx.dry_run:
            return  # a preview counts what would be sent and changes nothing
        failed = BulkJob.objects.filter(settings=ctx.sync_settings, state=BulkJob.State.FAILED)
        if failed.exists():
            failed.delete()
            return
        self.enabled = (dirty_people > settings.BULK_WRITE_MIN_ROWS
                        and scopes_granted(ctx.sync_settings.connection))

    # --- while planning -------------------------------------------------------------------------

    def take(self, pending: Pending) -> bool:
        """Keep a person's record for a job; False when the writer sends it itself."""
        if not self.enabled or pending.module not in PERSON_MODULES or not pending.payload.get(MATCH_KEY):
            return False
        if pending.key.startswith(RECORD_KEY_PREFIX) and pending.record and pending.record.zoho_id:
            return False  # a person from another Zoho org already written: updated by Zoho id, not by Email
        buffer = self.buffers[pending.module]
        buffer.append(pending)
        if len(buffer) >= MAX_ROWS:
            self.buffers[pending.module] = []
            self.writer.send_by_upserts(pending.module, self.start(pending.module, buffer))
        return True

    def flush(self, module: str) -> list[Pending]:
        """At the end of planning: the remainder as a job when big enough; what the writer must upsert."""
        buffer, self.buffers[module] = self.buffers.get(module, []), []
        if len(buffer) > settings.BULK_WRITE_MIN_ROWS:
            return self.start(module, buffer)
        return buffer

    def start(self, module: str, pendings: list[Pending]) -> list[Pending]:
        """Start one job of these records; returns those left for upserts (all of them without the scope)."""
        ctx = self.ctx
        if not self.enabled:
            return pendings
        outcome = Outcome()
        rows = self.writer.sendable(module, pendings, outcome)
        self.writer.record(outcome)
        if not rows:
            return []
        try:
            job_id = self.client.start_upsert(module, [p.payload for p in rows], MATCH_KEY,
                                              field_types=self.field_types(module))
        except ConfigurationError as exc:
            if exc.code != "OAUTH_SCOPE_MISMATCH":
                raise
            self.enabled = False  # this grant has no bulk scope: upserts, for this module and the rest
            ctx.sample("bulk_write_unavailable", {"module": module, "message": exc.explanation})
            return rows
        finally:
            ctx.note_calls()
        BulkJob.objects.create(settings=ctx.sync_settings, run=ctx.run, module=module, job_id=job_id,
                               rows=[[p.key, p.hash, p.payload] for p in rows], planned_at=self.writer.started)
        self.started_rows += len(rows)
        ctx.count_progress(len(rows))
        ctx.beat()
        return []

    def field_types(self, module: str) -> dict[str, str]:
        return {field["api_name"]: field.get("data_type", "") for field in self.ctx.crm.fields(module)
                if field.get("api_name")}

    # --- after planning -------------------------------------------------------------------------

    def finish(self) -> None:
        """Jobs started in this run: stop here (Deals follow once the people's job is collected)."""
        if self.started_rows:
            raise BulkJobsPending(self.started_rows, started=True)

"""Big sends by Zoho Bulk Write: a module's people go as jobs of up to 25,000 rows, collected by a later run.

When more than `BULK_WRITE_MIN_ROWS` people are dirty at the start of a send, the writer hands Contacts and
Leads to `BulkSending` instead of batching them by 100. Memory holds at most SPOOL_CHUNK taken records per module,
whatever the store's size: each chunk is checked as the writer checks a batch (`sendable`: deleted in Zoho, the
policy's skips) and written to the module's spool (syncs/bulk_spool.py: a BUILDING `BulkJob` and its
`BulkJobRow`s, in input order). A spool of 25,000 rows is started at once; at the end of planning the remainder
is started when it is more than `BULK_WRITE_MIN_ROWS`, else read back a chunk at a time into the writer's
upserts. Starting a job writes its zip to a temporary file from the spooled rows, uploads it streamed, and creates
the job (500 credits); the `BulkJob` then holds Zoho's job id. Nothing waits for it: the run stops with "waiting
for Zoho's Bulk Write job" and is due again in a minute (Deals wait too, so they can link the Contacts the job
creates).

Every later run first follows the pending jobs (`follow`, one status read each, before it reads the stores:
`engine.follow_bulk_jobs`): while one is unfinished the run stops again (so no record of a job is planned twice,
and the shop is not read for nothing); a COMPLETED job's result is downloaded to a temporary
file and mapped to its records RESULT_CHUNK rows at a time, each chunk in one transaction with the job's
`collected` mark (written: synced with its Zoho id and hash, dirty cleared; refused: the inbox), so a collector
killed midway is followed by one that goes on from the mark and records no row twice; a FAILED job leaves its
rows dirty, and the next send uses upserts. Snapshots changed in the store after the job was planned stay dirty.

A run stopped while a job was BUILDING (a slice's end, a Zoho stop, a killed worker, even after Zoho accepted the
job but before its id was recorded) leaves its records dirty: the next `follow` discards that job, and the records
are planned and sent again, upserted on Email, so a job Zoho did run creates no duplicate.

A grant without the bulk scopes (OAUTH_SCOPE_MISMATCH) falls back to upserts, as does a file over Zoho's 25 MB.
Deals always use upserts: they are far fewer than people, and their lookups to Contacts need the ids the people's
job returns. The callback (`SITE_URL`) is not used: a status read per job and run is enough, and works behind any
firewall.
"""

from itertools import islice

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.zoho.bulk_write import FAILED, MAX_ROWS, BulkWrite, FileTooLarge, scopes_granted
from integrations.zoho.errors import ConfigurationError
from syncs.bulk_spool import Spool, discard, records_of, row_chunks
from syncs.models import PERSON_MODULES, BulkJob
from syncs.outcomes import Outcome, Pending, write_outcome
from syncs.reading import RECORD_KEY_PREFIX
from syncs.run_context import BulkJobsPending

MATCH_KEY = "Email"
JOB_ROWS = MAX_ROWS  # rows per job
SPOOL_CHUNK = 1000  # rows of a module held in memory before they are checked and written to the job's spool
RESULT_CHUNK = 1000  # rows mapped and written per transaction when a job's result comes back


class BulkSending:
    def __init__(self, ctx, writer):
        self.ctx = ctx
        self.writer = writer
        self.enabled = False
        self.taken: dict[str, list[Pending]] = {module: [] for module in PERSON_MODULES}
        self.spools: dict[str, Spool] = {}
        self.started_rows = 0
        self._client = None

    @property
    def client(self) -> BulkWrite:
        if self._client is None:
            self._client = BulkWrite(self.ctx.sync_settings.connection, crm=self.ctx.crm)
        return self._client

    # --- before planning ------------------------------------------------------------------------

    def follow(self) -> None:
        """Collect what Zoho finished; BulkJobsPending while a job is still running. Jobs a stopped run left
        BUILDING were never started (or Zoho's answer was lost): their records are still dirty, planned again."""
        ctx = self.ctx
        if ctx.dry_run:
            return
        jobs = BulkJob.objects.filter(settings=ctx.sync_settings)
        for job in jobs.filter(state=BulkJob.State.BUILDING):
            discard(job)
        unfinished = 0
        for job in jobs.exclude(state=BulkJob.State.FAILED).order_by("pk"):
            try:
                status = self.client.job(job.job_id)
            finally:
                ctx.note_calls()
            if not status.finished:
                BulkJob.objects.filter(pk=job.pk).update(state=status.state)
                unfinished += job.row_count
            elif status.state == FAILED:
                ctx.sample("bulk_write_failed", {"module": job.module, "job": job.job_id, "rows": job.row_count,
                                                 "code": status.code})
                with transaction.atomic():
                    job.rows.all().delete()
                    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.FAILED)
            else:
                ctx.run.progress_total += job.row_count - job.collected
                self.collect(job, status)
            ctx.beat()
        if unfinished:
            raise BulkJobsPending(unfinished, started=False)

    def collect(self, job: BulkJob, status) -> None:
        """Map Zoho's result to the records, RESULT_CHUNK rows per transaction, each with the job's `collected`
        mark: a collection stopped midway (a killed worker) goes on after the rows already recorded, and writes
        none of them twice."""
        ctx, sync_settings = self.ctx, self.ctx.sync_settings
        try:
            results = self.client.results(status, job.row_count)
        finally:
            ctx.note_calls()
        for _ in islice(results, job.collected):
            pass  # recorded by an earlier collection
        for start in range(job.collected, job.row_count, RESULT_CHUNK):
            stop = min(start + RESULT_CHUNK, job.row_count)
            rows = [row for chunk in row_chunks(job, start, stop) for row in chunk]
            records = records_of(sync_settings, job.module, [key for _, key, _, _ in rows])
            outcome = Outcome()
            now = timezone.now()
            for (_, result), (_, key, digest, payload) in zip(islice(results, stop - start), rows, strict=True):
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
                if stop < job.row_count:
                    BulkJob.objects.filter(pk=job.pk).update(collected=stop)
                else:
                    discard(job)  # collected: done with
            job.collected = stop
            ctx.count_progress(stop - start)
            ctx.beat()
            ctx.after_batch()

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
        taken = self.taken[pending.module]
        taken.append(pending)
        if len(taken) >= SPOOL_CHUNK:
            self.spool(pending.module)
        return True

    def spool(self, module: str) -> None:
        """The module's taken records, checked as the writer checks a batch (deleted in Zoho, skipped by the
        policy: done now), onto the module's spool; a spool full for one job is started."""
        taken, self.taken[module] = self.taken[module], []
        if not taken:
            return
        outcome = Outcome()
        rows = self.writer.sendable(module, taken, outcome)
        self.writer.record(outcome)
        while rows:
            spool = self.spools.get(module)
            if spool is None:
                spool = self.spools[module] = Spool(self.ctx.sync_settings, self.ctx.run, module, self.writer.started,
                                                    MATCH_KEY)
            room = JOB_ROWS - spool.rows
            spool.add(rows[:room])
            rows = rows[room:]
            if spool.rows >= JOB_ROWS:
                self.start(module)

    def flush(self, module: str) -> None:
        """At the end of planning: the remainder as a job when big enough, else back to the writer's upserts."""
        self.spool(module)
        spool = self.spools.get(module)
        if spool is not None and spool.rows > settings.BULK_WRITE_MIN_ROWS:
            self.start(module)
        else:
            self.send_by_upserts(module)

    def start(self, module: str) -> None:
        """Start one job of the module's spool (upload + create); its rows go to upserts without the scope."""
        ctx = self.ctx
        if not self.enabled:
            self.send_by_upserts(module)
            return
        spool = self.spools[module]
        try:
            job_id = self.client.start_upsert(module, spool.payloads(), MATCH_KEY, columns=spool.columns(),
                                              field_types=self.field_types(module))
        except FileTooLarge as exc:  # rows with much text: Zoho would refuse the file, upserts take them
            ctx.sample("bulk_write_unavailable", {"module": module, "message": str(exc)})
            self.send_by_upserts(module)
            return
        except ConfigurationError as exc:
            if exc.code != "OAUTH_SCOPE_MISMATCH":
                raise
            self.enabled = False  # this grant has no bulk scope: upserts, for this module and the rest
            ctx.sample("bulk_write_unavailable", {"module": module, "message": exc.explanation})
            self.send_by_upserts(module)
            return
        finally:
            ctx.note_calls()
        if ctx.hooks.after_upsert:
            ctx.hooks.after_upsert(ctx.run)
        # Killed before this line, the job stays BUILDING: the next run discards it and plans its records again,
        # upserted by Email, so a job Zoho did accept creates no duplicate.
        spool.started(job_id)
        del self.spools[module]
        self.started_rows += spool.rows
        ctx.count_progress(spool.rows)
        ctx.beat()

    def send_by_upserts(self, module: str) -> None:
        """The module's spool, read back a chunk at a time, through the writer's batches of 100."""
        spool = self.spools.pop(module, None)
        if spool is None:
            return
        try:
            for pendings in spool.pendings():
                self.writer.send_by_upserts(module, pendings)
        finally:
            spool.discard()

    def field_types(self, module: str) -> dict[str, str]:
        return {field["api_name"]: field.get("data_type", "") for field in self.ctx.crm.fields(module)
                if field.get("api_name")}

    # --- after planning -------------------------------------------------------------------------

    def finish(self) -> None:
        """Jobs started in this run: stop here (Deals follow once the people's job is collected)."""
        if self.started_rows:
            raise BulkJobsPending(self.started_rows, started=True)

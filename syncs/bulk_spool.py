"""The rows of a Bulk Write job while it is built, written to the database a chunk at a time (`BulkJobRow`, in
input order) instead of held in memory, and read back a chunk at a time: for the job's file, for the writer's
upserts when the rows are too few for a job, and for mapping Zoho's result to the records.

A spool is one `BulkJob` in state BUILDING until Zoho accepts the job (`started`). What it needs in memory is
its row count and the file's columns (every key the payloads have), never its rows.
"""

from collections.abc import Iterator

from django.db import transaction

from integrations.zoho.bulk_write import Column, ColumnSet
from syncs.models import BulkJob, BulkJobRow, SyncedRecord
from syncs.outcomes import Pending

READ_CHUNK = 1000  # rows read back per query


class Spool:
    def __init__(self, sync_settings, run, module: str, planned_at, key: str):
        self.sync_settings, self.run, self.module, self.planned_at = sync_settings, run, module, planned_at
        self.job: BulkJob | None = None  # created with the first rows
        self.rows = 0
        self.column_set = ColumnSet(key)

    def add(self, pendings: list[Pending]) -> None:
        if not pendings:
            return
        if self.job is None:
            self.job = BulkJob.objects.create(settings=self.sync_settings, run=self.run, module=self.module,
                                              planned_at=self.planned_at)
        BulkJobRow.objects.bulk_create(
            BulkJobRow(job=self.job, index=self.rows + offset, key=p.key, hash=p.hash, payload=p.payload)
            for offset, p in enumerate(pendings))
        for pending in pendings:
            self.column_set.add(pending.payload)
        self.rows += len(pendings)

    def columns(self) -> tuple[Column, ...]:
        return self.column_set.columns()

    def payloads(self) -> Iterator[dict]:
        """The rows' payloads in input order (the job's file)."""
        for chunk in row_chunks(self.job, 0, self.rows):
            for _, _, _, payload in chunk:
                yield payload

    def pendings(self) -> Iterator[list[Pending]]:
        """The rows again as pending writes, a chunk at a time, with their records."""
        for chunk in row_chunks(self.job, 0, self.rows):
            records = records_of(self.sync_settings, self.module, [key for _, key, _, _ in chunk])
            yield [Pending(key, self.module, payload, digest, records.get(key)) for _, key, digest, payload in chunk]

    def started(self, job_id: str) -> None:
        """Zoho accepted the job: from now on it is followed, and collected, by the runs to come."""
        BulkJob.objects.filter(pk=self.job.pk).update(job_id=job_id, state=BulkJob.State.ADDED, row_count=self.rows)

    def discard(self) -> None:
        if self.job is not None:
            discard(self.job)
            self.job = None


def row_chunks(job: BulkJob, start: int, stop: int) -> Iterator[list[tuple[int, str, str, dict]]]:
    """(index, key, hash, payload) of the job's rows `start` ≤ index < `stop`, READ_CHUNK at a time."""
    for first in range(start, stop, READ_CHUNK):
        yield list(BulkJobRow.objects.filter(job=job, index__gte=first, index__lt=min(first + READ_CHUNK, stop))
                   .order_by("index").values_list("index", "key", "hash", "payload"))


def records_of(sync_settings, module: str, keys: list[str]) -> dict[str, SyncedRecord]:
    return {r.key: r for r in SyncedRecord.objects.filter(settings=sync_settings, module=module, key__in=keys)}


def discard(job: BulkJob) -> None:
    """A job and its rows: never started (its records stay dirty and are planned again), or done with."""
    with transaction.atomic():
        BulkJobRow.objects.filter(job=job).delete()
        BulkJob.objects.filter(pk=job.pk).delete()

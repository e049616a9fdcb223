"""What every planner does the same way: walk the dirty snapshots in key order, a chunk at a time, and plan one
record (change hash, unchanged check, validation against Zoho's fields, then the error inbox or the writer's queue).

The planners keep what is their own: which snapshots are dirty, the payload, the links and the policies.
"""

from syncs.models import SyncedRecord
from syncs.outcomes import Pending
from syncs.validation import validate_record

CHUNK = 100
Status = SyncedRecord.Status


def walk_in_key_order(rows, field: str, plan_chunk, size: int = CHUNK) -> None:
    """Call `plan_chunk` with `rows` (a queryset of snapshots, or of their flat `field` values) `size` at a time,
    in `field` order, each chunk read after the previous one was planned."""
    last = ""
    while True:
        chunk = list(rows.filter(**{f"{field}__gt": last}).order_by(field)[:size])
        if not chunk:
            return
        plan_chunk(chunk)
        last = chunk[-1] if isinstance(chunk[-1], str) else getattr(chunk[-1], field)


def plan_record(ctx, fields, writer, outcome, key: str, module: str, payload: dict, record,
                sample_as: str | None = "key") -> bool:
    """Plan one record: True when decided now (unchanged, or refused into the error inbox), False when queued
    for the writer. `sample_as`: the name of the key in the run's "invalid" samples (None: no sample)."""
    digest = fields.change_hash(module, payload)
    if record and record.payload_hash == digest and not ctx.full and record.status in (Status.SYNCED,
                                                                                       Status.FAILED):
        ctx.count("unchanged")
        return True
    pending = Pending(key, module, payload, digest, record)
    problem = validate_record(payload, fields.specs(module))
    if problem:
        outcome.fail(ctx.sync_settings, ctx.run, pending, problem.code, problem.field, problem.message)
        ctx.count("failed")
        if sample_as:
            ctx.sample("invalid", {"module": module, sample_as: key, "field": problem.field,
                                   "message": problem.message})
        return True
    writer.queue(pending)
    return False

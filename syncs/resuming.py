"""Reading a resumable source's stream across slices (`Source.resumable`: customers, orders, every id).

After each page the source read to the end, the reader stages what that page gave (`flush`), saves the stream's
position in the run's `read_cursor` (under the stream's own key, per store) and may end the slice there; the next
slice hands that position back to the source, which reads on from the next page. Nothing is staged before its
page was read to the end, so a slice never ends with half a page counted as read. `StagedStream` is that
buffered reader for every stream: customers, orders, and the Accounts of a Zoho org.
"""

from datetime import datetime

from syncs.run_context import RunContext


def resume_stream(ctx: RunContext, store, source, key: str, flush) -> dict | None:
    """Set the source's `page_done` for this stream; returns where an earlier slice of this run left it (None:
    from the start)."""
    positions = ctx.run.read_cursor.setdefault(key, {})

    def page_done(position):
        flush()
        positions[str(store.pk)] = position
        ctx.beat()  # saves the read_cursor with the run's counters
        ctx.end_slice_if_due()

    source.page_done = page_done
    return positions.get(str(store.pk))


def kept_time(ctx: RunContext, key: str, store) -> datetime | None:
    """A time an earlier slice of this run kept for the store under `key` (None: none yet)."""
    value = ctx.run.read_cursor.get(key, {}).get(str(store.pk))
    return datetime.fromisoformat(value) if value else None


def keep_time(ctx: RunContext, key: str, store, moment: datetime | None) -> None:
    """Kept in the read_cursor (saved with it at the next beat) for this run's next slices."""
    if moment is not None:
        ctx.run.read_cursor.setdefault(key, {})[str(store.pk)] = moment.isoformat()


class StagedStream:
    """A store's stream staged a buffer at a time (and at the end of every page of a resumable source, where the
    slice may end), with the newest change time staged so far; `key`: where the run keeps that time across its
    slices (None: the stream is read within one slice)."""

    def __init__(self, ctx: RunContext, store, source, stage, report_rejected, size: int, key: str | None = None):
        self.ctx, self.store, self.source, self.size, self.key = ctx, store, source, size, key
        self.stage, self.report_rejected = stage, report_rejected
        self.newest = kept_time(ctx, key, store) if key else None
        self.buffer = []

    def open(self, read, since, pages_key: str):
        """`read(since)` (the source's stream), resumed where an earlier slice left it when the source can."""
        if self.source.resumable:
            return read(since, resume=resume_stream(self.ctx, self.store, self.source, pages_key, self.flush))
        return read(since)

    def add(self, item, changed_at: datetime) -> bool:
        """Take one item; True when the buffer is full (the caller flushes it)."""
        self.buffer.append(item)
        if self.newest is None or changed_at > self.newest:
            self.newest = changed_at
        return len(self.buffer) >= self.size

    def flush(self) -> None:
        self.stage(self.ctx, self.store, self.buffer)
        self.report_rejected(self.ctx, self.store, self.source.take_rejected())
        self.buffer = []
        if self.key:
            keep_time(self.ctx, self.key, self.store, self.newest)

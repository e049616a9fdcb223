"""Reading a resumable source's stream across slices (`Source.resumable`: customers, orders, every id).

After each page the source read to the end, the reader stages what that page gave (`flush`), saves the stream's
position in the run's `read_cursor` (under the stream's own key, per store) and may end the slice there; the next
slice hands that position back to the source, which reads on from the next page. Nothing is staged before its
page was read to the end, so a slice never ends with half a page counted as read.
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

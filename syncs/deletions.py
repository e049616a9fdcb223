"""Customers deleted in a store, found during a run (only when the connection's deleted-in-store policy is not
"ignore"); the send phase then applies the policy (set a mapped field, or delete the record in Zoho).

WooCommerce and Magento have no deleted-records list: a deleted customer simply stops being listed. So every
registered id of the store is streamed (`source.all_ids()`) in chunks, and each chunk marks the snapshots it
lists as seen in this scan (one UPDATE per chunk, memory holds one chunk). A resumable source's scan may span
slices: after every page read to the end its ids are marked and its position saved (`id_pages` in the run's
read_cursor, `syncs/resuming.py`), and the next slice goes on from there with the same scan marker (`id_scan`).
Only after the whole list was read are the registered snapshots not seen checked one by one (`source.exists`,
which guards against a page that shifted under the scan) and the ones confirmed gone flagged `deleted` and
dirty, in one UPDATE. A scan that fails midway flags nothing. Guest buyers (WooCommerce `guest:<email>`) exist
only on orders and are never listed, so they are never flagged.

A Zoho org lists its deletions itself: `source.deleted_ids(since)` is read from the store's last check instead
of a full scan.
"""

from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.utils import timezone

from syncs.models import CustomerSnapshot, SyncSettings
from syncs.resuming import keep_time, kept_time, resume_stream
from syncs.run_context import REPORT_SAMPLES, RunContext

SCAN_CHUNK = 1000


def detect_deletions(ctx: RunContext, store, source, checkpoint, chunk_size: int = SCAN_CHUNK) -> None:
    if ctx.sync_settings.deleted_in_store_policy == SyncSettings.DeletedInStore.IGNORE:
        return  # nothing would happen to them: spare the store the scan
    if ctx.full:
        return  # a reset has just read every customer again: its snapshots are all present
    if source.reports_deletions:
        flag_reported_deletions(ctx, store, source, checkpoint, chunk_size)
    else:
        flag_unlisted(ctx, store, source, chunk_size, checkpoint)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def snapshots_of(ctx, store):
    return CustomerSnapshot.objects.filter(settings=ctx.sync_settings, store=store)


# --- stores that only list who is there (WooCommerce, Magento) ---------------------------------------------


def flag_unlisted(ctx, store, source, chunk_size: int, checkpoint=None) -> None:
    scan = scan_ids(ctx, store, source, chunk_size)
    confirm_missing(ctx, store, source, scan, chunk_size)
    flag(ctx, missing(ctx, store, source, scan))
    if checkpoint is not None and not ctx.dry_run:
        checkpoint.deleted_checked_at = scan  # for people: when the store's deletions were last looked for
        checkpoint.save(update_fields=["deleted_checked_at", "updated_at"])


def scan_ids(ctx, store, source, chunk_size: int):
    """Mark every snapshot whose id the store lists with this scan's start; returns that marker."""
    chunk = []

    def mark_seen():
        if chunk:
            snapshots_of(ctx, store).filter(source_id__in=set(chunk)).update(seen_at=scan)
            chunk.clear()

    if source.resumable:
        resume = resume_stream(ctx, store, source, "id_pages", mark_seen)
        scan = kept_time(ctx, "id_scan", store) or timezone.now()  # a scan an earlier slice began goes on
        keep_time(ctx, "id_scan", store, scan)
        ids = source.all_ids(resume=resume)
    else:
        scan = timezone.now()
        ids = source.all_ids()
    for source_id in ids:
        chunk.append(source_id)
        if len(chunk) >= chunk_size:
            mark_seen()
            ctx.beat()
    mark_seen()
    return scan


def missing(ctx, store, source, scan):
    """Registered snapshots of the store, present until now, that the scan did not list."""
    snapshots = snapshots_of(ctx, store).filter(deleted=False, staged_at__lt=scan).exclude(source_id="")
    if source.guest_id_prefix:
        snapshots = snapshots.exclude(source_id__startswith=source.guest_id_prefix)
    return snapshots.filter(Q(seen_at__isnull=True) | Q(seen_at__lt=scan))


def confirm_missing(ctx, store, source, scan, chunk_size: int) -> None:
    """Ask the store about each one the scan missed (one request each, no transaction open meanwhile); those it
    still has were skipped by a shifting page and count as seen."""
    after = 0
    while True:
        batch = list(missing(ctx, store, source, scan).filter(pk__gt=after).order_by("pk")
                     .values_list("pk", "source_id")[:chunk_size])
        if not batch:
            return
        present = [pk for pk, source_id in batch if source.exists(source_id)]
        if present:
            CustomerSnapshot.objects.filter(pk__in=present).update(seen_at=scan)
        after = batch[-1][0]
        ctx.beat()


# --- stores that list their deletions (a Zoho org) ---------------------------------------------------------


def flag_reported_deletions(ctx, store, source, checkpoint, chunk_size: int) -> None:
    for ids in chunks(source.deleted_ids(checkpoint.deleted_checked_at), chunk_size):
        flag(ctx, snapshots_of(ctx, store).filter(deleted=False, source_id__in=set(ids)))
        ctx.beat()
    if not ctx.dry_run:
        checkpoint.deleted_checked_at = ctx.signpost  # inclusive: what was deleted during this run is read again
        checkpoint.save(update_fields=["deleted_checked_at", "updated_at"])


# --- both --------------------------------------------------------------------------------------------------


def flag(ctx, snapshots) -> int:
    """Deleted and due: the send phase merges them (another store may still have the person) and applies the
    policy."""
    ctx.sample("deleted_in_store", *({"email": email} for email in
                                     snapshots.values_list("email", flat=True)[:REPORT_SAMPLES]))
    return snapshots.update(deleted=True, dirty=True, staged_at=timezone.now())

"""Settings changes reach the records already synced: ticking a module or changing its mapping (a row added,
removed or changed, an "Adjust value") marks every record it touches for the next run.

Marking only makes the planners look again; the change hash (which covers the payload and the module's
mapping) decides what is actually sent, so records whose payload did not change cost no call. A Preview run
counts the marked records that would change as "would update".
"""

from django.utils import timezone

from syncs.models import ORDER_MODULES, CustomerSnapshot, OrderSnapshot


def mark_for_resend(sync_settings, modules) -> int:
    """Mark the snapshots feeding `modules` dirty; returns how many were marked."""
    modules, now, marked = set(modules), timezone.now(), 0
    if modules - set(ORDER_MODULES):
        marked += CustomerSnapshot.objects.filter(settings=sync_settings, dirty=False).update(dirty=True,
                                                                                             staged_at=now)
    if modules & set(ORDER_MODULES):
        marked += OrderSnapshot.objects.filter(settings=sync_settings, dirty=False).update(dirty=True, staged_at=now)
    return marked


def mapping_changed(before, after) -> bool:
    """Whether two lists of mapping rows differ (order included: it is the order rows are applied in)."""
    return [tuple(row) for row in before] != [tuple(row) for row in after]

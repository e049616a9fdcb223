"""One run per connection at a time, across every worker and machine.

A claim is a conditional UPDATE on the connection's sync settings (compare-and-set, like django-q2's own
ORM broker), never a transaction held open for the length of a run. A running run beats (claim and run row)
after every batch, so a claim whose heartbeat is older than a few minutes (`STALE_AFTER`, or the worker
timeout when that is shorter) belongs to a dead worker (kill -9, a deploy) and may be taken over.
"""

import os
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from syncs.models import SyncSettings


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


STALE_AFTER = timedelta(minutes=3)


def stale_after() -> timedelta:
    return min(STALE_AFTER, timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 600))


def claim(sync_settings_id: int, owner: str, now=None) -> bool:
    now = now or timezone.now()
    free_or_stale = Q(claimed_at__isnull=True) | Q(heartbeat_at__lt=now - stale_after()) | Q(claimed_by=owner)
    return SyncSettings.objects.filter(free_or_stale, pk=sync_settings_id).update(
        claimed_by=owner, claimed_at=now, heartbeat_at=now
    ) == 1


def heartbeat(sync_settings_id: int, owner: str, now=None) -> bool:
    """Keep the claim alive; False means another worker took it over (this one must stop)."""
    return SyncSettings.objects.filter(pk=sync_settings_id, claimed_by=owner).update(
        heartbeat_at=now or timezone.now()
    ) == 1


def release(sync_settings_id: int, owner: str) -> None:
    SyncSettings.objects.filter(pk=sync_settings_id, claimed_by=owner).update(
        claimed_by="", claimed_at=None, heartbeat_at=None
    )


def is_claimed(sync_settings: SyncSettings, now=None) -> bool:
    now = now or timezone.now()
    return bool(sync_settings.claimed_at) and sync_settings.heartbeat_at >= now - stale_after()

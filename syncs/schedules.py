"""django-q2 schedule rows for this app, created idempotently (never from `AppConfig.ready()`).

"syncs.tick" runs every minute; each connection's own `next_sync_at` decides when it syncs, so changing an
interval or pausing a connection never touches django-q2's table. "syncs.alerts" checks for alerts every
few minutes (syncs/alerts.py). "syncs.prune" runs daily and deletes personal data older than the retention
period (syncs/retention.py). Times are UTC.
"""

from django.db import transaction
from django_q.models import Schedule

TICK = "syncs.tick"
ALERTS = "syncs.alerts"
PRUNE = "syncs.prune"
SCHEDULES = {
    TICK: {"func": "syncs.tasks.tick", "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    ALERTS: {"func": "syncs.alerts.evaluate", "schedule_type": Schedule.MINUTES, "minutes": 5, "repeats": -1},
    PRUNE: {"func": "syncs.retention.prune_personal_data", "schedule_type": Schedule.DAILY, "repeats": -1},
}


def ensure_schedules(using: str = "default") -> list[str]:
    """Create or update this app's schedules and delete orphaned "syncs.*" rows; returns their names."""
    with transaction.atomic(using=using):
        for name, fields in SCHEDULES.items():
            Schedule.objects.using(using).update_or_create(name=name, defaults=fields)
        Schedule.objects.using(using).filter(name__startswith="syncs.").exclude(name__in=SCHEDULES).delete()
    return sorted(SCHEDULES)


def on_post_migrate(sender, app_config=None, using="default", plan=None, **kwargs):
    """post_migrate handler: once per `migrate` (sent for our app only), on the default database only."""
    if using != "default":
        return
    ensure_schedules(using)

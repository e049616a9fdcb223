"""Personal data is kept `settings.DATA_RETENTION_DAYS` days (default 30), then pruned by a daily task.

What goes: webhook deliveries (full orders with names, emails and addresses) once processed, ignored or failed;
the examples in run reports (customers' data) of finished runs, the run's counts and status stay; django-q2's task
results. What stays: pending webhook events (not processed yet: nothing is lost), the error inbox's open records
(a person must act on them), the sync state the engine needs (snapshots, synced records) and the audit log.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.models import Task

from integrations.stores.models import WebhookEvent
from syncs.models import SyncRun

logger = logging.getLogger(__name__)

FINISHED_EVENTS = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED, WebhookEvent.Status.FAILED)


def prune_personal_data(now=None) -> dict:
    """Delete or empty what is older than the retention period; returns how many rows of each were pruned."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DATA_RETENTION_DAYS)
    events, _ = WebhookEvent.objects.filter(status__in=FINISHED_EVENTS, received_at__lt=cutoff).delete()
    reports = (SyncRun.objects.exclude(status__in=SyncRun.ACTIVE).filter(queued_at__lt=cutoff)
               .exclude(report={}).update(report={}))
    tasks, _ = Task.objects.filter(stopped__lt=cutoff).delete()
    pruned = {"webhook_events": events, "run_reports": reports, "task_results": tasks,
              "retention_days": settings.DATA_RETENTION_DAYS}
    logger.info("Pruned personal data older than %s days: %s", settings.DATA_RETENTION_DAYS, pruned)
    return pruned

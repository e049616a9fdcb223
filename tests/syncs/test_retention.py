"""Personal data older than DATA_RETENTION_DAYS is pruned by the daily task; nothing unprocessed or still needed
by a person is lost."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Task

from integrations.stores.models import WebhookEvent
from syncs.models import RecordError, SyncRun
from syncs.retention import prune_personal_data
from tests.syncs.conftest import make_settings, make_store

pytestmark = pytest.mark.django_db


def event(store, n, status, age):
    return WebhookEvent.objects.create(store=store, topic="order.created", resource="order", resource_id=str(n),
                                       modified_at=timezone.now(), received_at=timezone.now() - age,
                                       body='{"billing": {"email": "buyer@example.com"}}', status=status)


def test_it_prunes_webhook_bodies_run_reports_and_task_results_past_the_retention(settings):
    settings.DATA_RETENTION_DAYS = 30
    sync_settings, store = make_settings(), make_store()
    old, recent = timedelta(days=31), timedelta(days=29)
    old_events = [event(store, n, status, old) for n, status in enumerate(["processed", "ignored", "failed"])]
    kept = [event(store, 10, "pending", old), event(store, 11, "processing", old),
            event(store, 12, "processed", recent)]
    report = {"dry_run": [{"Email": "buyer@example.com"}]}
    old_run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="succeeded", report=report,
                                     queued_at=timezone.now() - old, created=3)
    recent_run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="succeeded", report=report,
                                        queued_at=timezone.now() - recent)
    inbox = RecordError.objects.create(settings=sync_settings, run=old_run, module="Contacts",
                                       key="buyer@example.com", code="INVALID_DATA", message="bad phone",
                                       payload={"Email": "buyer@example.com"})
    for age, name in ((old, "old"), (recent, "recent")):
        Task.objects.create(id=name, name=name, func="syncs.tasks.tick", started=timezone.now() - age,
                            stopped=timezone.now() - age, success=True)

    pruned = prune_personal_data()

    assert pruned == {"webhook_events": 3, "run_reports": 1, "task_results": 1, "retention_days": 30}
    assert not WebhookEvent.objects.filter(pk__in=[e.pk for e in old_events]).exists()
    assert WebhookEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 3
    old_run.refresh_from_db()
    assert old_run.report == {} and old_run.created == 3 and old_run.status == "succeeded"
    assert SyncRun.objects.get(pk=recent_run.pk).report == report
    assert RecordError.objects.get(pk=inbox.pk).payload == {"Email": "buyer@example.com"}  # a person must act on it
    assert list(Task.objects.values_list("name", flat=True)) == ["recent"]
    assert prune_personal_data()["webhook_events"] == 0  # idempotent


def test_the_retention_is_a_setting(settings):
    settings.DATA_RETENTION_DAYS = 7
    store = make_store()
    event(store, 1, "processed", timedelta(days=8))
    assert prune_personal_data()["webhook_events"] == 1

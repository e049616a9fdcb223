""""Sync now" gives the UI a run to follow at once: the run is created queued, its task runs that very run, a run
that finds its connection busy ends "skipped" at once, and the tick closes a queued run no worker ever started."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from syncs import claims, services, tasks
from syncs.models import SyncRun
from tests.syncs.conftest import make_settings

from .views.conftest import body, texts

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def real_queue(monkeypatch):
    """The configured broker (ORM or Redis) instead of sync mode: tasks wait in the queue until a worker (here,
    the test) takes them."""
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def take_queued_tasks(broker) -> list[tuple]:
    """The arguments of every task waiting in the queue, in order, taking them out as a worker would."""
    taken = []
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            taken.append(tuple(SignedPackage.loads(payload)["args"]))
            broker.acknowledge(ack_id)
    return taken


def test_it_creates_the_run_queued_and_the_task_runs_that_very_run(zoho_sandbox, store_sandbox, sandbox_connection,
                                                                     real_queue):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=12, seed="a"))
    sync_settings = make_settings(sandbox_connection)

    run = services.start_sync(sync_settings)

    assert run.status == SyncRun.Status.QUEUED and run.trigger == SyncRun.Trigger.MANUAL and run.stop_reason == ""
    assert services.start_sync(sync_settings).pk == run.pk  # pressed again while it waits: the same run
    queued = take_queued_tasks(real_queue)
    assert queued == [(sync_settings.pk, "manual", run.pk)] * 2

    result = tasks.run_sync_settings(*queued[0])  # what the worker does

    run.refresh_from_db()
    assert result["run"] == run.pk and run.status == SyncRun.Status.SUCCEEDED and run.created > 0
    assert SyncRun.objects.count() == 1
    assert tasks.run_sync_settings(*queued[1]) == {"skipped": "the run is no longer queued"}
    assert SyncRun.objects.count() == 1  # a repeated task does not run it twice


def test_it_ends_a_queued_run_skipped_at_once_when_the_connection_is_busy(sync_settings):
    assert claims.claim(sync_settings.pk, "other-machine:1:abc")
    running = SyncRun.objects.create(settings=sync_settings, trigger="schedule", status=SyncRun.Status.RUNNING)

    run = services.start_sync(sync_settings)  # sync mode: the task ran inline and found the claim taken

    assert run.status == SyncRun.Status.SKIPPED and run.stop_reason == SyncRun.StopReason.BUSY
    assert run.error_summary == "Skipped: another run of this connection is in progress." and run.finished_at
    assert not run.is_active
    running.refresh_from_db()
    assert running.status == SyncRun.Status.RUNNING  # the other run is left alone


def test_it_closes_sync_runs_no_worker_started_and_leaves_recent_ones(sync_settings, real_queue):
    lost = services.start_sync(sync_settings)
    real_queue.purge_queue()  # the queue lost its task (purged, broker reset)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        recent = services.start_sync(sync_settings)
        assert recent.pk == lost.pk  # still waiting: pressing again hands it to the queue again
        assert take_queued_tasks(real_queue) == [(sync_settings.pk, "manual", lost.pk)]

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        fresh = SyncRun.objects.create(settings=sync_settings, trigger="manual", queued_at=timezone.now())
        tasks.tick()

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == SyncRun.Status.FAILED and lost.stop_reason == SyncRun.StopReason.NOT_STARTED
    assert "No worker started this run" in lost.error_summary and lost.finished_at
    assert fresh.status == SyncRun.Status.QUEUED  # queued a moment ago: its worker may still come


def test_it_does_not_start_a_run_the_tick_closed_when_its_task_comes_late(sync_settings, real_queue):
    run = services.start_sync(sync_settings)
    [args] = take_queued_tasks(real_queue)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        tasks.tick()
    assert tasks.run_sync_settings(*args) == {"skipped": "the run is no longer queued"}
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and run.started_at is None


def test_it_shows_the_new_run_after_sync_now_following_it_from_queued(admin_client, sync_settings, real_queue):
    response = admin_client.post(f"/zoho/connections/{sync_settings.connection_id}/sync-now/")

    run = SyncRun.objects.get()
    assert response.status_code == 302 and response.url == f"/runs/{run.pk}/"
    assert "This page updates when it finishes" in texts(response)[-1]
    page = body(admin_client.get(response.url))
    assert "Queued" in page and f'data-progress-url="/runs/{run.pk}/progress.json"' in page
    progress = admin_client.get(f"/runs/{run.pk}/progress.json").json()
    assert progress["status"] == "queued" and progress["finished"] is False


def test_it_says_why_a_run_was_skipped_and_links_the_run_in_progress(admin_client, sync_settings):
    assert claims.claim(sync_settings.pk, "other-machine:1:abc")
    running = SyncRun.objects.create(settings=sync_settings, trigger="schedule", status=SyncRun.Status.RUNNING)

    response = admin_client.post(f"/zoho/connections/{sync_settings.connection_id}/sync-now/")

    page = body(admin_client.get(response.url))
    assert "Skipped" in page and "another run of this connection is in progress" in page
    assert "Stopped because: Another run was in progress." in page
    assert f'href="/runs/{running.pk}/"' in page

"""Preview in the background: the request only queues the dry run; the page follows it with the reset's progress
bar and a Cancel button; a worker runs it (the one engine path) and a cancelled preview stops."""

import pytest
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from syncs import tasks
from syncs.engine import Hooks, run_sync
from syncs.models import SyncRun
from tests.syncs.conftest import make_connection, make_settings, no_sleep

from .conftest import body, mark_verified

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def queue(monkeypatch):
    """The real broker instead of sync mode: the preview's task waits in the queue, as it would for a worker."""
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def queued_tasks(broker) -> list[tuple]:
    taken = []
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            package = SignedPackage.loads(payload)
            taken.append((package["func"], *package["args"]))
            broker.acknowledge(ack_id)
    return taken


@pytest.fixture
def sync_settings(verified_sandbox, store_sandbox):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=300, seed="a"))
    return make_settings(verified_sandbox, save=False)


def test_the_request_only_queues_the_preview_and_the_page_follows_it(admin_client, sync_settings, queue,
                                                                     zoho_sandbox, store_sandbox):
    pk = sync_settings.connection_id
    calls, reads = len(zoho_sandbox.calls()), len(store_sandbox.requests)
    response = admin_client.post(f"/zoho/connections/{pk}/preview/")
    assert response.status_code == 302 and response.url == f"/zoho/connections/{pk}/preview/"
    run = SyncRun.objects.get(dry_run=True)
    assert run.status == "queued"
    assert len(zoho_sandbox.calls()) == calls and len(store_sandbox.requests) == reads  # nothing heavy here
    assert queued_tasks(queue) == [("syncs.tasks.continue_run", run.pk)]
    admin_client.post(f"/zoho/connections/{pk}/preview/")
    assert SyncRun.objects.filter(dry_run=True).count() == 1  # pressing again follows the same preview

    page = body(admin_client.get(response.url))
    for text in ("Preview in progress", f'data-progress-url="/runs/{run.pk}/progress.json"', "Cancel the preview"):
        assert text in page, text

    assert tasks.continue_run(run.pk)["status"] == "succeeded"  # what the worker does
    page = body(admin_client.get(response.url))
    assert "Preview in progress" not in page and "Will be created" in page
    assert zoho_sandbox.records("Contacts") == [] and zoho_sandbox.records("Leads") == []


def test_a_queued_preview_cancelled_never_runs(admin_client, queue):
    sync_settings = make_settings(mark_verified(make_connection()), save=False)  # nobody calls it
    pk = sync_settings.connection_id
    admin_client.post(f"/zoho/connections/{pk}/preview/")
    run = SyncRun.objects.get(dry_run=True)
    admin_client.post(f"/zoho/connections/{pk}/preview/cancel/")
    run.refresh_from_db()
    assert (run.status, run.stop_reason) == ("cancelled", "cancelled") and run.finished_at
    assert tasks.continue_run(run.pk) == {"skipped": "the run is no longer active"}  # no HTTP call either
    page = body(admin_client.get(f"/zoho/connections/{pk}/preview/"))
    assert "Cancelled: Cancelled before it finished" in page and "Cancel the preview" not in page


def test_a_running_preview_cancelled_stops_at_its_next_heartbeat(admin_client, sync_settings, store_sandbox):
    pk = sync_settings.connection_id
    run = SyncRun.objects.create(settings=sync_settings, trigger="manual", dry_run=True)
    beats = []

    def cancel_after_first_batch(run):
        beats.append(run.progress_done)
        if len(beats) == 1:
            admin_client.post(f"/zoho/connections/{pk}/preview/cancel/")

    run_sync(sync_settings, run=run, hooks=Hooks(sleep=no_sleep, after_batch=cancel_after_first_batch))
    run.refresh_from_db()
    assert run.status == "cancelled" and len(beats) == 1  # no batch after the cancel
    sync_settings.refresh_from_db()
    assert not sync_settings.claimed_by  # the claim was released

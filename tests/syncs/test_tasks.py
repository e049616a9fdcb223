from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from syncs import claims, tasks
from syncs.models import SyncRun, SyncSettings
from tests.syncs.conftest import make_connection, make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_it_enqueues_connections_that_are_due_by_their_own_clock(zoho_sandbox, store_sandbox, sandbox_connection):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=10, seed="a"))
    due = make_settings(sandbox_connection)
    later = make_settings(make_connection("later"))
    SyncSettings.objects.filter(pk=later.pk).update(next_sync_at=timezone.now() + timedelta(minutes=5))
    make_settings(make_connection("off"), save=False)  # never saved: not scheduled
    make_settings(make_connection("reauth", status="needs_reauth"))

    result = tasks.tick()  # sync mode: the enqueued run happens inline
    assert result["enqueued"] == [due.pk]
    run = SyncRun.objects.get(settings=due)
    assert run.trigger == "schedule" and run.status == "succeeded"
    due.refresh_from_db()
    assert due.next_sync_at > timezone.now() + timedelta(minutes=29)
    assert tasks.tick()["enqueued"] == []  # not due again for 30 minutes


def test_it_skips_a_connection_another_worker_is_running(sync_settings):
    assert claims.claim(sync_settings.pk, "other-machine")
    assert tasks.tick()["enqueued"] == []
    assert tasks.sync_connection(sync_settings.pk) == {"skipped": "another run of this connection is in progress"}
    assert not SyncRun.objects.exists()


def test_it_continues_runs_whose_worker_died_and_closes_dead_previews(sync_settings):
    run = SyncRun.objects.create(settings=sync_settings, trigger="schedule", status="running",
                                 heartbeat_at=timezone.now(), slices=1)
    preview = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="running", dry_run=True,
                                     heartbeat_at=timezone.now(), slices=1)
    SyncSettings.objects.filter(pk=sync_settings.pk).update(next_sync_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.tick()["resumed_runs"] == []  # heartbeats are fresh enough
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        assert tasks.tick()["resumed_runs"] == [run.pk]  # taken over (inline in sync mode)
    run.refresh_from_db()
    preview.refresh_from_db()
    assert run.status == "succeeded" and run.slices == 2
    assert preview.status == "failed" and "worker stopped" in preview.error_summary

"""Reset Synchronisation: resend everything without duplicates, with progress, surviving a dead worker."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from syncs import tasks
from syncs.engine import Hooks
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, RecordError, StoreCheckpoint, SyncedRecord, SyncRun
from syncs.reset import start_reset
from syncs.services import dry_run, run_progress
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


class WorkerKilled(BaseException):
    """Stands for SIGKILL between two batches: the engine's error handling never sees it."""


@pytest.fixture
def main(sandbox_connection, store_sandbox):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=30, seed="a"))
    store_sandbox.app_store(store_sandbox.woocommerce("shop-b", customers=30, seed="b"))
    return make_settings(sandbox_connection, sync_deals=False)  # people only here; Deals: test_orders.py


def people(zoho_sandbox):
    return Counter(r["Email"] for m in (CONTACTS, LEADS) for r in zoho_sandbox.records(m))


def test_it_clears_the_state_and_resends_everyone_without_duplicates(zoho_sandbox, main):
    tasks.run_sync_settings(main.pk)
    before = people(zoho_sandbox)
    RecordError.objects.create(settings=main, module=CONTACTS, key="x@example.com", code="X", message="old")

    run = start_reset(main)  # Q_CLUSTER sync=True: the task runs inline
    run.refresh_from_db()
    assert run.trigger == "reset" and run.status == "succeeded" and run.phase == "done"
    assert people(zoho_sandbox) == before  # same people, once each
    assert run.updated == sum(before.values()) and run.created == 0
    assert run_progress(run) | {"done": run.progress_total} == run_progress(run)
    assert run_progress(run)["percent"] == 100 and run_progress(run)["finished"]
    assert not RecordError.objects.filter(key="x@example.com").exists()
    assert SyncedRecord.objects.filter(status="synced").count() == sum(before.values())
    assert StoreCheckpoint.objects.filter(settings=main, cursor__isnull=False).count() == 2


def test_it_gives_one_reset_however_often_it_is_pressed(main, zoho_sandbox):
    first = SyncRun.objects.create(settings=main, trigger="reset", phase="clear")  # queued, not yet picked up
    assert start_reset(main) == first
    assert SyncRun.objects.filter(trigger="reset").count() == 1
    assert tasks.run_reset(first.pk)["status"] == "succeeded"
    assert tasks.run_reset(first.pk) == {"skipped": "the run is no longer active"}  # a redelivered task is harmless


def test_it_continues_where_it_stopped_when_the_worker_dies_mid_reset(zoho_sandbox, main):
    tasks.run_sync_settings(main.pk)
    before = people(zoho_sandbox)
    run = SyncRun.objects.create(settings=main, trigger="reset", phase="clear")
    batches = []

    def die_after_first_batch(run):
        batches.append(run.progress_done)
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        tasks.run_sync(main, "reset", run=run, hooks=Hooks(sleep=no_sleep, after_batch=die_after_first_batch))
    run.refresh_from_db()
    assert run.status == "running" and run.phase == "send"
    assert 0 < run.progress_done < run.progress_total  # the first module's batch was recorded
    assert CustomerSnapshot.objects.filter(dirty=True).exists()

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.tick()["resumed_runs"] == []  # the dead worker's claim is not stale yet
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):  # minutes, not the worker timeout
        assert tasks.tick()["resumed_runs"] == [run.pk]  # resumed inline (sync mode)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempts == 2
    assert run.progress_done == run.progress_total
    assert people(zoho_sandbox) == before
    assert not CustomerSnapshot.objects.filter(dirty=True).exists()


def test_it_previews_a_reset_without_writing_to_zoho(zoho_sandbox, main):
    tasks.run_sync_settings(main.pk)
    calls = len(zoho_sandbox.calls())
    preview = dry_run(main, reset=True, hooks=Hooks(sleep=no_sleep))
    assert preview.dry_run and preview.status == "succeeded"
    assert preview.updated == sum(people(zoho_sandbox).values()) and preview.created == 0
    assert len(preview.report["invalid"]) == 8
    assert not [c for c in zoho_sandbox.calls()[calls:] if c["method"] != "GET"]
    normal = dry_run(main, hooks=Hooks(sleep=no_sleep))
    assert normal.updated == normal.created == 0 and normal.unchanged >= 1

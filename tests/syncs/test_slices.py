"""Runs in slices: a run saves its cursor at the end of each slice and continues (the same SyncRun) in a new task,
in the foreground, or after its worker died, without re-reading what it read nor resending what Zoho confirmed."""

import io
import json
import zoneinfo
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_q.exceptions import TimeoutException

from profiles.models import Profile
from syncs import claims, tasks
from syncs.engine import Hooks, run_sync
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, SyncedRecord, SyncRun, SyncSettings
from syncs.zoho_writer import BATCH
from tests.syncs.conftest import make_settings, no_sleep
from tests.syncs.views.conftest import body

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so the engine's error handling never sees it."""


@pytest.fixture
def main(sandbox_connection, store_sandbox, settings):
    settings.SYNC_SLICE_SECONDS = 0  # every safe point ends a slice: a store read, a batch recorded
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=150, seed="a"))
    store_sandbox.app_store(store_sandbox.woocommerce("shop-b", customers=150, seed="b"))
    return make_settings(sandbox_connection, sync_deals=False)


def people(zoho_sandbox):
    return Counter(r["Email"] for m in (CONTACTS, LEADS) for r in zoho_sandbox.records(m))


def upsert_calls(zoho_sandbox) -> int:
    return sum(1 for c in zoho_sandbox.calls() if c["path"].endswith("/upsert"))


def batches_for(zoho_sandbox) -> int:
    """The upsert calls that sending each record in Zoho exactly once takes (batches of 100 per module)."""
    return sum(-(-len(zoho_sandbox.records(m)) // BATCH) for m in (CONTACTS, LEADS))


def customer_pages(store_sandbox, slug) -> list[str]:
    """The listing pages of a shop's customers and orders that were requested (one entry per request)."""
    listings = ("/customers?role=all&orderby=id&order=asc&per_page=",
                "/orders?customer=0&orderby=id&order=asc&status=any&per_page=")
    return [r for r in store_sandbox.requests if f"/{slug}/" in r and any(listing in r for listing in listings)]


def test_a_tiny_slice_makes_a_run_of_several_slices_that_sends_everything_once(main, zoho_sandbox, store_sandbox):
    run = run_sync(main, hooks=Hooks(sleep=no_sleep))  # sync mode: each continuation task runs inline
    run.refresh_from_db()
    assert run.status == "succeeded" and run.slices >= 4  # two stores read, then several batches
    assert run.read_cursor["read"] and len(run.read_cursor["read"]) == 2
    sent = people(zoho_sandbox)
    assert sent and max(sent.values()) == 1
    assert run.created == len(sent) and run.updated == 0
    assert upsert_calls(zoho_sandbox) == batches_for(zoho_sandbox)  # each record sent exactly once
    assert SyncRun.objects.count() == 1  # one run, continued: not a run per slice
    # Reading spanned slices (a WooCommerce store ends a slice after each page), yet no page was read twice.
    for slug in ("shop-a", "shop-b"):
        pages = customer_pages(store_sandbox, slug)
        assert len(pages) >= 2 and len(set(pages)) == len(pages), "\n".join(pages)
    assert len(run.read_cursor["pages"]) == 2


def test_sync_now_in_the_foreground_goes_on_slice_after_slice_and_reports_them(main, zoho_sandbox):
    out = io.StringIO()
    call_command("sync_now", "--connection", "demo", "--json", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["status"] == "succeeded" and doc["slices"] >= 4 and doc["waiting_until"] is None
    assert max(people(zoho_sandbox).values()) == 1


def test_a_run_whose_worker_died_is_taken_over_within_minutes_and_resends_nothing(main, zoho_sandbox,
                                                                                  store_sandbox, settings):
    settings.SYNC_SLICE_SECONDS = 3600  # one long slice, killed in the middle of sending
    batches = []

    def die_after_second_batch(run):
        batches.append(run.progress_done)
        if len(batches) == 2:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_sync(main, hooks=Hooks(sleep=no_sleep, after_batch=die_after_second_batch))
    run = SyncRun.objects.get()
    assert run.status == "running" and run.phase == "send"
    confirmed = SyncedRecord.objects.filter(status="synced").count()
    assert confirmed > 0 and CustomerSnapshot.objects.filter(dirty=True).exists()
    calls_before, reads_before = upsert_calls(zoho_sandbox), len(store_sandbox.requests)

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.tick()["resumed_runs"] == []  # a slow batch is not a dead worker
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):  # well before the worker timeout
        assert tasks.tick()["resumed_runs"] == [run.pk]  # continued inline (sync mode)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.slices == 2
    sent = people(zoho_sandbox)
    assert max(sent.values()) == 1
    # Zoho saw every record once (created, never updated by a resend), the second slice sent only what Zoho
    # had not confirmed, and it read no store again.
    assert run.created == len(sent) and run.updated == 0
    assert upsert_calls(zoho_sandbox) == batches_for(zoho_sandbox) and upsert_calls(zoho_sandbox) > calls_before
    assert not [r for r in store_sandbox.requests[reads_before:] if "/customers" in r]


def test_a_worker_timeout_pauses_the_run_and_frees_its_claim(main, zoho_sandbox, settings):
    settings.SYNC_SLICE_SECONDS = 3600
    fired = []

    def timeout_once(run):
        if not fired:
            fired.append(run.pk)
            raise TimeoutException("Task exceeded maximum timeout value (600 seconds)")

    run = run_sync(main, hooks=Hooks(sleep=no_sleep, after_batch=timeout_once))
    run.refresh_from_db()
    # The continuation was enqueued (inline in sync mode) and finished the run; the claim is free.
    assert run.status == "succeeded" and run.slices == 2
    main.refresh_from_db()
    assert not claims.is_claimed(main)
    assert max(people(zoho_sandbox).values()) == 1
    assert run.updated == 0 and upsert_calls(zoho_sandbox) == batches_for(zoho_sandbox)


def test_a_rate_limit_pauses_the_run_until_then_instead_of_sleeping(main, zoho_sandbox, admin_user, admin_client):
    Profile.objects.create(user=admin_user, time_zone="Europe/Paris")
    slept = []
    zoho_sandbox.fault(fail_next=1, fail_mode="429")  # Zoho sends no Retry-After: the run waits a minute
    started = timezone.now()
    run = run_sync(main, hooks=Hooks(sleep=slept.append))
    run.refresh_from_db()
    assert slept == []  # the worker never slept: it was freed
    assert run.status == "queued" and run.stop_reason == "rate_limited"
    assert started + timedelta(seconds=59) <= run.resume_at <= timezone.now() + timedelta(seconds=61)
    assert not claims.is_claimed(SyncSettings.objects.get(pk=main.pk))
    local = timezone.localtime(run.resume_at, zoneinfo.ZoneInfo("Europe/Paris"))
    assert f"Waiting for Zoho until {local:%H:%M}." in body(admin_client.get("/"))
    assert admin_client.get(f"/runs/{run.pk}/progress.json").json()["waiting"].endswith(f"{local:%H:%M}.")

    assert tasks.tick()["resumed_runs"] == []  # not before Zoho's time
    with time_machine.travel(run.resume_at + timedelta(seconds=1)):
        assert tasks.tick()["resumed_runs"] == [run.pk]  # continued inline (sync mode)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.stop_reason == "" and run.slices >= 2
    assert max(people(zoho_sandbox).values()) == 1 and run.updated == 0
    assert SyncRun.objects.count() == 1


def test_zoho_unavailable_waits_longer_each_time_then_the_run_stops(main, zoho_sandbox):
    zoho_sandbox.fault(fail_next=1000, fail_mode="503")
    run = run_sync(main, hooks=Hooks(sleep=no_sleep))
    waits = []
    for _ in range(10):
        run.refresh_from_db()
        if not run.is_active:
            break
        waits.append(round((run.resume_at - run.queued_at).total_seconds()))
        with time_machine.travel(run.resume_at + timedelta(seconds=1)):
            tasks.tick()
    assert waits == [10, 20, 40, 80, 160]  # each wait frees the worker; none is slept
    assert (run.status, run.stop_reason) == ("failed", "transient")
    assert "Nothing was lost" in run.error_summary

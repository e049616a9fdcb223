"""`sync_now` and `reset_sync` in the foreground go on until the run ends: a run waiting for Zoho (its Bulk Write
jobs, a rate limit) is continued in the command's process when it is due, never at the same time as the background
continuation; `--no-wait` and Ctrl-C leave it to the background. Against the sandboxes; no test sleeps: the
command's sleep moves a time-machine clock, and lets the tick run meanwhile as the worker's schedule would."""

import io
import json
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from syncs import claims, tasks
from syncs.management.commands import reset_sync, sync_now
from syncs.models import PERSON_MODULES, BulkJob, SyncedRecord, SyncRun, SyncSettings
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
MIN_ROWS = 10


@pytest.fixture
def big(store_sandbox, sandbox_connection, settings):
    """80 customers with Bulk Write from 10 people up: the first run starts a job for Contacts and one for Leads."""
    settings.BULK_WRITE_MIN_ROWS = MIN_ROWS
    store_sandbox.app_store(store_sandbox.woocommerce("big", customers=80, seed="bulk"))
    return make_settings(sandbox_connection)


@pytest.fixture
def small(store_sandbox, sandbox_connection):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=10, seed="a"))
    return make_settings(sandbox_connection)


class Clock:
    """The command's sleep: the clock moves on by what it would have slept, then the tick runs."""

    def __init__(self, traveller):
        self.traveller = traveller
        self.slept = []
        self.ticks = []
        self.due_meanwhile = []  # whether the connection was due when the tick ran
        self.interrupt = False

    def __call__(self, seconds):
        self.slept.append(seconds)
        self.traveller.shift(timedelta(seconds=seconds))
        self.due_meanwhile.append(SyncSettings.objects.filter(next_sync_at__lte=timezone.now()).exists())
        self.ticks.append(tasks.tick())  # sync mode: whatever it hands to a worker runs inline, now
        if self.interrupt:
            raise KeyboardInterrupt


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now()) as traveller:
        yield Clock(traveller)


def command(module, clock=None):
    instance = module.Command()
    if clock:
        instance.sleep = clock
    return instance


def run_json(instance, *args, stderr=None):
    out = io.StringIO()
    call_command(instance, *args, "--json", stdout=out, stderr=stderr or io.StringIO())
    return json.loads(out.getvalue())


def job_creations(zoho_sandbox) -> int:
    return sum(1 for c in zoho_sandbox.calls() if c["method"] == "POST" and c["path"].endswith("/crm/bulk/v8/write"))


def assert_no_duplicates(zoho_sandbox):
    for module in PERSON_MODULES:
        emails = Counter(r["Email"].lower() for r in zoho_sandbox.records(module))
        assert emails and max(emails.values()) == 1, module


def test_sync_now_waits_for_its_bulk_write_jobs_and_collects_them_in_the_same_command(big, zoho_sandbox, clock):
    err = io.StringIO()
    doc = run_json(command(sync_now, clock), "--connection", "demo", stderr=err)

    runs = list(SyncRun.objects.order_by("pk"))
    assert doc["status"] == "succeeded" and not doc["waiting"] and doc["waiting_until"] is None
    # Every run was the command's own (one started the jobs, the next ones followed them until collected): the tick,
    # which ran during each wait while the connection was due, ran none of them.
    assert [r["run"] for r in doc["runs"]] == [run.pk for run in runs] and len(runs) >= 3
    assert [r["stop_reason"] for r in doc["runs"]] == ["bulk_write"] * (len(runs) - 1) + [""]
    assert any(clock.due_meanwhile) and all(t["enqueued"] == [] and t["resumed_runs"] == [] for t in clock.ticks)
    assert doc["slices"] == sum(run.slices for run in runs) >= len(runs)
    assert doc["credits"] == sum(run.credits for run in runs) == sum(c["credits"] for c in zoho_sandbox.calls())
    assert doc["counts"]["created"] == SyncedRecord.objects.filter(status="synced").count() > 2 * MIN_ROWS
    # Each wait lasted until the connection's next check, a minute after the run before it ended.
    assert len(runs) * 60 - 65 <= sum(clock.slept) <= (len(runs) - 1) * 60
    assert "waits for Zoho's Bulk Write jobs; the next check is at" in err.getvalue()
    assert job_creations(zoho_sandbox) == 2 and not BulkJob.objects.exists()
    assert_no_duplicates(zoho_sandbox)
    big.refresh_from_db()
    assert not claims.is_claimed(big)


def test_no_wait_returns_at_the_first_wait_and_the_background_collects_the_jobs(big, zoho_sandbox):
    doc = run_json(command(sync_now), "--connection", "demo", "--no-wait")  # exit code 0: no CommandError

    big.refresh_from_db()
    jobs = BulkJob.objects.all()
    assert (doc["status"], doc["waiting"], doc["waiting_for"]) == ("partial", True, "bulk_write")
    assert doc["waiting_until"] == big.next_sync_at.isoformat()
    assert doc["bulk_write"] == {"jobs": 2, "records": sum(job.row_count for job in jobs),
                                 "next_check": big.next_sync_at.isoformat()}
    assert not claims.is_claimed(big)

    for _ in range(10):  # the background goes on: the tick runs the connection each time it is due again
        with time_machine.travel(big.next_sync_at + timedelta(seconds=1)):
            tasks.tick()
        big.refresh_from_db()
        if not jobs.exists():
            break
    assert SyncRun.objects.first().status == SyncRun.Status.SUCCEEDED  # the newest run
    assert job_creations(zoho_sandbox) == 2
    assert_no_duplicates(zoho_sandbox)


def test_a_rate_limit_is_waited_for_here_and_the_tick_cannot_continue_the_run_meanwhile(small, zoho_sandbox, clock):
    zoho_sandbox.fault(fail_next=1, fail_mode="429")  # no Retry-After: the run waits a minute

    doc = run_json(command(sync_now, clock), "--connection", "demo")

    run = SyncRun.objects.get()
    assert doc["status"] == "succeeded" and doc["runs"] == [
        {"run": run.pk, "status": "succeeded", "stop_reason": "", "slices": 2}]
    assert 59 <= sum(clock.slept) <= 60
    # At Zoho's time the tick handed the paused run to a worker (inline here), which could not claim it: the
    # command's own second slice is the only continuation.
    assert [run.pk] in [t["resumed_runs"] for t in clock.ticks]
    assert run.slices == 2 and run.updated == 0
    assert_no_duplicates(zoho_sandbox)


def test_ctrl_c_during_the_wait_leaves_the_run_to_the_background(small, zoho_sandbox, clock):
    zoho_sandbox.fault(fail_next=1, fail_mode="429")
    clock.interrupt = True
    out = io.StringIO()

    with pytest.raises(CommandError, match="Interrupted") as raised:
        call_command(command(sync_now, clock), "--connection", "demo", "--json", stdout=out, stderr=io.StringIO())

    assert raised.value.returncode == 130
    run = SyncRun.objects.get()
    doc = json.loads(out.getvalue())
    assert (doc["waiting"], doc["waiting_for"], doc["status"]) == (True, "rate_limited", "queued")
    assert doc["waiting_until"] == run.resume_at.isoformat()
    small.refresh_from_db()
    assert not claims.is_claimed(small)
    with time_machine.travel(run.resume_at + timedelta(seconds=1)):
        assert tasks.tick()["resumed_runs"] == [run.pk]  # continued inline (sync mode)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.slices == 2
    assert_no_duplicates(zoho_sandbox)


def test_no_wait_on_a_rate_limit_says_when_the_run_continues(small, zoho_sandbox):
    zoho_sandbox.fault(fail_next=1, fail_mode="429")
    out = io.StringIO()

    call_command(command(sync_now), "--connection", "demo", "--no-wait", stdout=out)  # exit code 0

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.QUEUED and run.resume_at
    local = timezone.localtime(run.resume_at)
    assert f"Waiting for Zoho (Zoho rate limit); the background worker goes on at {local:%H:%M:%S}" in out.getvalue()


def test_reset_sync_of_a_big_store_goes_on_until_its_bulk_write_jobs_are_collected(big, zoho_sandbox, clock):
    run_json(command(sync_now, clock), "--connection", "demo")
    ids_before = dict(SyncedRecord.objects.filter(module__in=PERSON_MODULES).values_list("key", "zoho_id"))

    doc = run_json(command(reset_sync, clock), "--connection", "demo", "--yes")

    reset = SyncRun.objects.get(trigger=SyncRun.Trigger.RESET)
    assert (doc["trigger"], doc["status"]) == ("reset", "succeeded")
    assert doc["runs"][0] == {"run": reset.pk, "status": "partial", "stop_reason": "bulk_write",
                              "slices": reset.slices}
    assert len(doc["runs"]) >= 2 and doc["counts"]["updated"] >= len(ids_before)
    assert job_creations(zoho_sandbox) == 4 and not BulkJob.objects.exists()
    assert dict(SyncedRecord.objects.filter(module__in=PERSON_MODULES).values_list("key", "zoho_id")) == ids_before
    assert_no_duplicates(zoho_sandbox)

"""Fault matrix: the app's database is unavailable for a moment during a run. A DB fault injector (Django's
`execute_wrapper` on the default connection) makes the next K queries raise OperationalError, as a failover
or a restart would. The run must end failed and cleanly (claim released, or taken over once stale), nothing
unconfirmed marked synced, and the next run must converge."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connections
from django.utils import timezone

from syncs import tasks
from syncs.engine import DATABASE_LOST
from syncs.models import SyncRun, SyncSettings
from tests.reliability.conftest import assert_converged, assert_nothing_marked_without_zoho
from tests.syncs.test_engine import sync

# transaction=True: as in production, no test transaction wraps the run (a failed statement would poison it).
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


class DatabaseOutage:
    """Fails the next `queries` statements on the default database (forever when None) once started."""

    def __init__(self, queries: int | None):
        self.left = queries
        self.failed = 0
        self.connection = connections["default"]

    def __call__(self, execute, sql, params, many, context):
        if self.left is None or self.left > 0:
            self.left = None if self.left is None else self.left - 1
            self.failed += 1
            raise OperationalError("server closed the connection unexpectedly (injected)")
        return execute(sql, params, many, context)

    def start(self, run=None):
        if self not in self.connection.execute_wrappers:
            self.connection.execute_wrappers.append(self)

    def stop(self):
        if self in self.connection.execute_wrappers:
            self.connection.execute_wrappers.remove(self)


@pytest.fixture
def outage():
    made = []

    def make(queries):
        made.append(DatabaseOutage(queries))
        return made[-1]

    yield make
    for injector in made:
        injector.stop()


def test_a_brief_outage_fails_the_run_cleanly_and_the_next_run_converges(zoho_sandbox, shops, main, outage):
    blip = outage(queries=4)  # the send phase's next write, then finishing needs a few retries
    run = sync(main, after_batch=blip.start)
    blip.stop()
    assert blip.failed == 4
    assert run.status == "failed" and run.error_summary == DATABASE_LOST and run.finished_at
    assert run.stop_reason == "database"
    main.refresh_from_db()
    assert main.claimed_by == "" and main.claimed_at is None  # the claim is released
    assert main.next_sync_at <= timezone.now() + timedelta(minutes=2)  # retried soon, not in 30 minutes
    assert_nothing_marked_without_zoho(zoho_sandbox)

    assert sync(main).status == "succeeded"
    assert_converged(zoho_sandbox, shops)


def test_a_long_outage_leaves_the_run_to_the_tick_and_the_claim_is_taken_over(zoho_sandbox, shops, main, outage):
    down = outage(queries=None)
    with pytest.raises(OperationalError):  # the worker's task fails; django-q2 records the failure
        sync(main, after_batch=down.start)
    down.stop()
    stuck = SyncRun.objects.get()
    assert stuck.status == "running" and SyncSettings.objects.get(pk=main.pk).claimed_by
    assert_nothing_marked_without_zoho(zoho_sandbox)

    with time_machine.travel(timezone.now() + timedelta(minutes=4)):  # the dead run's heartbeat is stale
        assert tasks.tick()["resumed_runs"] == [stuck.pk]  # continued (inline here), taking the claim over
        stuck.refresh_from_db()
        assert stuck.status == "succeeded" and stuck.slices == 2
        main.refresh_from_db()
        assert not main.claimed_by
    assert SyncRun.objects.count() == 1
    assert_converged(zoho_sandbox, shops)

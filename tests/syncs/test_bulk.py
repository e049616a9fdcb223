"""Cost stays flat as stores grow: ceil(N/100) upserts per module, a bounded number of queries per chunk."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.stores.sources.base import Customer
from syncs import claims
from syncs.engine import Hooks, RunContext, run_sync
from syncs.models import CONTACTS, LEADS, SyncedRecord, SyncRun
from syncs.planner import PeoplePlanner
from syncs.reading import stage
from syncs.zoho_fields import ZohoFields
from syncs.zoho_writer import ZohoWriter
from tests.syncs.conftest import make_settings, make_store, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
T0 = datetime(2025, 1, 1, tzinfo=UTC)
QUERIES_PER_CHUNK = 18  # incl. the savepoint pair of the atomic outcome write (tests run inside a transaction)


def customers(n, offset=0, buyers=True):
    return [Customer(source_id=str(i), email=f"person{i:05d}@example.com", updated_at=T0 + timedelta(seconds=i),
                     firstname="P", lastname=f"Person {i}", has_purchased=buyers, order_count=int(buyers))
            for i in range(offset, offset + n)]


def test_it_sends_ceil_n_over_100_upserts_per_module(zoho_sandbox, store_sandbox, sandbox_connection):
    store_sandbox.app_store(store_sandbox.woocommerce("big", customers=260, seed="big"))
    sync_settings = make_settings(sandbox_connection)
    run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))
    sent = {m: SyncedRecord.objects.filter(module=m).count() for m in (CONTACTS, LEADS)}
    assert sent[CONTACTS] > 100  # several batches
    for module in (CONTACTS, LEADS):
        upserts = [c for c in zoho_sandbox.calls() if c["path"].endswith(f"/{module}/upsert")]
        assert len(upserts) == math.ceil(sent[module] / 100)


@pytest.mark.parametrize("people", [100, 300])
def test_it_bounds_database_work_per_chunk_whatever_the_size(zoho_sandbox, sandbox_connection, people,
                                                             django_assert_max_num_queries):
    sync_settings = make_settings(sandbox_connection)
    store = make_store("Bulk")
    run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="running")
    ctx = RunContext(sync_settings, run, owner="test", hooks=Hooks(sleep=no_sleep))
    with CaptureQueriesContext(connection) as staging:
        for start in range(0, people, 100):
            stage(ctx, store, customers(100, start))
    assert len(staging) <= people // 100 * 2  # one bulk upsert (plus a savepoint) per buffer
    assert claims.claim(sync_settings.pk, "test")
    fields = ZohoFields(ctx)
    fields.specs(CONTACTS)  # field metadata once per run (cached by the client afterwards)
    planner = PeoplePlanner(ctx, fields, ZohoWriter(ctx))
    with django_assert_max_num_queries(QUERIES_PER_CHUNK * (people // 100) + 4):
        planner.run()
    # Per chunk of 100: 3 bulk reads, the upsert's own bookkeeping (token, budget, concurrency slot), a few
    # bulk writes and one progress update: the same for 100 or 300 people, never a query per record.
    assert SyncedRecord.objects.filter(status="synced").count() == people

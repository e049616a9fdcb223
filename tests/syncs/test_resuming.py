"""A resumable store (Magento 2 here) is read across slices page by page: a slice ends in the middle of the store,
and the next reads on after the last page read, so every customer and order is staged once and no page is
requested twice."""

from collections import Counter
from math import ceil
from urllib.parse import unquote_plus

import pytest

from sandbox.stores.models import SandboxCustomer, SandboxOrder
from syncs import tasks
from syncs.engine import Hooks, run_sync
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, OrderSnapshot, StoreCheckpoint, SyncRun
from tests.syncs.conftest import make_settings, no_sleep, queued_tasks

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
PAGE = 10


@pytest.fixture
def magento(store_sandbox, settings):
    settings.SYNC_SLICE_SECONDS = 0  # every safe point ends a slice: here, every page read to the end
    shop = store_sandbox.magento("big-shop", customers=45, seed="slices")
    return shop, store_sandbox.app_store(shop, config={"page_size": PAGE})


def listings(store_sandbox, start=0) -> dict[str, list[str]]:
    """The keyset listing requests made since `start`, per stream (customers, orders, the id scan)."""
    found = {"customers": [], "orders": [], "ids": []}
    for line in store_sandbox.requests[start:]:
        request = unquote_plus(line)
        if "[condition_type]=in" in request or "sortOrders][0][field]=entity_id" not in request:
            continue  # a page's rollups or profiles, not a listing
        if "/V1/customers/search?" in request:
            found["ids" if "fields=items[id]" in request else "customers"].append(request)
        elif "/V1/orders?" in request:
            found["orders"].append(request)
    return found


def continue_until_done(queue) -> int:
    """Run each queued continuation (as a worker would), until the run queues none; returns how many ran."""
    ran = 0
    while waiting := queued_tasks(queue):
        for func, *args in waiting:
            assert func == "syncs.tasks.continue_run"
            tasks.continue_run(*args)
            ran += 1
    return ran


def test_a_slice_ends_in_the_middle_of_a_magento_store_and_the_next_reads_on_after_its_last_page(
        magento, sandbox_connection, zoho_sandbox, store_sandbox, queue):
    shop, store = magento
    main = make_settings(sandbox_connection, sync_deals=True, deleted_in_store_policy="delete")
    customer_ids = sorted(SandboxCustomer.objects.filter(store=shop).values_list("pk", flat=True))
    orders = SandboxOrder.objects.filter(store=shop).count()

    run = run_sync(main, hooks=Hooks(sleep=no_sleep))  # the first slice only: its continuation waits in the queue
    run.refresh_from_db()
    assert run.status == "queued" and run.slices == 1
    assert run.read_cursor["pages"] == {str(store.pk): {"stream": "profiles", "after_id": customer_ids[PAGE - 1]}}
    assert "read" not in run.read_cursor  # the store is not read to the end
    assert CustomerSnapshot.objects.filter(store=store).count() <= PAGE  # the first page staged, nothing more
    first = listings(store_sandbox)
    assert len(first["customers"]) == 1
    requests_before = len(store_sandbox.requests)

    assert continue_until_done(queue) > ceil(len(customer_ids) / PAGE)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.read_cursor["read"] == [store.pk]
    later = listings(store_sandbox, requests_before)
    # The next slice went on after the last id read; no later slice asked for a page already read.
    assert f"[field]=entity_id&searchCriteria[filter_groups][0][filters][0][value]={customer_ids[PAGE - 1]}" \
           f"&searchCriteria[filter_groups][0][filters][0][condition_type]=gt" in later["customers"][0]
    every = {stream: first[stream] + later[stream] for stream in first}
    for stream, requests in every.items():
        assert len(set(requests)) == len(requests), f"a {stream} page was requested twice"
    assert len(every["customers"]) == ceil(len(customer_ids) / PAGE)
    assert len(every["orders"]) == ceil(orders / PAGE)
    assert len(every["ids"]) == ceil(len(customer_ids) / PAGE)  # the deletion scan resumed page by page too
    # Every customer and order was staged exactly once, and Zoho got each person once.
    assert run.seen == len(customer_ids) + orders
    assert OrderSnapshot.objects.filter(store=store).count() == orders
    sent = Counter(r["Email"] for module in (CONTACTS, LEADS) for r in zoho_sandbox.records(module))
    assert sent and max(sent.values()) == 1 and run.updated == 0
    assert not CustomerSnapshot.objects.filter(deleted=True).exists()  # the scan listed every id
    # The checkpoints moved to the newest change the whole stream staged, not only its last slice's.
    checkpoint = StoreCheckpoint.objects.get(settings=main, store=store)
    newest = max(CustomerSnapshot.objects.filter(store=store).values_list("updated_at", flat=True))
    assert checkpoint.cursor == min(newest, run.started_at)
    newest_order = max(OrderSnapshot.objects.filter(store=store).values_list("updated_at", flat=True))
    assert checkpoint.order_cursor == min(newest_order, run.started_at)
    assert SyncRun.objects.count() == 1

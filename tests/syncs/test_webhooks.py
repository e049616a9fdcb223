"""Webhooks are triggers: a delivery makes every connection reading the store run soon, on the one engine path."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.stores.models import WebhookEvent
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.stores import services as shop_services
from syncs import tasks
from syncs.engine import Hooks, run_sync
from syncs.models import DEALS, SyncedRecord, SyncRun, SyncSettings
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def shop(store_sandbox, sandbox_connection):
    sandbox_shop = store_sandbox.woocommerce("hooked", customers=6, seed="w")
    store = store_sandbox.app_store(sandbox_shop, name="Hooked")
    shop_services.add_webhook(sandbox_shop, "order.created", store.webhook_url, store.webhook_secret)
    make_settings(sandbox_connection)
    return sandbox_shop, store


def deliver(sandbox_shop, order, capture, execute=True):
    with capture(execute=execute) as callbacks:
        deliveries = shop_services.deliver_webhooks(sandbox_shop.pk, "order.created", order.pk)
    assert deliveries and all(d.response_code == 200 for d in deliveries)
    return callbacks


def second_connection(zoho_sandbox) -> ZohoConnection:
    """Another connection to the sandbox org (say, a second platform integration reading the same stores)."""
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    api_client = ZohoApiClient.objects.create(name="second", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    return ZohoConnection.objects.create(
        name="second", api_client=api_client, status=ZohoConnection.Status.CONNECTED,
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )


def test_a_delivery_runs_every_connection_that_reads_the_store(zoho_sandbox, shop,
                                                               django_capture_on_commit_callbacks):
    sandbox_shop, store = shop
    other = make_settings(second_connection(zoho_sandbox))
    order = shop_services.create_order(sandbox_shop, sandbox_shop.customers.first(), status="processing")
    deliver(sandbox_shop, order, django_capture_on_commit_callbacks)
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK)
    assert {r.settings_id for r in runs} == set(SyncSettings.objects.values_list("pk", flat=True))
    assert {r.status for r in runs} == {"succeeded"}
    for sync_settings in SyncSettings.objects.all():
        assert SyncedRecord.objects.filter(settings=sync_settings, module=DEALS,
                                           key=f"{store.pk}-{order.pk}", status="synced").exists()
    assert other.pk in {r.settings_id for r in runs}


def test_a_delivery_during_a_run_leaves_the_connection_due_at_once(zoho_sandbox, shop,
                                                                   django_capture_on_commit_callbacks):
    sandbox_shop, store = shop
    sync_settings = SyncSettings.objects.get()
    orders = []

    def order_arrives(run):  # while the run writes its first batch, past its read of the store
        if not orders:
            orders.append(shop_services.create_order(sandbox_shop, sandbox_shop.customers.first()))
            deliver(sandbox_shop, orders[0], django_capture_on_commit_callbacks)

    run = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep, after_batch=order_arrives))
    assert run.status == "succeeded" and orders
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).exists()  # none queued behind the run
    assert WebhookEvent.objects.get().status == "pending"  # received after that run read the store
    sync_settings.refresh_from_db()
    assert sync_settings.next_sync_at <= timezone.now()  # due again at once, not in 30 minutes

    assert sync_settings.pk in tasks.tick()["enqueued"]  # the next tick runs it (inline in tests)
    assert WebhookEvent.objects.get().status == "processed"
    assert SyncedRecord.objects.filter(module=DEALS, key=f"{store.pk}-{orders[0].pk}", status="synced").exists()


def test_while_zoho_asked_to_wait_a_delivery_queues_no_run(zoho_sandbox, shop, django_capture_on_commit_callbacks):
    sandbox_shop, store = shop
    sync_settings = SyncSettings.objects.get()
    zoho_sandbox.fault(fail_next=100, fail_mode="503")
    refused = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))
    assert refused.stop_reason == "transient"
    order = shop_services.create_order(sandbox_shop, sandbox_shop.customers.first())
    deliver(sandbox_shop, order, django_capture_on_commit_callbacks)
    assert SyncRun.objects.count() == 1  # no run hammering Zoho: the change waits for the retry time
    sync_settings.refresh_from_db()
    assert sync_settings.store_changed_at and WebhookEvent.objects.get().triggered_at


def test_the_tick_triggers_a_delivery_whose_trigger_was_lost_once(zoho_sandbox, shop):
    sandbox_shop, store = shop
    SyncSettings.objects.update(next_sync_at=timezone.now() + timedelta(minutes=20))  # not due by schedule
    lost = WebhookEvent.objects.create(store=store, topic="order.created", resource="order", resource_id="1",
                                       modified_at=timezone.now(), body="{}",
                                       received_at=timezone.now() - timedelta(minutes=5))
    result = tasks.tick()
    assert result["webhook_stores"] == [store.pk]
    lost.refresh_from_db()
    assert lost.triggered_at and lost.status == "processed"  # the run it queued read the store
    assert tasks.tick()["webhook_stores"] == []


def test_a_burst_of_deliveries_queues_one_run(zoho_sandbox, shop, django_capture_on_commit_callbacks):
    sandbox_shop, store = shop
    orders = [shop_services.create_order(sandbox_shop, sandbox_shop.customers.first()) for _ in range(3)]
    triggers = []
    for order in orders:  # stored now, their triggers fire together once the deliveries are committed
        triggers += deliver(sandbox_shop, order, django_capture_on_commit_callbacks, execute=False)
    sync_settings = SyncSettings.objects.get()
    run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.WEBHOOK)  # one waits already
    for trigger in triggers:
        trigger()
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1
    assert tasks.run_sync_settings(sync_settings.pk, run.trigger, run.pk)["status"] == "succeeded"
    assert SyncedRecord.objects.filter(module=DEALS, key__in=[f"{store.pk}-{o.pk}" for o in orders]).count() == 3


def test_tasks_queued_under_their_old_paths_still_work(zoho_sandbox, shop):
    sandbox_shop, store = shop
    sync_settings = SyncSettings.objects.get()
    assert tasks.process_webhook_events(store.pk)["queued_runs"]  # webhooks before the change: a run now
    assert tasks.sync_connection(sync_settings.pk)["status"] == "succeeded"  # the schedule's old task name

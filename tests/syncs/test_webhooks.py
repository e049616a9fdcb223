"""WooCommerce order events through the engine: the buyer as a Contact, the order as a linked Deal."""

import pytest

from integrations.stores.models import WebhookEvent
from sandbox.stores import services as shop_services
from syncs import claims, tasks
from syncs.models import CONTACTS, DEALS, SyncedRecord, SyncRun, SyncSettings
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def shop(store_sandbox, sandbox_connection):
    sandbox_shop = store_sandbox.woocommerce("hooked", customers=6, seed="w")
    store = store_sandbox.app_store(sandbox_shop, name="Hooked")
    shop_services.add_webhook(sandbox_shop, "order.created", store.webhook_url, store.webhook_secret)
    shop_services.add_webhook(sandbox_shop, "order.updated", store.webhook_url, store.webhook_secret)
    make_settings(sandbox_connection)
    return sandbox_shop, store


def deliver(sandbox_shop, topic, order):
    deliveries = shop_services.deliver_webhooks(sandbox_shop.pk, topic, order.pk)
    assert deliveries and all(d.response_code == 200 for d in deliveries)


def test_it_upserts_the_buyer_and_a_linked_deal_keyed_by_the_order(zoho_sandbox, shop):
    sandbox_shop, store = shop
    buyer = shop_services.create_customer(sandbox_shop, email="new.buyer@example.com", first_name="Nia",
                                          last_name="Buyer")
    order = shop_services.create_order(sandbox_shop, buyer, status="processing")
    deliver(sandbox_shop, "order.created", order)

    result = tasks.process_webhook_events(store.pk)
    assert result["status"] == "succeeded", result
    run = SyncRun.objects.get(trigger="webhook")
    contact = next(r for r in zoho_sandbox.records(CONTACTS) if r["Email"] == "new.buyer@example.com")
    deal = next(r for r in zoho_sandbox.records(DEALS) if r["Deal_Name"] == f"Hooked #{order.pk}")
    assert deal["Stage"] == "Closed Won" and float(deal["Amount"]) == float(order.total)
    assert deal["Contact_Name"]["id"] == contact["id"]
    assert run.created == 2
    assert WebhookEvent.objects.get().status == "processed"

    shop_services.update_order(order, status="refunded")
    deliver(sandbox_shop, "order.updated", order)
    tasks.process_webhook_events(store.pk)
    deals = [r for r in zoho_sandbox.records(DEALS) if r["Deal_Name"] == f"Hooked #{order.pk}"]
    assert len(deals) == 1 and deals[0]["Stage"] == "Closed Lost"  # the same deal, updated
    assert SyncedRecord.objects.get(module=DEALS).zoho_id == deals[0]["id"]


def test_it_leaves_events_pending_while_the_connection_is_busy(zoho_sandbox, shop):
    sandbox_shop, store = shop
    order = shop_services.create_order(sandbox_shop, sandbox_shop.customers.first())
    deliver(sandbox_shop, "order.created", order)
    settings = SyncSettings.objects.get()
    assert claims.claim(settings.pk, "a-long-sync")
    assert tasks.process_webhook_events(store.pk) == {"skipped": "connection busy; the tick retries"}
    assert WebhookEvent.objects.get().status == "pending"
    claims.release(settings.pk, "a-long-sync")
    assert tasks.process_webhook_events(store.pk)["status"] == "succeeded"

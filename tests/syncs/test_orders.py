"""Orders become Deals on the one engine, and nothing is lost: missed webhooks, Zoho outages, renamed stores,
settings changes, a broken store. Every test runs the real engine against the store and Zoho sandboxes."""

import math
from collections import Counter

import pytest

from integrations.stores.models import WebhookEvent
from sandbox.stores import services as shop_services
from sandbox.stores.models import SandboxOrder
from syncs.engine import Hooks
from syncs.foreground import run_in_foreground
from syncs.forms import RecordMappingForm, Row, rows_from_db, save_rows
from syncs.models import CONTACTS, DEALS, LEADS, RecordError, StoreCheckpoint, SyncedRecord, SyncRun, SyncSettings
from syncs.services import dry_run, retry_errors
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def sync(sync_settings, trigger=SyncRun.Trigger.MANUAL):
    return run_in_foreground(sync_settings, trigger, hooks=Hooks(sleep=no_sleep)).last


def deals(zoho_sandbox):
    return zoho_sandbox.records(DEALS)


def deal_names(zoho_sandbox) -> Counter:
    return Counter(d["Deal_Name"] for d in deals(zoho_sandbox))


def calls_to(zoho_sandbox, module, since=0):
    return [c for c in zoho_sandbox.calls()[since:] if f"/{module}" in c["path"]]


@pytest.fixture
def woo(store_sandbox):
    shop = store_sandbox.woocommerce("woo-orders", customers=12, seed="o")
    store = store_sandbox.app_store(shop, name="Woo Orders")
    for topic in ("order.created", "order.updated"):
        shop_services.add_webhook(shop, topic, store.webhook_url, store.webhook_secret)
    return shop, store


@pytest.fixture
def main(sandbox_connection):
    return make_settings(sandbox_connection)


def test_orders_no_webhook_announced_become_deals_on_the_next_run(zoho_sandbox, store_sandbox, woo, main):
    shop, store = woo
    run = sync(main)
    assert run.status == "succeeded"
    assert len(deals(zoho_sandbox)) == shop.orders.count() > 0
    contacts = {r["id"]: r["Email"] for r in zoho_sandbox.records(CONTACTS)}
    for order in shop.orders.select_related("customer"):
        deal = next(d for d in deals(zoho_sandbox) if d["Deal_Name"] == f"Woo Orders #{order.pk}")
        assert float(deal["Amount"]) == float(order.total)
        if order.status in ("processing", "completed") and deal.get("Contact_Name"):
            assert contacts[deal["Contact_Name"]["id"]] == order.billing["email"].lower()
    linked = [d for d in deals(zoho_sandbox) if d.get("Contact_Name")]
    assert linked  # buyers' Deals hang off their Contacts

    # Orders made while no webhook reached the app (deliveries are never run in this test).
    buyer = shop.customers.exclude(email="").first()
    new = [shop_services.create_order(shop, buyer, status="completed"),
           shop_services.create_order(shop, billing={"email": "guest.buyer@example.com", "first_name": "Gia",
                                                     "last_name": "Guest"}, status="pending")]
    assert not WebhookEvent.objects.exists()
    read_before = len(store_sandbox.requests)
    sync(main)
    assert any("/wc/v3/orders" in r and "modified_after=" in r for r in store_sandbox.requests[read_before:])
    names = deal_names(zoho_sandbox)
    assert all(names[f"Woo Orders #{order.pk}"] == 1 for order in new)
    assert len(deals(zoho_sandbox)) == shop.orders.count()
    record = SyncedRecord.objects.get(module=DEALS, key=f"{store.pk}-{new[1].pk}")
    guest_deal = next(d for d in deals(zoho_sandbox) if d["id"] == record.zoho_id)
    assert guest_deal["Stage"] == "Proposal/Price Quote"


def test_a_webhook_and_the_polling_of_the_same_order_give_one_deal(zoho_sandbox, woo, main,
                                                                   django_capture_on_commit_callbacks):
    shop, store = woo
    sync(main)
    order = shop_services.create_order(shop, shop.customers.first(), status="processing")
    with django_capture_on_commit_callbacks(execute=True):
        shop_services.deliver_webhooks(shop.pk, "order.created", order.pk)
    webhook_run = SyncRun.objects.get(trigger=SyncRun.Trigger.WEBHOOK)
    assert webhook_run.status == "succeeded" and webhook_run.created == 1  # the webhook made it run, at once
    assert WebhookEvent.objects.get().status == "processed"

    scheduled = sync(main, SyncRun.Trigger.SCHEDULE)  # the polling reads the same order again
    assert deal_names(zoho_sandbox)[f"Woo Orders #{order.pk}"] == 1
    assert scheduled.created == 0


def test_magento_orders_guests_included_become_deals(zoho_sandbox, store_sandbox, main):
    shop = store_sandbox.magento("magento-orders", customers=15, seed="m")
    store = store_sandbox.app_store(shop, name="Mage")
    shop_services.create_order(shop, billing={"email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"})
    assert SandboxOrder.objects.filter(store=shop, customer__isnull=True).exists()
    run = sync(main)
    assert run.status == "succeeded"
    assert len(deals(zoho_sandbox)) == shop.orders.count()
    assert SyncedRecord.objects.filter(module=DEALS, key__startswith=f"{store.pk}-").count() == shop.orders.count()
    assert any("/rest/V1/orders" in r and "updated_at" not in r for r in store_sandbox.requests)

    order = shop.orders.filter(customer__isnull=True).first()
    shop_services.update_order(order, status="cancelled")
    sync(main)
    assert len(deals(zoho_sandbox)) == shop.orders.count()  # updated, not duplicated
    assert any("updated_at" in r and "/rest/V1/orders" in r for r in store_sandbox.requests)
    deal = next(d for d in deals(zoho_sandbox)
                if d["id"] == SyncedRecord.objects.get(module=DEALS, key=f"{store.pk}-{order.pk}").zoho_id)
    assert deal["Stage"] == "Closed Lost"


def test_ten_runs_refused_by_zoho_while_webhooks_arrive_lose_nothing(zoho_sandbox, woo, main,
                                                                     django_capture_on_commit_callbacks):
    shop, store = woo
    sync(main)
    zoho_sandbox.fault(fail_next=100_000, fail_mode="503")
    made = []
    for _ in range(10):
        order = shop_services.create_order(shop, shop.customers.first(), status="processing")
        made.append(order)
        with django_capture_on_commit_callbacks(execute=False) as triggers:
            shop_services.deliver_webhooks(shop.pk, "order.created", order.pk)
        assert len(triggers) == 1  # the delivery asks for a run; run it here, so the client's retries never wait
        sync(main, SyncRun.Trigger.WEBHOOK)
    refused = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK)
    assert refused.count() == 10
    assert {(r.status, r.stop_reason) for r in refused} == {("failed", "transient")}
    assert "Nothing was lost" in refused.first().error_summary
    # Zoho refusing is no reason in the record: nothing failed for good.
    assert not RecordError.objects.filter(run__in=refused).exists()
    assert not SyncedRecord.objects.filter(status="failed").exists()
    assert not WebhookEvent.objects.exclude(status="processed").exists()  # read into the engine's snapshots

    zoho_sandbox.fault(fail_next=0)
    recovered = sync(main, SyncRun.Trigger.SCHEDULE)
    assert recovered.status == "succeeded"
    names = deal_names(zoho_sandbox)
    assert all(names[f"Woo Orders #{order.pk}"] == 1 for order in made)
    assert len(deals(zoho_sandbox)) == shop.orders.count()
    assert not SyncedRecord.objects.exclude(status="synced").filter(module=DEALS).exists()


def test_renaming_a_store_or_naming_two_stores_alike_never_duplicates_or_overwrites_deals(zoho_sandbox,
                                                                                          store_sandbox, main):
    first = store_sandbox.woocommerce("same-a", customers=8, seed="s1")
    second = store_sandbox.woocommerce("same-b", customers=8, seed="s2")
    store = store_sandbox.app_store(first, name="Shop")
    store_sandbox.app_store(second, name="Shop")
    sync(main)
    total = first.orders.count() + second.orders.count()
    assert len(deals(zoho_sandbox)) == total  # "Shop #7" of each store: two Deals

    store.name = "Shop Renamed"
    store.save()
    order = first.orders.first()
    shop_services.update_order(order, status="completed")
    sync(main)
    assert len(deals(zoho_sandbox)) == total
    deal = next(d for d in deals(zoho_sandbox)
                if d["id"] == SyncedRecord.objects.get(module=DEALS, key=f"{store.pk}-{order.pk}").zoho_id)
    assert deal["Deal_Name"] == f"Shop Renamed #{order.pk}"  # display only: the same Deal, renamed


def test_the_order_key_goes_to_the_orgs_unique_field_when_one_is_chosen(zoho_sandbox, woo, main):
    shop, store = woo
    key_field = zoho_sandbox.add_custom_field(DEALS, "Order Key", "text", unique=True).api_name
    main.deal_key_field = key_field
    main.save()
    sync(main)
    keys = Counter(d[key_field] for d in deals(zoho_sandbox))
    assert set(keys) == {f"{store.pk}-{order.pk}" for order in shop.orders.all()}
    assert max(keys.values()) == 1


def test_a_mapping_change_reaches_every_affected_contact_in_one_run_then_costs_nothing(zoho_sandbox, store_sandbox,
                                                                                     main):
    shop = store_sandbox.woocommerce("many", customers=260, seed="many")
    store_sandbox.app_store(shop)
    sync(main)
    contacts = SyncedRecord.objects.filter(module=CONTACTS, status="synced").count()
    assert contacts > 100

    rows = rows_from_db(main, CONTACTS) + [Row("city", "Description", "")]
    save_rows(main, CONTACTS, rows)  # what the mapping editor's OK does

    preview = dry_run(main)
    assert preview.updated == contacts  # Preview: every Contact "would update"
    before = len(zoho_sandbox.calls())
    run = sync(main)
    upserts = [c for c in zoho_sandbox.calls()[before:] if c["path"].endswith(f"/{CONTACTS}/upsert")]
    assert run.updated == contacts and len(upserts) == math.ceil(contacts / 100)
    assert not [c for c in zoho_sandbox.calls()[before:] if c["path"].endswith(f"/{LEADS}/upsert")]
    assert all(r.get("Description") for r in zoho_sandbox.records(CONTACTS) if r.get("Mailing_City"))

    before = len(zoho_sandbox.calls())
    again = sync(main)
    assert len(zoho_sandbox.calls()) == before and again.updated == again.created == 0


def test_ticking_sync_leads_later_reaches_the_customers_already_read(zoho_sandbox, store_sandbox, main):
    store_sandbox.app_store(store_sandbox.woocommerce("leads-later", customers=30, seed="a"))
    main.sync_leads = False
    main.save()
    first = sync(main)
    assert first.skipped > 0  # the registered-only and newsletter people, not sent
    assert not zoho_sandbox.records(LEADS)
    form = RecordMappingForm({"sync_contacts": "on", "sync_leads": "on", "sync_deals": "on"}, instance=main)
    assert form.is_valid()
    form.save()
    run = sync(main)
    assert run.created == len(zoho_sandbox.records(LEADS)) > 0


def test_a_store_with_revoked_keys_does_not_stop_the_healthy_one(zoho_sandbox, store_sandbox, main, admin_client):
    healthy = store_sandbox.woocommerce("healthy", customers=6, seed="h")
    broken = store_sandbox.woocommerce("revoked", customers=6, seed="r")
    store_sandbox.app_store(healthy, name="Healthy")
    broken_store = store_sandbox.app_store(broken, name="Affiliate")
    sync(main)
    checkpoint = StoreCheckpoint.objects.get(store=broken_store)
    broken.consumer_secret = "cs_revoked"  # the affiliate revoked the keys
    broken.save()
    shop_services.create_customer(healthy, email="fresh@example.com", first_name="Fresh", last_name="Person")

    run = sync(main)

    assert "fresh@example.com" in {r["Email"] for r in zoho_sandbox.records(LEADS)}
    assert run.status == "partial" and run.stop_reason == "store_error"
    [problem] = run.report["unreadable_stores"]
    assert problem["store"] == "Affiliate" and "401" in problem["message"]
    assert "Affiliate" in run.error_summary
    after = StoreCheckpoint.objects.get(store=broken_store)
    assert (after.cursor, after.order_cursor) == (checkpoint.cursor, checkpoint.order_cursor)
    assert after.read_error == problem["message"]
    page = admin_client.get("/").content.decode()
    assert "not read in the last sync" in page and "Affiliate" in page


def test_inbox_retry_resends_a_deal_and_resolves_it_when_zoho_accepts(zoho_sandbox, woo, main):
    shop, store = woo
    zoho_sandbox.fault(partial_next=1)  # Zoho refuses the last record of the first write with several
    main.sync_contacts = main.sync_leads = False
    main.save()
    sync(main)
    [error] = RecordError.objects.filter(module=DEALS, status="open")
    assert SyncedRecord.objects.get(module=DEALS, key=error.key).status == "failed"
    assert len(deals(zoho_sandbox)) == shop.orders.count() - 1

    assert retry_errors(RecordError.objects.filter(pk=error.pk)) == 1  # starts a run (inline in tests)
    error.refresh_from_db()
    assert error.status == "resolved"
    assert SyncedRecord.objects.get(module=DEALS, key=error.key).status == "synced"
    assert len(deals(zoho_sandbox)) == shop.orders.count()


def test_deals_can_be_switched_off(zoho_sandbox, woo, main):
    SyncSettings.objects.filter(pk=main.pk).update(sync_deals=False)
    main.refresh_from_db()
    sync(main)
    assert not deals(zoho_sandbox) and not calls_to(zoho_sandbox, DEALS)


def test_a_reset_resends_every_deal_by_its_zoho_id_without_duplicates(zoho_sandbox, woo, main):
    from syncs.reset import start_reset

    shop, store = woo
    sync(main)
    before = {d["id"] for d in deals(zoho_sandbox)}
    run = start_reset(main)  # runs inline in tests
    run.refresh_from_db()
    assert run.status == "succeeded" and run.created == 0
    assert {d["id"] for d in deals(zoho_sandbox)} == before and len(before) == shop.orders.count()
    assert SyncedRecord.objects.filter(module=DEALS, status="synced").count() == len(before)

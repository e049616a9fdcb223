"""Customers deleted in a store behind the app's back (they simply stop being listed): found by an id scan
during a run, or from a Zoho org's deleted-records list, and handled by the connection's policy in Zoho."""

import json
import re
from datetime import timedelta

import pytest
import responses
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.http import read_retry
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.stores import services as shop_services
from sandbox.stores.models import SandboxCustomer
from syncs import claims
from syncs.deletions import flag_unlisted
from syncs.engine import Hooks, RunContext, run_sync
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, SyncedRecord, SyncRun
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def sync(sync_settings):
    run = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))
    run.refresh_from_db()
    return run


def zoho_emails(zoho_sandbox, module):
    return {r["Email"] for r in zoho_sandbox.records(module)}


def registered_customer_in(shop, module):
    """A registered sandbox customer of `shop` whose person was synced into `module` (and no other store)."""
    for customer in SandboxCustomer.objects.filter(store=shop).exclude(email__startswith="shared"):
        if SyncedRecord.objects.filter(key=customer.email, module=module, status="synced").exists():
            return customer
    raise AssertionError(f"no registered customer of {shop} in {module}")


def guest_emails(store):
    return set(CustomerSnapshot.objects.filter(store=store, source_id__startswith="guest:")
               .values_list("email", flat=True))


def unavailable(request):
    return 503, {"Content-Type": "text/html"}, "<h1>Unavailable</h1>"


class OneStorePage(responses.CallbackResponse):
    """Once armed, answers the one store request whose URL holds every needle in its own way (registered before
    the sandbox shop, it wins over it for that request, and is then used up); the sandbox answers the rest."""

    def __init__(self, *needles, answer=unavailable):
        super().__init__(method="GET", url=re.compile(r".*"), callback=lambda request: answer(request))
        self.needles, self.armed = needles, False

    def matches(self, request):
        if self.armed and all(needle in request.url for needle in self.needles):
            return True, ""
        return False, "not armed"


@pytest.fixture
def main(sandbox_connection):
    return make_settings(sandbox_connection, deleted_in_store_policy="delete")


def test_it_deletes_in_zoho_a_customer_deleted_in_woocommerce_and_never_touches_guests(
        zoho_sandbox, store_sandbox, main):
    shop = store_sandbox.woocommerce("shop-del", customers=30, seed="d")
    store = store_sandbox.app_store(shop, config={"page_size": 5})
    sync(main)
    guests = guest_emails(store)
    assert guests and guests <= zoho_emails(zoho_sandbox, CONTACTS) | zoho_emails(zoho_sandbox, LEADS)
    before = len(zoho_sandbox.records(CONTACTS)) + len(zoho_sandbox.records(LEADS))
    gone = registered_customer_in(shop, LEADS)
    shop_services.delete_customer(gone)

    run = sync(main)

    assert run.status == "succeeded" and run.stop_reason == ""
    assert gone.email not in zoho_emails(zoho_sandbox, LEADS)
    assert len(zoho_sandbox.records(CONTACTS)) + len(zoho_sandbox.records(LEADS)) == before - 1
    assert SyncedRecord.objects.get(key=gone.email, module=LEADS).status == "deleted_in_store"
    assert run.report["deleted_in_store"] == [{"email": gone.email}]
    assert list(CustomerSnapshot.objects.filter(deleted=True).values_list("email", flat=True)) == [gone.email]
    assert guests <= zoho_emails(zoho_sandbox, CONTACTS) | zoho_emails(zoho_sandbox, LEADS)  # guests untouched
    assert not CustomerSnapshot.objects.filter(dirty=True).exists()
    assert sync(main).zoho_calls == 0  # done once: the next run has nothing to do
    assert main.checkpoints.get(store=store).deleted_checked_at is not None


def test_it_sets_the_policy_field_for_a_customer_deleted_in_magento(zoho_sandbox, store_sandbox, main):
    main.deleted_in_store_policy = "set_field"
    main.deleted_in_store_field, main.deleted_in_store_value = "Description", "Deleted in the store"
    main.save()
    shop = store_sandbox.magento("magento-del", customers=25, seed="m")
    store_sandbox.app_store(shop, config={"page_size": 5})
    sync(main)
    gone = registered_customer_in(shop, CONTACTS)
    record = SyncedRecord.objects.get(key=gone.email, module=CONTACTS)
    shop_services.delete_customer(gone)

    run = sync(main)

    assert run.status == "succeeded" and run.updated == 1
    zoho = next(r for r in zoho_sandbox.records(CONTACTS) if r["id"] == record.zoho_id)
    assert zoho["Description"] == "Deleted in the store"
    others = [r for r in zoho_sandbox.records(CONTACTS) if r["id"] != record.zoho_id]
    assert others and all(r.get("Description") != "Deleted in the store" for r in others)


def test_it_keeps_a_customer_deleted_in_one_store_but_still_in_another(zoho_sandbox, store_sandbox, main):
    first = store_sandbox.woocommerce("shop-a", customers=20, seed="a")
    second = store_sandbox.woocommerce("shop-b", customers=20, seed="b")
    store_a = store_sandbox.app_store(first)
    store_sandbox.app_store(second, is_my_store=False)
    sync(main)
    shared = SandboxCustomer.objects.get(store=first, email="shared.buyer1@example.com")
    assert SandboxCustomer.objects.filter(store=second, email=shared.email).exists()
    shop_services.delete_customer(shared)

    run = sync(main)

    assert run.status == "succeeded"
    assert CustomerSnapshot.objects.get(store=store_a, email=shared.email).deleted is True
    assert shared.email in zoho_emails(zoho_sandbox, CONTACTS)
    assert SyncedRecord.objects.get(key=shared.email, module=CONTACTS).status == "synced"
    assert "deletes" not in run.report and not any(c["method"] == "DELETE" for c in zoho_sandbox.calls())


def test_it_flags_nothing_when_the_scan_fails_midway_and_the_next_run_does_it(zoho_sandbox, store_sandbox, http, main):
    # The page fails on every attempt of the run: the first try and each of the store session's retries.
    failing = [OneStorePage("/wc/v3/customers?", "_fields=id&", "page=3") for _ in range(read_retry().total + 1)]
    for page in failing:
        http.add(page)
    shop = store_sandbox.woocommerce("shop-del", customers=30, seed="d")
    store_sandbox.app_store(shop, config={"page_size": 5})
    sync(main)
    gone = registered_customer_in(shop, LEADS)
    shop_services.delete_customer(gone)
    for page in failing:
        page.armed = True

    run = sync(main)

    assert [page.call_count for page in failing] == [1, 1, 1, 1]
    assert run.status == "failed" and run.stop_reason == "store_error" and "HTTP 503" in run.error_summary
    assert not CustomerSnapshot.objects.filter(deleted=True).exists()
    assert gone.email in zoho_emails(zoho_sandbox, LEADS)
    assert SyncedRecord.objects.get(key=gone.email, module=LEADS).status == "synced"

    again = sync(main)
    assert again.status == "succeeded" and gone.email not in zoho_emails(zoho_sandbox, LEADS)


def test_one_flaky_store_page_is_retried_and_the_run_succeeds(zoho_sandbox, store_sandbox, http, main):
    flaky = OneStorePage("/wc/v3/customers?", "_fields=id&", "page=3")
    http.add(flaky)
    shop = store_sandbox.woocommerce("shop-del", customers=30, seed="d")
    store_sandbox.app_store(shop, config={"page_size": 5})
    sync(main)
    gone = registered_customer_in(shop, LEADS)
    shop_services.delete_customer(gone)
    flaky.armed = True

    run = sync(main)

    assert flaky.call_count == 1  # answered 503 once; the session's retry read the page from the store
    assert run.status == "succeeded" and gone.email not in zoho_emails(zoho_sandbox, LEADS)


def test_it_scans_nothing_when_the_policy_is_to_ignore_deletions(zoho_sandbox, store_sandbox, main):
    main.deleted_in_store_policy = "ignore"
    main.save()
    shop = store_sandbox.woocommerce("shop-del", customers=12, seed="d")
    store_sandbox.app_store(shop)
    sync(main)
    shop_services.delete_customer(SandboxCustomer.objects.filter(store=shop).first())
    sync(main)
    assert not [r for r in store_sandbox.requests if "_fields=id&" in r]
    assert not CustomerSnapshot.objects.filter(deleted=True).exists()


def test_it_asks_the_store_before_flagging_a_customer_the_scan_missed(zoho_sandbox, store_sandbox, http, main):
    """A page that shifted under the scan (a deletion plus an insertion between two page requests) hides a
    customer from it: before anything is flagged, the store is asked about each one it missed."""
    missed = {}

    def page_two_without_one(request):
        registered = list(SandboxCustomer.objects.filter(store=missed["shop"]).order_by("pk"))
        body = [{"id": c.pk} for c in registered[5:10] if c.pk != missed["customer"].pk]
        pages = str(-(-len(registered) // 5))
        return 200, {"X-WP-Total": str(len(registered)), "X-WP-TotalPages": pages}, json.dumps(body)

    page = OneStorePage("/wc/v3/customers?", "_fields=id&", "page=2", answer=page_two_without_one)
    http.add(page)
    missed["shop"] = shop = store_sandbox.woocommerce("shop-del", customers=30, seed="d")
    store_sandbox.app_store(shop, config={"page_size": 5})
    sync(main)
    missed["customer"] = SandboxCustomer.objects.filter(store=shop).order_by("pk")[6]
    page.armed = True

    run = sync(main)

    assert page.call_count == 1
    assert run.status == "succeeded" and not CustomerSnapshot.objects.filter(deleted=True).exists()
    assert any(f"/wc/v3/customers/{missed['customer'].pk}?" in r or r.endswith(f"/customers/{missed['customer'].pk}")
               for r in store_sandbox.requests)  # asked about, and still there


def test_it_costs_one_update_and_one_heartbeat_per_scan_chunk(store_sandbox):
    main = make_settings(deleted_in_store_policy="delete")  # Zoho is not called: a connection nobody calls
    shop = store_sandbox.woocommerce("shop-big", customers=60, seed="q")
    store = store_sandbox.app_store(shop, config={"page_size": 20})
    source = get_source(store)
    for customer in source.customers(None):  # snapshots as a first run leaves them
        CustomerSnapshot.objects.get_or_create(settings=main, store=store, email=customer.email.strip().lower(),
                                               defaults={"source_id": customer.source_id, "dirty": False})
    registered = SandboxCustomer.objects.filter(store=shop).count()
    owner = claims.new_owner()
    assert claims.claim(main.pk, owner)

    def scan(chunk_size):
        run = SyncRun.objects.create(settings=main, trigger="manual", status="running")
        with CaptureQueriesContext(db_connection) as queries:
            flag_unlisted(RunContext(main, run, owner, Hooks(sleep=no_sleep)), store, source, chunk_size)
        return len(queries)

    chunks_of_ten, pages = -(-registered // 10), -(-registered // 20)
    # Per chunk: the seen-mark UPDATE and the heartbeat's two; per page read (the scan resumes after any page):
    # the heartbeat, and the UPDATE of the ids no chunk marked yet.
    assert scan(10) <= 3 * chunks_of_ten + 2 * pages + 3
    assert scan(registered) <= 3 * pages + 3
    assert not CustomerSnapshot.objects.filter(deleted=True).exists()
    assert CustomerSnapshot.objects.filter(seen_at__isnull=True, source_id__startswith="guest:").exists()


def test_it_reads_a_zoho_org_stores_deleted_records_list(zoho_sandbox, main):
    partner = zoho_sandbox.create_org("Partner CRM")
    client = zoho_sandbox.create_client(org=partner)
    tokens = zoho_sandbox.grant_tokens(client)
    api_client = ZohoApiClient.objects.create(name="partner", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    source_connection = ZohoConnection.objects.create(
        name="partner", api_client=api_client, status=ZohoConnection.Status.CONNECTED, org_id=str(partner.pk),
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )
    people = [{"Email": f"partner{n}@example.com", "Last_Name": f"Partner {n}"} for n in range(5)]
    results = ZohoCRM(source_connection).upsert(CONTACTS, people)
    Store.objects.create(name="Partner CRM", kind=Store.Kind.ZOHO, zoho_connection=source_connection,
                         base_url="https://crm.zoho.com", config={"module": CONTACTS})
    sync(main)
    assert {f"partner{n}@example.com" for n in range(5)} <= zoho_emails(zoho_sandbox, CONTACTS)
    zoho_sandbox.delete_records(CONTACTS, org=partner, ids=[results[0].zoho_id])

    run = sync(main)

    assert run.status == "succeeded"
    assert "partner0@example.com" not in zoho_emails(zoho_sandbox, CONTACTS)
    assert {f"partner{n}@example.com" for n in range(1, 5)} <= zoho_emails(zoho_sandbox, CONTACTS)
    partner_paths = [c["path"] for c in zoho_sandbox.calls(org=partner)]
    assert any(p.endswith("/Contacts/deleted") for p in partner_paths)
    checkpoint = main.checkpoints.get()
    assert checkpoint.deleted_checked_at is not None  # the next run asks only for what is newer

import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import unquote_plus

import pytest
import requests
import responses

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.magento import interpolate
from sandbox.stores import services as sandbox
from sandbox.stores.models import SandboxCustomer, SandboxOrder
from tests.integrations.stores.contract import PAGE_SIZE, SourceContract
from tests.integrations.stores.recorded import RecordedMagento, magento_customers, magento_orders

SANDBOX = pytest.mark.django_db(databases=["default", "sandbox"])
RECORDED_BASE = "https://magento.example.com"


def broken_store(failure, base=RECORDED_BASE, http=None, token="integration-token"):
    store = Store(name="Broken", kind="magento", base_url=base)
    store.set_credentials({"access_token": token})
    store.save()
    url = re.compile(re.escape(base) + r"/.*")
    if failure == "tls":
        http.add(responses.GET, url, body=requests.exceptions.SSLError("certificate has expired"))
    elif failure == "timeout":
        http.add(responses.GET, url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    return store


def checkpoint_in(urls, since):
    stamp = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    searches = [unquote_plus(u) for u in urls if "/customers/search" in u]
    return any("[field]=updated_at" in u and f"[value]={stamp}" in u and "[condition_type]=gteq" in u
               and "sortOrders][0][field]=entity_id" in u for u in searches)  # by id: stable under changes


@SANDBOX
class TestMagentoAgainstSandbox(SourceContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, store_sandbox):
        self.sandbox = store_sandbox

    def make_source(self):
        shop = self.sandbox.magento(customers=16)
        store = self.sandbox.app_store(shop, config={"page_size": PAGE_SIZE})
        ids = {str(pk) for pk in SandboxCustomer.objects.filter(store=shop).values_list("pk", flat=True)}
        return get_source(store), ids

    def make_failing_source(self, failure):
        if failure == "bad_key":
            shop = self.sandbox.magento()
            return get_source(broken_store("bad_key", base=f"http://testserver/sandbox/magento/{shop.slug}"))
        if failure == "no_route":
            self.sandbox.magento()
            return get_source(broken_store(failure, base="http://testserver/sandbox/magento/no-such-shop"))
        return get_source(broken_store(failure, http=self.http))

    def listing_requests(self):
        return [r for r in self.sandbox.requests if "/V1/customers/search?" in r]

    def assert_checkpoint_sent(self, urls, since):
        assert checkpoint_in(urls, since), urls


@pytest.mark.django_db
class TestMagentoAgainstRecordedPayloads(SourceContract):
    def make_source(self):
        customers = magento_customers(12)
        self.http.add(RecordedMagento(RECORDED_BASE, customers, magento_orders(customers)))
        store = broken_store("none")
        store.config = {"page_size": PAGE_SIZE}
        store.save()
        return get_source(store), {str(c["id"]) for c in customers}

    def make_failing_source(self, failure):
        url = re.compile(r"https://magento\.example\.com/.*")
        if failure == "bad_key":
            self.http.add(responses.GET, url, status=401, json={
                "message": "The consumer isn't authorized to access %resources.",
                "parameters": {"resources": "Magento_Customer::customer"}})
        elif failure == "no_route":
            self.http.add(responses.GET, url, status=404, json={"message": "Request does not match any route.",
                                                                 "trace": None})
        return get_source(broken_store(failure, http=self.http))

    def listing_requests(self):
        return [u for u in self.all_request_urls() if "/V1/customers/search?" in u]

    def assert_checkpoint_sent(self, urls, since):
        assert checkpoint_in(urls, since), urls


@pytest.mark.django_db
def test_recorded_customer_maps_every_deconetwork_field(http):
    customers = magento_customers(3)
    http.add(RecordedMagento(RECORDED_BASE, customers, magento_orders(customers)))
    by_id = {c.source_id: c for c in get_source(broken_store("none")).customers(None)}
    veronica = by_id["1"]
    assert (veronica.firstname, veronica.lastname, veronica.full_name) == ("Veronica", "Costello", "Veronica Costello")
    assert (veronica.address, veronica.city, veronica.state, veronica.zip) == (
        "6146 Honey Bluff Parkway", "Calder", "MI", "49628-7978")
    assert (veronica.country_name, veronica.phone_number) == ("United States", "(555) 229-3326")
    assert veronica.order_count == 1 and veronica.total_order_value == Decimal("49.5")  # canceled not counted
    assert veronica.newsletter is True and by_id["2"].newsletter is False
    assert veronica.registered_at == datetime(2017, 12, 5, 9, 50, 11, tzinfo=UTC)
    # The same email on two websites stays two customers, each saying which website it belongs to.
    assert by_id["3"].email == veronica.email
    assert veronica.store == "Broken (Main Website)" and by_id["3"].store == "Broken (EU Website)"


@SANDBOX
def test_a_store_limited_to_one_website_reads_only_its_customers(store_sandbox):
    shop = store_sandbox.magento()
    SandboxCustomer.objects.create(store=shop, email="same@example.com", website_id=1)
    eu = SandboxCustomer.objects.create(store=shop, email="same@example.com", website_id=2)
    store = store_sandbox.app_store(shop, config={"website_id": 2})
    customers = list(get_source(store).customers(None))
    assert [(c.source_id, c.store) for c in customers] == [(str(eu.pk), store.name)]
    assert list(get_source(store).all_ids()) == [str(eu.pk)]
    assert "on website 2" in get_source(store).check().message


@SANDBOX
def test_orders_are_read_by_updated_at_guests_included_and_scoped_to_the_stores_website(store_sandbox):
    shop = store_sandbox.magento()
    old = datetime(2024, 1, 1, tzinfo=UTC)
    home = SandboxCustomer.objects.create(store=shop, email="home@example.com", website_id=1)
    eu = SandboxCustomer.objects.create(store=shop, email="eu@example.com", website_id=2)
    orders = [SandboxOrder.objects.create(store=shop, customer=customer, total="12.50", status="processing",
                                          billing=billing, date_created=old, date_modified=old)
              for customer, billing in ((home, {"email": "home@example.com"}), (eu, {"email": "eu@example.com"}),
                                        (None, {"email": "Guest@Example.com", "first_name": "Gus"}))]
    source = get_source(store_sandbox.app_store(shop))
    read = {o.source_id: o for o in source.orders(None)}
    assert set(read) == {str(o.pk) for o in orders}
    guest = read[str(orders[2].pk)]
    assert (guest.customer.source_id, guest.customer.email, guest.total, guest.is_paid) == (
        "", "Guest@Example.com", Decimal("12.5"), True)
    since = datetime(2024, 6, 1, tzinfo=UTC)
    assert list(source.orders(since)) == []
    sandbox.update_order(orders[1], status="cancelled")
    [changed] = source.orders(since)
    assert (changed.source_id, changed.status) == (str(orders[1].pk), "canceled")

    eu_only = get_source(store_sandbox.app_store(shop, name="EU", config={"website_id": 2}))
    assert [o.source_id for o in eu_only.orders(None)] == [str(orders[1].pk)]


@SANDBOX
def test_a_changed_order_brings_its_customer_into_the_incremental_read(store_sandbox):
    shop = store_sandbox.magento()
    old = datetime(2024, 1, 1, tzinfo=UTC)
    buyer = SandboxCustomer.objects.create(store=shop, email="b@example.com", date_created=old, date_modified=old)
    order = SandboxOrder.objects.create(store=shop, customer=buyer, total="30.00", status="pending",
                                        billing={"email": "b@example.com"}, date_created=old, date_modified=old)
    source = get_source(store_sandbox.app_store(shop))
    since = datetime(2024, 6, 1, tzinfo=UTC)
    assert list(source.customers(since)) == []
    sandbox.update_order(order, status="completed")
    [changed] = source.customers(since)
    assert (changed.source_id, changed.order_count, changed.total_order_value) == (str(buyer.pk), 1, Decimal("30"))


@SANDBOX
def test_deleted_customers_disappear_from_all_ids_and_single_reads(store_sandbox):
    shop = store_sandbox.magento()
    kept = SandboxCustomer.objects.create(store=shop, email="kept@example.com")
    gone = SandboxCustomer.objects.create(store=shop, email="gone@example.com")
    source = get_source(store_sandbox.app_store(shop))
    assert set(source.all_ids()) == {str(kept.pk), str(gone.pk)}
    gone_id = str(gone.pk)
    gone.delete()
    assert set(source.all_ids()) == {str(kept.pk)}
    assert source.customer(gone_id) is None and source.customer(str(kept.pk)).email == "kept@example.com"
    assert source.exists(gone_id) is False and source.exists(str(kept.pk)) is True


@SANDBOX
def test_an_admin_token_request_is_refused_by_2fa_like_magento(store_sandbox):
    shop = store_sandbox.magento()
    response = requests.post(f"http://testserver/sandbox/magento/{shop.slug}/rest/V1/integration/admin/token",
                             json={"username": "admin", "password": "x"}, timeout=5)
    assert response.status_code == 401 and "2fa" in response.json()["message"]


def test_magento_placeholders_are_interpolated():
    assert interpolate("No such entity with %fieldName = %fieldValue",
                       {"fieldName": "customerId", "fieldValue": 7}) == "No such entity with customerId = 7"
    assert interpolate("Invalid attribute name: %1", ["id"]) == "Invalid attribute name: id"


def test_missing_token_explains_integration_tokens(db):
    store = Store.objects.create(name="No token", kind="magento", base_url=RECORDED_BASE)
    message = get_source(store).check().message
    assert "Not set for this Magento store: consumer key, consumer secret, access token, access token secret" in message
    assert "Integrations" in message and "two-factor" in message


@SANDBOX
def test_every_request_is_signed_with_oauth1_hmac_sha256(store_sandbox):
    shop = store_sandbox.magento(customers=6)
    source = get_source(store_sandbox.app_store(shop))  # the sandbox verifies each signature, searchCriteria included
    assert len(list(source.customers(datetime(2000, 1, 1, tzinfo=UTC)))) > 0 and source.check().ok
    assert any("searchCriteria" in line for line in store_sandbox.requests)


@SANDBOX
def test_a_wrong_integration_secret_is_refused_with_what_to_copy(store_sandbox):
    shop = store_sandbox.magento()
    store = store_sandbox.app_store(shop)
    store.set_credentials({**shop.integration_keys, "access_token_secret": "not-the-secret"})
    store.save()
    result = get_source(store).check()
    assert not result.ok and "rejected the integration's credentials (HTTP 401" in result.message
    assert "Access Token Secret" in result.message and "not-the-secret" not in result.message


@SANDBOX
def test_bearer_mode_works_only_where_the_store_allows_standalone_bearer_tokens(store_sandbox):
    shop = store_sandbox.magento(customers=2)
    store = store_sandbox.app_store(shop, config={"auth": "bearer"})
    refused = get_source(store).check()
    assert not refused.ok and "standalone Bearer tokens" in refused.message
    shop.allow_bearer_tokens = True
    shop.save()
    assert get_source(store).check().ok

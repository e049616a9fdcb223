import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
import responses

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.woocommerce import WooCommerceSource
from sandbox.stores import services as sandbox
from sandbox.stores.models import SandboxCustomer, SandboxOrder
from tests.fixtures.store_sandbox import app_store_for
from tests.integrations.stores.contract import PAGE_SIZE, SourceContract
from tests.integrations.stores.recorded import RecordedWooCommerce, woo_customers, woo_orders

SANDBOX = pytest.mark.django_db(databases=["default", "sandbox"])
RECORDED_BASE = "https://shop.example.com"


def broken_store(failure, base=RECORDED_BASE, http=None):
    store = Store.objects.create(name="Broken", kind="woocommerce", base_url=base)
    store.set_credentials({"consumer_key": "ck_" + "1" * 40, "consumer_secret": "cs_" + "2" * 40})
    store.save()
    url = re.compile(re.escape(base) + r"/.*")
    if failure == "tls":
        http.add(responses.GET, url, body=requests.exceptions.SSLError("certificate verify failed: self-signed"))
    elif failure == "timeout":
        http.add(responses.GET, url, body=requests.exceptions.ReadTimeout("read timed out"))
    return store


@SANDBOX
class TestWooCommerceAgainstSandbox(SourceContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, store_sandbox):
        self.sandbox = store_sandbox

    def make_source(self):
        shop = self.sandbox.woocommerce(customers=18)
        store = self.sandbox.app_store(shop, config={"page_size": PAGE_SIZE})
        registered = {str(pk) for pk in SandboxCustomer.objects.filter(store=shop).values_list("pk", flat=True)}
        guests = {"guest:" + o.billing["email"].strip().lower() for o in SandboxOrder.objects.filter(store=shop,
                                                                                                     customer=None)}
        return get_source(store), registered | guests

    def make_failing_source(self, failure):
        if failure == "bad_key":
            shop = self.sandbox.woocommerce()
            store = self.sandbox.app_store(shop)
            store.set_credentials({"consumer_key": shop.consumer_key, "consumer_secret": "cs_wrong"})
            store.save()
            return get_source(store)
        if failure == "no_route":
            self.sandbox.woocommerce()
            return get_source(broken_store(failure, base="http://testserver/sandbox/woocommerce/no-such-shop"))
        return get_source(broken_store(failure, http=self.http))

    def listing_requests(self):
        return [r for r in self.sandbox.requests if "/wc/v3/customers?" in r]

    def assert_checkpoint_sent(self, urls, since):
        order_reads = [u for u in urls if "/wc/v3/orders?" in u and "modified_after=" in u]
        assert order_reads and all("dates_are_gmt=true" in u for u in order_reads)


@pytest.mark.django_db
class TestWooCommerceAgainstRecordedPayloads(SourceContract):
    def make_source(self):
        customers = woo_customers(12)
        self.http.add(RecordedWooCommerce(RECORDED_BASE, customers, woo_orders(customers)))
        store = Store(name="Recorded", kind="woocommerce", base_url=RECORDED_BASE, config={"page_size": PAGE_SIZE})
        store.set_credentials({"consumer_key": "ck_" + "a" * 40, "consumer_secret": "cs_" + "b" * 40})
        store.save()
        ids = {str(c["id"]) for c in customers} | {"guest:guest.one@example.com", "guest:guest.two@example.com"}
        return get_source(store), ids

    def make_failing_source(self, failure):
        if failure == "bad_key":
            self.http.add(responses.GET, re.compile(r"https://shop\.example\.com/.*"), status=401, json={
                "code": "woocommerce_rest_authentication_error", "message": "Consumer key is invalid.",
                "data": {"status": 401}})
        elif failure == "no_route":
            self.http.add(responses.GET, re.compile(r"https://shop\.example\.com/.*"), status=404, json={
                "code": "rest_no_route", "message": "No route was found matching the URL and request method",
                "data": {"status": 404}})
        return get_source(broken_store(failure, http=self.http))

    def listing_requests(self):
        return [u for u in self.all_request_urls() if "/wc/v3/customers?" in u]

    def assert_checkpoint_sent(self, urls, since):
        expected = since.astimezone(UTC).replace(microsecond=0).timestamp() - 1
        stamp = datetime.fromtimestamp(expected, UTC).strftime("%Y-%m-%dT%H%%3A%M%%3A%S")
        assert any(f"modified_after={stamp}" in u and "dates_are_gmt=true" in u for u in urls), urls


@pytest.mark.django_db
def test_rollups_count_paid_orders_only_and_guests_are_keyed_by_lowercased_email(http):
    customers = woo_customers(4)
    http.add(RecordedWooCommerce(RECORDED_BASE, customers, woo_orders(customers)))
    store = Store(name="Recorded", kind="woocommerce", base_url=RECORDED_BASE)
    store.set_credentials({"consumer_key": "ck_x", "consumer_secret": "cs_y"})
    store.save()
    by_id = {c.source_id: c for c in get_source(store).customers(None)}
    paying = by_id["25"]  # one completed (counted) and one cancelled (not counted) order of 105.00
    assert (paying.order_count, paying.total_order_value, paying.has_purchased) == (1, Decimal("105.00"), True)
    assert paying.last_order_date == datetime(2023, 10, 27, 13, 0, tzinfo=UTC)
    assert by_id["26"].order_count == 0 and by_id["26"].has_purchased is False
    guest = by_id["guest:guest.one@example.com"]
    assert guest.email == "Guest.One@Example.com" and guest.order_count == 2
    assert guest.total_order_value == Decimal("40.00")
    assert paying.country_name == "United States" and paying.full_name == "John Doe" and paying.zip == "94103"


@SANDBOX
def test_newsletter_comes_from_the_configured_meta_key(store_sandbox):
    shop = store_sandbox.woocommerce(newsletter_meta_key="mailpoet_subscribed")
    subscribed = SandboxCustomer.objects.create(store=shop, email="news@example.com", newsletter=True)
    store = store_sandbox.app_store(shop)
    assert get_source(store).customer(str(subscribed.pk)).newsletter is False  # default key: not found
    store.config = {"newsletter_meta_key": "mailpoet_subscribed"}
    store.save()
    assert get_source(store).customer(str(subscribed.pk)).newsletter is True


@SANDBOX
def test_keys_go_in_the_query_string_when_the_host_strips_authorization(store_sandbox):
    shop = store_sandbox.woocommerce(strips_authorization=True)
    SandboxCustomer.objects.create(store=shop, email="a@example.com")
    store = store_sandbox.app_store(shop)
    result = get_source(store).check()
    assert not result.ok and "Consumer key is missing" in result.message and "query string" in result.message
    store.config = {"auth_in_query": True}
    store.save()
    result = get_source(store).check()
    assert result.ok, result.message
    assert "1 customers" in result.message
    assert "consumer_key=ck_" in store_sandbox.requests[-1]
    assert "consumer_key" not in result.message


@SANDBOX
def test_incremental_read_uses_gmt_dates_and_picks_up_changed_orders(store_sandbox):
    shop = store_sandbox.woocommerce()
    old = datetime(2024, 1, 1, tzinfo=UTC)
    buyer = SandboxCustomer.objects.create(store=shop, email="buyer@example.com", date_created=old, date_modified=old)
    order = SandboxOrder.objects.create(store=shop, customer=buyer, total="10.00", status="pending", billing={
        "email": "buyer@example.com"}, date_created=old, date_modified=old)
    source = get_source(store_sandbox.app_store(shop))
    since = datetime(2024, 6, 1, tzinfo=UTC)
    assert list(source.customers(since)) == []
    sandbox.update_order(order, status="completed")  # pays: is_paying_customer, rollup 1 × 10.00
    changed = list(source.customers(since))
    assert [(c.source_id, c.order_count, c.total_order_value) for c in changed] == [(str(buyer.pk), 1, Decimal("10"))]
    assert changed[0].updated_at >= since


@SANDBOX
def test_orders_since_and_order_parsing(store_sandbox):
    shop = store_sandbox.woocommerce()
    guest_order = sandbox.create_order(shop, billing={"first_name": "Ann", "last_name": "Lee", "email": "Ann@X.io",
                                                      "country": "IE"},
                                       line_items=[{"name": "Cap", "sku": "CAP", "quantity": 2, "price": "5.50"}],
                                       when=datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC))
    orders = list(get_source(store_sandbox.app_store(shop)).orders(datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)))
    assert len(orders) == 1
    order = orders[0]
    assert (order.source_id, order.number, order.status, order.total, order.currency) == (
        str(guest_order.pk), str(guest_order.pk), "processing", Decimal("11.00"), "USD")
    assert order.is_paid and order.date_paid == datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert order.customer.source_id == "guest:ann@x.io" and order.customer.country_name == "Ireland"
    assert order.line_summary == "Cap (x2)"


def test_woocommerce_error_bodies_become_readable_messages(http, db):
    http.add(responses.GET, re.compile(r"https://shop\.example\.com/.*"), status=401,
             json={"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                   "data": {"status": 401}})
    store = broken_store("bad_key")
    with pytest.raises(SourceError) as caught:
        list(WooCommerceSource(store).customers(None))
    assert "Sorry, you cannot list resources." in caught.value.message
    assert "Read permission" in caught.value.message and caught.value.permanent


def test_html_instead_of_json_is_explained(http, db):
    http.add(responses.GET, re.compile(r"https://shop\.example\.com/.*"), body="<html>Welcome</html>",
             content_type="text/html")
    with pytest.raises(SourceError) as caught:
        list(WooCommerceSource(broken_store("html")).customers(None))
    assert "not JSON" in caught.value.message and "text/html" in caught.value.message


def test_missing_keys_are_reported_without_a_request(db):
    store = Store.objects.create(name="Empty", kind="woocommerce", base_url=RECORDED_BASE)
    result = get_source(store).check()
    assert result.ok is False and "consumer key and secret are not set" in result.message


@SANDBOX
def test_app_store_for_sandbox_points_at_the_emulator():
    from tests.fixtures.store_sandbox import make_sandbox_store

    shop = make_sandbox_store("woocommerce", "pointing", customers=3)
    store = app_store_for(shop)
    assert store.base_url == "http://testserver/sandbox/woocommerce/pointing"
    assert store.get_credentials()["consumer_key"] == shop.consumer_key and store.webhook_secret


@SANDBOX
def test_it_lists_registered_customers_only_for_deletion_detection(store_sandbox):
    shop = store_sandbox.woocommerce(customers=18)
    store = store_sandbox.app_store(shop, config={"page_size": PAGE_SIZE})
    source = get_source(store)
    guests = {c.source_id for c in source.customers(None) if c.source_id.startswith("guest:")}
    assert guests, "the shop has guest buyers"
    store_sandbox.requests.clear()

    ids = set(source.all_ids())

    assert ids == {str(pk) for pk in SandboxCustomer.objects.filter(store=shop).values_list("pk", flat=True)}
    assert not ids & guests
    assert store_sandbox.requests and all("/wc/v3/customers?" in r for r in store_sandbox.requests)
    assert all("_fields=id&" in r for r in store_sandbox.requests)  # ids alone: a cheap scan


@SANDBOX
def test_it_says_whether_the_store_still_has_a_customer(store_sandbox):
    shop = store_sandbox.woocommerce(customers=6)
    source = get_source(store_sandbox.app_store(shop))
    kept, gone = SandboxCustomer.objects.filter(store=shop)[:2]
    gone_id = str(gone.pk)
    gone.delete()
    assert source.exists(str(kept.pk)) is True
    assert source.exists(gone_id) is False


@SANDBOX
def test_the_order_stream_and_the_id_scan_resume_at_the_page_after_the_last_one_read(store_sandbox):
    shop = store_sandbox.woocommerce(customers=14, seed="resume")
    source = get_source(store_sandbox.app_store(shop, config={"page_size": 5}))
    every_order = [o.source_id for o in source.orders(None)]
    every_id = list(source.all_ids())
    assert len(every_order) > 5 and len(every_id) > 5
    done = []
    source.page_done = done.append
    start = len(store_sandbox.requests)
    assert [o.source_id for o in source.orders(None, resume={"stream": "orders", "page": 2})] == every_order[5:]
    assert list(source.all_ids(resume={"stream": "ids", "page": 2})) == every_id[5:]
    first_orders, first_ids = (next(r for r in store_sandbox.requests[start:] if f"/wc/v3/{path}?" in r)
                               for path in ("orders", "customers"))
    assert "page=2" in first_orders.split("&") and "page=2" in first_ids.split("&")  # pages 1 not asked again
    assert done[0] == {"stream": "orders", "page": 3}
    assert {"stream": "ids", "page": 3} in done

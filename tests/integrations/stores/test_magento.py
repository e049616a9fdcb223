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


# Resuming mid-store: keyset paging by entity_id, exact query strings (`responses`)

WEBSITES = [{"id": 0, "code": "admin", "name": "Admin"}, {"id": 1, "code": "base", "name": "Main Website"},
            {"id": 2, "code": "eu", "name": "EU Website"}]
ROLLUP_FIELDS = ("items[entity_id,customer_id,state,status,base_grand_total,total_refunded,created_at,updated_at],"
                 "total_count")


def criteria(*filters, fields=None, page_size=2) -> dict:
    """The query of one searchCriteria request: one filter per group (AND-ed), by entity_id, the first page."""
    params = {}
    for group, (field, value, condition) in enumerate(filters):
        prefix = f"searchCriteria[filter_groups][{group}][filters][0]"
        params.update({f"{prefix}[field]": field, f"{prefix}[value]": value, f"{prefix}[condition_type]": condition})
    params.update({"searchCriteria[sortOrders][0][field]": "entity_id",
                   "searchCriteria[sortOrders][0][direction]": "ASC",
                   "searchCriteria[pageSize]": str(page_size), "searchCriteria[currentPage]": "1"})
    if fields:
        params["fields"] = fields
    return params


def answer(http, path, params, items, total):
    http.add(responses.GET, f"{RECORDED_BASE}/rest/V1{path}", json={"items": items, "total_count": total},
             match=[responses.matchers.query_param_matcher(params)])


def small_page_store():
    store = broken_store("none")
    store.config = {"page_size": 2}
    store.save()
    return store


@pytest.mark.django_db
def test_the_profile_scan_asks_for_the_ids_after_the_last_read_and_reports_each_page_once_yielded(http):
    customers = magento_customers(5)
    http.add(responses.GET, f"{RECORDED_BASE}/rest/V1/store/websites", json=WEBSITES)
    answer(http, "/customers/search", criteria(), customers[0:2], 5)
    answer(http, "/customers/search", criteria(("entity_id", "2", "gt")), customers[2:4], 3)
    answer(http, "/customers/search", criteria(("entity_id", "4", "gt")), customers[4:], 1)  # total reached
    for ids in ("1,2", "3,4", "5"):
        answer(http, "/orders", criteria(("customer_id", ids, "in"), fields=ROLLUP_FIELDS), [], 0)
    source = get_source(small_page_store())
    events = []
    source.page_done = events.append
    events.extend(c.source_id for c in source.customers(None))
    assert events == ["1", "2", {"stream": "profiles", "after_id": 2}, "3", "4", {"stream": "profiles", "after_id": 4},
                      "5", {"stream": "profiles", "after_id": 5, "end": True}]
    assert source.resumable and source.position == {"stream": "changed_orders", "after_id": 0}


@pytest.mark.django_db
def test_a_resumed_profile_scan_starts_after_the_last_page_read(http):
    customers = magento_customers(5)
    http.add(responses.GET, f"{RECORDED_BASE}/rest/V1/store/websites", json=WEBSITES)
    answer(http, "/customers/search", criteria(("entity_id", "4", "gt")), customers[4:], 1)
    answer(http, "/orders", criteria(("customer_id", "5", "in"), fields=ROLLUP_FIELDS), [], 0)
    source = get_source(small_page_store())
    assert [c.source_id for c in source.customers(None, resume={"stream": "profiles", "after_id": 4})] == ["5"]
    assert unquote_plus(http.calls[0].request.url) == (
        f"{RECORDED_BASE}/rest/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=entity_id"
        "&searchCriteria[filter_groups][0][filters][0][value]=4&searchCriteria[filter_groups][0][filters][0]"
        "[condition_type]=gt&searchCriteria[sortOrders][0][field]=entity_id&searchCriteria[sortOrders][0][direction]"
        "=ASC&searchCriteria[pageSize]=2&searchCriteria[currentPage]=1")


@pytest.mark.django_db
def test_a_resumed_incremental_read_goes_on_with_the_changed_orders_after_the_last_page_read(http):
    customers = magento_customers(5)
    since = datetime(2018, 10, 1, tzinfo=UTC)
    older, changed = (
        {"entity_id": n, "customer_id": 3, "state": "complete", "status": "complete", "base_grand_total": 10,
         "total_refunded": 0, "created_at": "2018-09-01 10:00:00", "updated_at": updated}
        for n, updated in ((3001, "2018-09-01 10:00:00"), (3004, "2018-10-02 11:00:00")))
    http.add(responses.GET, f"{RECORDED_BASE}/rest/V1/store/websites", json=WEBSITES)
    answer(http, "/orders", criteria(("updated_at", "2018-10-01 00:00:00", "gteq"), ("customer_id", "", "notnull"),
                                     ("entity_id", "3003", "gt"), fields=ROLLUP_FIELDS), [changed], 1)
    answer(http, "/customers/search", criteria(("entity_id", "3", "in")), [customers[2]], 1)  # its profile
    answer(http, "/orders", criteria(("customer_id", "3", "in"), fields=ROLLUP_FIELDS), [older, changed], 2)
    source = get_source(small_page_store())
    done = []
    source.page_done = done.append
    [customer] = source.customers(since, resume={"stream": "changed_orders", "after_id": 3003})
    assert (customer.source_id, customer.order_count, customer.total_order_value) == ("3", 2, Decimal("20"))
    assert done == [{"stream": "changed_orders", "after_id": 3004, "end": True}]  # no profile scan: read before


@pytest.mark.django_db
def test_the_order_stream_and_the_id_scan_resume_after_the_last_id_read(http):
    customers = magento_customers(5)
    order = magento_orders(customers)[3]
    answer(http, "/orders", criteria(("entity_id", "3003", "gt")), [order], 1)
    answer(http, "/customers/search", criteria(("entity_id", "2", "gt"), fields="items[id],total_count"),
           [{"id": 3}, {"id": 4}], 3)
    answer(http, "/customers/search", criteria(("entity_id", "4", "gt"), fields="items[id],total_count"),
           [{"id": 5}], 1)
    source = get_source(small_page_store())
    done = []
    source.page_done = done.append
    assert [o.source_id for o in source.orders(None, resume={"stream": "orders", "after_id": 3003})] == ["3004"]
    assert list(source.all_ids(resume={"stream": "ids", "after_id": 2})) == ["3", "4", "5"]
    assert done == [{"stream": "orders", "after_id": 3004, "end": True}, {"stream": "ids", "after_id": 4},
                    {"stream": "ids", "after_id": 5, "end": True}]
    # A stream resumed after its last page asks for nothing more (no request is registered for it).
    assert list(source.all_ids(resume=done[-1])) == [] and list(source.orders(None, resume=done[0])) == []


class SliceOver(Exception):
    pass


@SANDBOX
def test_resuming_after_deletions_and_changes_neither_skips_nor_repeats_a_customer(store_sandbox):
    shop = store_sandbox.magento(customers=14, seed="resume")
    source = get_source(store_sandbox.app_store(shop, config={"page_size": 5}))
    everyone = [str(pk) for pk in SandboxCustomer.objects.filter(store=shop).order_by("pk").values_list("pk",
                                                                                                        flat=True)]
    positions, first_pages = [], []

    def page_done(position):
        positions.append(position)
        if len(positions) == 2:
            raise SliceOver  # two pages read to the end: the slice stops, as the reader's would

    source.page_done = page_done
    with pytest.raises(SliceOver):
        first_pages.extend(c.source_id for c in source.customers(None))
    # Between the slices: two customers already read are deleted (offset pages would shift everyone after them
    # back by two, onto pages already read) and one already read changes (sorted by updated_at, it would move).
    SandboxCustomer.objects.filter(pk__in=everyone[:2]).delete()
    SandboxCustomer.objects.filter(pk=everyone[2]).update(date_modified=datetime.now(UTC))
    resumed = get_source(store_sandbox.app_store(shop, name="Same shop", config={"page_size": 5}))
    rest = [c.source_id for c in resumed.customers(None, resume=positions[-1])]
    assert first_pages == everyone[:10] and positions[-1] == {"stream": "profiles", "after_id": int(everyone[9])}
    assert rest == everyone[10:]  # every later customer, once

"""Store reads over one keep-alive session whose adapter retries flaky pages (urllib3's Retry)."""

import re

import pytest
import responses

from integrations.stores.models import Store
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.http import RETRY_AFTER_CAP, StoreHTTP, read_retry, store_session
from integrations.stores.sources.woocommerce import WooCommerceSource

BASE = "https://shop.example.com"
CUSTOMERS = re.compile(re.escape(BASE) + r"/wp-json/wc/v3/customers.*")


def woo_store():
    store = Store.objects.create(name="Flaky", kind="woocommerce", base_url=BASE)
    store.set_credentials({"consumer_key": "ck_" + "1" * 40, "consumer_secret": "cs_" + "2" * 40})
    store.save()
    return store


@pytest.fixture(autouse=True)
def _no_dns(settings):
    settings.ALLOW_PRIVATE_STORE_URLS = True  # the recorded host needs no DNS lookup


@pytest.mark.django_db
def test_a_503_page_then_a_good_one_reads_through(http):
    http.add(responses.GET, CUSTOMERS, status=503, body="<h1>Service Unavailable</h1>", content_type="text/html")
    http.add(responses.GET, CUSTOMERS, json=[], headers={"X-WP-TotalPages": "1"})
    assert WooCommerceSource(woo_store()).http.get("/wp-json/wc/v3/customers").json() == []
    assert [call.response.status_code for call in http.calls] == [503, 200]


@pytest.mark.django_db
def test_a_429_is_retried_and_a_store_that_keeps_failing_still_fails_readably(http):
    http.add(responses.GET, CUSTOMERS, status=429, json={"code": "too_many"}, headers={"Retry-After": "0"})
    with pytest.raises(SourceError) as caught:
        list(WooCommerceSource(woo_store()).customers(None))
    assert len(http.calls) == 4  # the first try and 3 retries, then the answer is given up on
    assert "429" in caught.value.message or "too_many" in caught.value.message


def test_writes_are_not_retried(http):
    http.add(responses.POST, f"{BASE}/hook", status=503)
    response = StoreHTTP(BASE).request("POST", f"{BASE}/hook")
    assert response.status_code == 503 and len(http.calls) == 1


def test_the_retry_is_bounded_and_honours_a_capped_retry_after():
    retry = read_retry()
    assert (retry.total, retry.status, retry.connect, retry.read) == (3, 3, 2, 1)
    assert {429, 500, 502, 503, 504} <= set(retry.status_forcelist)
    assert "GET" in retry.allowed_methods and "POST" not in retry.allowed_methods
    assert retry.respect_retry_after_header and retry.backoff_max <= 10

    class Answer:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    assert retry.get_retry_after(Answer("5")) == 5
    assert retry.get_retry_after(Answer("600")) == RETRY_AFTER_CAP


def test_one_session_per_store_carries_the_retrying_adapter_on_both_schemes():
    session = store_session(auth=("ck", "cs"), headers={"X-Extra": "1"})
    assert session.get_adapter(f"{BASE}/x").max_retries.total == 3
    assert session.get_adapter("http://shop.example.com/x").max_retries.total == 3
    assert session.auth == ("ck", "cs") and session.headers["X-Extra"] == "1"

"""The one contract every store source passes (allauth's OAuth2TestsMixin idea, for sources).

Subclasses (named Test…) supply a way to build sources; this base is not collected by itself.

    make_source() -> (source, expected_ids)   a source whose customer listing spans ≥ 2 pages of
                                              PAGE_SIZE items (store.config["page_size"] = PAGE_SIZE)
    make_failing_source(failure) -> source    failure ∈ FAILURES; the first request fails that way
    listing_requests() -> [url]               the customer-listing page requests made so far
    assert_checkpoint_sent(urls, since)       the `since` checkpoint reached the API as its filter
"""

import inspect
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.stores.sources.base import MAPPABLE_FIELDS, CheckResult, Customer
from integrations.stores.sources.errors import SourceError

PAGE_SIZE = 5
FAILURES = {
    # failure → words the readable message must contain
    "bad_key": ("rejected", "401"),
    "no_route": ("404",),
    "tls": ("TLS",),
    "timeout": ("Timed out",),
}


class SourceContract:
    failures = FAILURES  # a subclass may name its API's own words for each failure

    def make_source(self):
        raise NotImplementedError

    def make_failing_source(self, failure):
        raise NotImplementedError

    def listing_requests(self) -> list[str]:
        raise NotImplementedError

    def assert_checkpoint_sent(self, urls: list[str], since: datetime):
        raise NotImplementedError

    def all_request_urls(self) -> list[str]:
        return [call.request.url for call in self.http.calls]

    @pytest.fixture(autouse=True)
    def _contract_http(self, http):
        self.http = http

    # The contract

    def test_it_yields_customers_in_the_shared_shape(self):
        source, expected_ids = self.make_source()
        customers = list(source.customers(None))
        assert customers, "the source yielded nothing"
        for customer in customers:
            assert isinstance(customer, Customer)
            assert customer.source_id and isinstance(customer.source_id, str)
            assert customer.updated_at.tzinfo is not None and customer.updated_at.utcoffset() == timedelta(0)
            assert isinstance(customer.balance, Decimal) and isinstance(customer.total_order_value, Decimal)
            assert isinstance(customer.order_count, int) and isinstance(customer.newsletter, bool)
            for name in MAPPABLE_FIELDS:
                assert customer.field(name) is not None, name
            assert customer.has_purchased or customer.order_count == 0
            assert customer.store.startswith(source.store.name)
            assert customer.store_url == source.store.base_url.rstrip("/")
        assert {c.source_id for c in customers} == expected_ids

    def test_it_follows_every_page(self):
        source, expected_ids = self.make_source()
        list(source.customers(None))
        assert len(self.listing_requests()) >= 2

    def test_it_streams_page_by_page(self):
        source, _ = self.make_source()
        stream = source.customers(None)
        assert inspect.isgenerator(stream)
        assert self.all_request_urls() == [], "nothing is requested before the first customer is asked for"
        next(stream)
        assert len(self.listing_requests()) == 1
        for _ in range(PAGE_SIZE - 1):
            next(stream)
        assert len(self.listing_requests()) == 1, "page 2 is requested only when page 1 is used up"
        next(stream)
        assert len(self.listing_requests()) == 2

    def test_it_sends_the_checkpoint_and_filters_inclusively(self):
        source, _ = self.make_source()
        everything = list(source.customers(None))
        since = sorted(c.updated_at for c in everything)[len(everything) // 2]
        self.http.calls.reset()
        changed = list(source.customers(since))
        self.assert_checkpoint_sent(self.all_request_urls(), since)
        assert changed and all(c.updated_at >= since for c in changed)
        assert {c.source_id for c in changed} == {c.source_id for c in everything if c.updated_at >= since}
        assert len({c.source_id for c in changed}) == len(changed), "each changed customer is yielded once"

    def test_sorted_sources_yield_ascending_updated_at(self):
        source, _ = self.make_source()
        stamps = [c.updated_at for c in source.customers(None)]
        assert isinstance(source.is_sorted, bool)
        if source.is_sorted:
            assert stamps == sorted(stamps)

    def test_all_ids_lists_every_registered_customer(self):
        source, expected_ids = self.make_source()
        prefix = source.guest_id_prefix
        registered = {i for i in expected_ids if not (prefix and i.startswith(prefix))}
        assert registered, "the contract needs registered customers"
        assert inspect.isgenerator(source.all_ids())
        assert set(source.all_ids()) == registered

    def test_check_says_connected(self):
        source, _ = self.make_source()
        result = source.check()
        assert isinstance(result, CheckResult)
        assert result.ok, result.message

    @pytest.mark.parametrize("failure", sorted(FAILURES))
    def test_errors_are_readable(self, failure):
        source = self.make_failing_source(failure)
        with pytest.raises(SourceError) as caught:
            list(source.customers(None))
        for word in self.failures[failure]:
            assert word in caught.value.message, caught.value.message
        assert caught.value.permanent == (failure in ("bad_key", "no_route"))

    @pytest.mark.parametrize("failure", sorted(FAILURES))
    def test_check_never_raises_and_says_what_failed(self, failure):
        result = self.make_failing_source(failure).check()
        assert result.ok is False
        for word in self.failures[failure]:
            assert word in result.message, result.message


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)

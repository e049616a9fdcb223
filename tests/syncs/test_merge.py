from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from integrations.stores.sources.base import Customer
from syncs.hashing import payload_hash
from syncs.merge import merge, normalise_email, route, snapshot_data
from syncs.models import CONTACTS, LEADS

T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 2, 1, tzinfo=UTC)


def snap(store_id, updated_at, **fields):
    customer = Customer(source_id="1", email=fields.pop("email", " Ann@Example.com "), updated_at=updated_at, **fields)
    return SimpleNamespace(store_id=store_id, updated_at=updated_at, data=snapshot_data(customer))


def test_it_normalises_emails():
    assert normalise_email("  Ann@Example.COM ") == "ann@example.com"


def test_it_sums_counts_and_totals_and_takes_other_fields_from_the_latest_update():
    person = merge([
        snap(1, T1, firstname="Old", city="Leeds", order_count=1, total_order_value=Decimal("10.10"),
             balance=Decimal("1")),
        snap(2, T2, firstname="New", city="", order_count=2, total_order_value=Decimal("5.05")),
    ])
    assert person["email"] == "ann@example.com"
    assert person["firstname"] == "New"
    assert person["city"] == "Leeds"  # the latest store has none: the older value fills the gap
    assert person["order_count"] == 3
    assert person["total_order_value"] == Decimal("15.15")
    assert person["balance"] == Decimal("1")
    assert person["has_purchased"] is True


def test_it_is_deleted_only_when_deleted_everywhere_and_subscribed_when_subscribed_anywhere():
    person = merge([snap(1, T1, deleted=True), snap(2, T2, newsletter=True)])
    assert person["deleted"] is False and person["newsletter"] is True
    assert merge([snap(1, T1, deleted=True), snap(2, T2, deleted=True)])["deleted"] is True


def test_it_routes_buyers_to_contacts_and_the_rest_to_leads():
    buyer = merge([snap(1, T1, has_purchased=True, order_count=1)])
    registered = merge([snap(1, T1)])
    assert route(buyer, True, True) == CONTACTS
    assert route(registered, True, True) == LEADS
    assert route(buyer, False, True) is None  # DecoNetwork: Leads are customers who have NOT purchased
    assert route(registered, True, False) is None


def test_it_hashes_payloads_stably_regardless_of_key_order():
    assert payload_hash(CONTACTS, {"a": 1, "b": "x"}) == payload_hash(CONTACTS, {"b": "x", "a": 1})
    assert payload_hash(CONTACTS, {"a": 1}) != payload_hash(LEADS, {"a": 1})
    assert payload_hash(CONTACTS, {"a": 1}) != payload_hash(CONTACTS, {"a": 2})


def test_it_leaves_out_the_stores_where_the_person_was_found_deleted():
    gone = snap(1, T2, firstname="Gone", order_count=4, total_order_value=Decimal("40"))
    gone.deleted = True  # the id scan found them missing from store 1
    kept = snap(2, T1, firstname="Kept", order_count=1, total_order_value=Decimal("10"))
    person = merge([gone, kept])
    assert person["deleted"] is False
    assert (person["firstname"], person["order_count"], person["total_order_value"]) == ("Kept", 1, Decimal("10"))
    kept.deleted = True
    assert merge([gone, kept])["deleted"] is True

"""The stores' own fields: discovered once and kept, offered by name with their stores, values typed."""

from decimal import Decimal

import pytest

from sandbox.stores import services
from syncs import store_fields

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_refresh_keeps_what_the_store_has_and_offered_names_the_stores(store_sandbox):
    woo = store_sandbox.woocommerce()
    services.create_customer(woo, email="a@example.com", meta={"loyalty_tier": "Gold", "points": "5"})
    magento = store_sandbox.magento()
    magento.customer_attributes = services.MAGENTO_ATTRIBUTES
    magento.save()
    woo_store = store_sandbox.app_store(woo, name="My Store")
    magento_store = store_sandbox.app_store(magento, name="Partner Store")
    assert store_fields.known(woo_store) == []

    store_fields.refresh(woo_store)
    store_fields.refresh(magento_store)
    woo_store.refresh_from_db()
    assert [f.name for f in store_fields.known(woo_store)] == ["custom:loyalty_tier", "custom:points"]
    offered = store_fields.offered([woo_store, magento_store])
    assert offered["custom:loyalty_tier"] == ("Loyalty tier (My Store, Partner Store)", "text")
    assert offered["custom:points"] == ("Points (My Store)", "integer")
    assert offered["custom:vip"] == ("VIP (Partner Store)", "boolean")


def test_a_key_of_two_kinds_is_text(store_sandbox):
    from integrations.stores.models import Store

    one = Store.objects.create(name="One", kind="woocommerce", base_url="https://one.example.com",
                               config={"custom_fields": [{"key": "since", "label": "Since", "kind": "date"}]})
    two = Store.objects.create(name="Two", kind="woocommerce", base_url="https://two.example.com",
                               config={"custom_fields": [{"key": "since", "label": "Since", "kind": "integer"},
                                                         {"key": "bad", "kind": "weird"}, "junk"]})
    offered = store_fields.offered([one, two])
    assert offered == {"custom:bad": ("bad (Two)", "text"), "custom:since": ("Since (One, Two)", "text")}


@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("12", "integer", 12), ("2.5", "number", Decimal("2.5")), ("lots", "number", None), ("0", "integer", 0),
    ("yes", "boolean", True), (False, "boolean", False), ("2024-01-31 00:00:00", "date", "2024-01-31"),
    ("Gold", "text", "Gold"), ("", "text", None), (None, "integer", None),
])
def test_values_are_typed_by_kind(value, kind, expected):
    assert store_fields.typed(value, kind) == expected


def test_typed_person_touches_only_custom_values():
    person = {"email": "a@example.com", "order_count": 3, "custom:points": "7", "custom:tier": "Gold"}
    assert store_fields.typed_person(person, {"custom:points": "integer"}) == {
        "email": "a@example.com", "order_count": 3, "custom:points": 7, "custom:tier": "Gold"}

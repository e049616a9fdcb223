"""Products, the stores' own customer fields and order line details, read from the sandbox shops over HTTP."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.stores.sources import get_source
from integrations.stores.sources.base import CustomField
from sandbox.stores import services

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
WHEN = datetime(2025, 3, 1, 12, tzinfo=UTC)


def catalogue(shop):
    hoodie = services.add_product(shop, "Team Hoodie", "HOOD", "39.00")
    services.add_product(shop, "Team Hoodie", "HOOD-S", "39.00", parent=hoodie, attributes={"Size": "S"})
    large = services.add_product(shop, "Team Hoodie", "HOOD-L", "41.00", parent=hoodie, attributes={"Size": "L"})
    services.add_product(shop, "Logo Cap", "CAP", "12.00")
    services.add_product(shop, "Retired Scarf", "SCARF", "15.00", active=False)
    if shop.kind == "woocommerce":  # Magento requires a SKU
        services.add_product(shop, "No SKU", "", "1.00")
    return large


def test_woocommerce_products_are_simple_products_and_variations(store_sandbox):
    shop = store_sandbox.woocommerce()
    catalogue(shop)
    products = list(get_source(store_sandbox.app_store(shop)).products())
    assert [(p.sku, p.name, p.price, p.active) for p in products] == [
        ("HOOD-S", "Team Hoodie - S", Decimal("39.00"), True),
        ("HOOD-L", "Team Hoodie - L", Decimal("41.00"), True),
        ("CAP", "Logo Cap", Decimal("12.00"), True),
        ("SCARF", "Retired Scarf", Decimal("15.00"), False),
    ]
    assert any("/wc/v3/products/" in r and "/variations" in r for r in store_sandbox.requests)


def test_woocommerce_variations_of_a_draft_product_are_inactive(store_sandbox):
    shop = store_sandbox.woocommerce()
    hoodie = services.add_product(shop, "Hoodie", "H", "10.00", active=False)
    services.add_product(shop, "Hoodie", "H-M", "10.00", parent=hoodie, attributes={"Size": "M"})
    (variation,) = get_source(store_sandbox.app_store(shop)).products()
    assert (variation.sku, variation.active) == ("H-M", False)


def test_magento_products_leave_out_configurable_parents(store_sandbox):
    shop = store_sandbox.magento()
    catalogue(shop)
    products = list(get_source(store_sandbox.app_store(shop)).products())
    assert [(p.sku, p.price, p.active) for p in products] == [
        ("HOOD-S", Decimal("39.0"), True), ("HOOD-L", Decimal("41.0"), True), ("CAP", Decimal("12.0"), True),
        ("SCARF", Decimal("15.0"), False)]


def test_woocommerce_custom_fields_are_public_meta_keys_with_inferred_kinds(store_sandbox):
    shop = store_sandbox.woocommerce()
    services.create_customer(shop, email="a@example.com", first_name="Ann", newsletter=True,
                             meta={"loyalty_tier": "Gold", "points": "120", "_session": "x", "birthday": "1990-05-01"})
    services.create_customer(shop, email="b@example.com", first_name="Bob",
                             meta={"loyalty_tier": "Silver", "points": "7", "vip_since": "2020-01-01"})
    source = get_source(store_sandbox.app_store(shop))
    assert source.custom_fields() == [
        CustomField("birthday", "Birthday", "date"), CustomField("loyalty_tier", "Loyalty tier", "text"),
        CustomField("points", "Points", "integer"), CustomField("vip_since", "Vip since", "date")]
    ann = next(c for c in source.customers(None) if c.email == "a@example.com")
    assert ann.custom == (("birthday", "1990-05-01"), ("loyalty_tier", "Gold"), ("points", "120"))
    assert ann.field("custom:loyalty_tier") == "Gold" and ann.field("custom:vip_since") is None


def test_magento_custom_fields_come_with_their_types_and_labels(store_sandbox):
    shop = store_sandbox.magento()
    shop.customer_attributes = services.MAGENTO_ATTRIBUTES
    shop.save()
    services.create_customer(shop, email="a@example.com", first_name="Ann", meta={
        "loyalty_tier": "13", "vip": "1", "customer_since": "2019-04-02 00:00:00", "account_manager": ""})
    source = get_source(store_sandbox.app_store(shop))
    assert source.custom_fields() == [
        CustomField("loyalty_tier", "Loyalty tier", "text"), CustomField("customer_since", "Customer since", "date"),
        CustomField("vip", "VIP", "boolean"), CustomField("account_manager", "Account manager", "text")]
    (ann,) = source.customers(None)
    assert ann.custom == (("customer_since", "2019-04-02"), ("loyalty_tier", "Gold"), ("vip", True))


@pytest.mark.parametrize("kind", ["woocommerce", "magento"])
def test_order_lines_carry_product_list_price_discount_and_tax(store_sandbox, kind):
    shop = getattr(store_sandbox, kind)()
    large = catalogue(shop)
    cap = shop.products.get(sku="CAP")
    customer = services.create_customer(shop, email="buyer@example.com", first_name="Bo", last_name="Buyer")
    services.create_order(shop, customer, when=WHEN, line_items=[
        services.line_item(large, 2, discount="8.20", tax="7.38"), services.line_item(cap, 1)])
    (order,) = get_source(store_sandbox.app_store(shop)).orders(None)
    hoodie, cap_line = order.lines
    assert (hoodie.sku, hoodie.product_id, hoodie.quantity) == ("HOOD-L", str(large.pk), Decimal("2"))
    assert (hoodie.unit_price, hoodie.discount, hoodie.tax, hoodie.total) == (
        Decimal("41"), Decimal("8.2"), Decimal("7.38"), Decimal("73.8"))
    assert (cap_line.unit_price, cap_line.discount, cap_line.tax) == (Decimal("12"), Decimal("0"), Decimal("0"))


def test_demo_stores_have_a_catalogue_and_lines_linked_to_it(store_sandbox):
    shop = store_sandbox.woocommerce(customers=30)
    skus = {p.sku for p in get_source(store_sandbox.app_store(shop)).products()}
    assert {"POLO-EMB", "HOOD-TM-M", "SCF-OLD"} <= skus and "HOOD-TM" not in skus
    lines = [line for order in shop.orders.all() for line in order.line_items]
    assert lines and all(line["sku"] in skus and line.get("product_id") for line in lines)
    assert any(Decimal(line["tax"]) > 0 for line in lines)
    for order in shop.orders.all():
        assert order.total == sum(Decimal(i["price"]) * i["quantity"] - Decimal(i["discount"]) + Decimal(i["tax"])
                                  for i in order.line_items)

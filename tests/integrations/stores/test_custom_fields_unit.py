"""Store shapes the sandbox does not produce: newer WooCommerce variation names, Magento's configurable order
lines, a store refusing the attribute metadata, plugin meta that is not a value."""

import re
from decimal import Decimal

import pytest
import responses

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.custom_fields import infer_kind, woo_fields, woo_values
from integrations.stores.sources.magento import order_lines

pytestmark = pytest.mark.django_db
WOO = "https://woo.example.com"
MAGENTO = "https://magento.example.com"


def store(kind, base):
    row = Store(name="Shop", kind=kind, base_url=base)
    row.set_credentials({"consumer_key": "ck_x", "consumer_secret": "cs_x"} if kind == "woocommerce"
                        else {"access_token": "token"})
    row.save()
    return row


def page(http, url, body, total=None):
    headers = {"X-WP-Total": str(total or len(body)), "X-WP-TotalPages": "1"}
    http.add(responses.GET, re.compile(re.escape(url) + r"(\?.*)?$"), json=body, headers=headers)


def test_a_variation_keeps_the_name_newer_woocommerce_sends(http):
    page(http, f"{WOO}/wp-json/wc/v3/products", [
        {"id": 5, "type": "variable", "name": "Hoodie", "status": "publish", "sku": "H"}])
    page(http, f"{WOO}/wp-json/wc/v3/products/5/variations", [
        {"id": 6, "name": "Hoodie - Red", "sku": "H-RED", "regular_price": "", "price": "30", "status": "publish",
         "attributes": [{"name": "Colour", "option": "Red"}]},
        {"id": 7, "sku": "", "price": "30", "status": "publish"},  # no SKU: not a Zoho product
        "garbage",
    ])
    source = get_source(store("woocommerce", WOO))
    (red,) = source.products()
    assert (red.source_id, red.sku, red.name, red.price, red.active) == ("6", "H-RED", "Hoodie - Red",
                                                                         Decimal("30"), True)
    assert len(source.take_rejected()) == 1


def test_woocommerce_discovery_skips_private_and_structured_meta(http):
    page(http, f"{WOO}/wp-json/wc/v3/customers", [
        {"id": 2, "meta_data": [{"key": "_wc_data", "value": "x"}, {"key": "prefs", "value": {"a": 1}},
                                {"key": "newsletter_subscribed", "value": "yes"}, {"key": "score", "value": 3.5}]},
        {"id": 1, "meta_data": [{"key": "score", "value": "4"}, {"key": "club", "value": True}]},
    ])
    fields = get_source(store("woocommerce", WOO)).custom_fields()
    assert [(f.key, f.kind) for f in fields] == [("club", "text"), ("score", "number")]
    assert "_fields=id%2Cmeta_data" in http.calls[0].request.url


def test_magento_customers_sync_without_custom_values_when_the_metadata_is_refused(http):
    customer = {"id": 1, "email": "a@example.com", "firstname": "A", "lastname": "B", "website_id": 1,
                "created_at": "2024-01-01 00:00:00", "updated_at": "2024-01-02 00:00:00",
                "custom_attributes": [{"attribute_code": "tier", "value": "3"}]}
    http.add(responses.GET, re.compile(re.escape(MAGENTO) + r"/rest/V1/customers/search.*"),
             json={"items": [customer], "total_count": 1})
    http.add(responses.GET, re.compile(re.escape(MAGENTO) + r"/rest/V1/orders.*"),
             json={"items": [], "total_count": 0})
    http.add(responses.GET, f"{MAGENTO}/rest/V1/attributeMetadata/customer/custom",
             json={"message": "The consumer isn't authorized to access %resources.",
                   "parameters": {"resources": "Magento_Customer::customer"}}, status=401)
    http.add(responses.GET, f"{MAGENTO}/rest/V1/store/websites", json=[{"id": 1, "name": "Main"}])
    (only,) = get_source(store("magento", MAGENTO)).customers(None)
    assert only.email == "a@example.com" and only.custom == ()


def test_magento_configurable_lines_count_once_with_their_price():
    lines = order_lines([
        {"item_id": 1, "sku": "H-RED", "name": "Hoodie", "product_type": "configurable", "product_id": 5,
         "qty_ordered": 2, "price": 30, "row_total": 60, "discount_amount": 6, "tax_amount": 5.4},
        {"item_id": 2, "sku": "H-RED", "name": "Hoodie-Red", "product_type": "simple", "product_id": 6,
         "parent_item_id": 1, "qty_ordered": 2, "price": 0, "row_total": 0},
    ])
    (line,) = lines
    assert (line.sku, line.quantity, line.unit_price, line.discount, line.tax, line.total) == (
        "H-RED", Decimal("2"), Decimal("30"), Decimal("6"), Decimal("5.4"), Decimal("54"))


@pytest.mark.parametrize(("values", "kind"), [
    ([], "text"), (["1", "-20"], "integer"), (["1", "2.5"], "number"), (["2024-01-31"], "date"),
    (["2024-01-31", "soon"], "text"),
])
def test_the_kind_is_the_narrowest_every_value_fits(values, kind):
    assert infer_kind(values) == kind


def test_meta_values_are_scalars_by_key():
    meta = [{"key": "a", "value": 1}, {"key": "b", "value": ""}, {"key": "c", "value": ["x"]}, "junk",
            {"key": "d", "value": False}]
    assert woo_values(meta) == (("a", "1"), ("d", "no"))
    assert woo_fields([{"meta_data": meta}, None]) and woo_fields([]) == []

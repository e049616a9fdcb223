"""Products and Sales Order lines as Zoho takes them."""

import pytest

from syncs.sales_orders import MissingProduct, line_details, product_payload, status_for


def test_a_product_is_named_priced_and_active_by_its_sku():
    assert product_payload({"sku": "TEE", "name": "T" * 250, "price": "14.90", "active": True}) == {
        "Product_Name": "T" * 200, "Product_Code": "TEE", "Unit_Price": 14.9, "Product_Active": True}
    assert product_payload({"sku": "OLD", "name": "", "price": None, "active": False})["Product_Name"] == "OLD"


def test_lines_carry_quantity_list_price_discount_and_tax_as_a_percentage():
    lines = [{"sku": "HOOD-L", "name": "Hoodie - L", "quantity": "2", "unit_price": "41", "discount": "8.2",
              "tax": "7.38"},
             {"sku": "CAP", "quantity": "1", "unit_price": "12", "discount": "0", "tax": "0"}]
    assert line_details(lines, {"HOOD-L": "11", "CAP": "12"}, "Sales Tax") == [
        {"product": {"id": "11"}, "quantity": 2.0, "list_price": 41.0, "Discount": 8.2,
         "line_tax": [{"name": "Sales Tax", "percentage": 10.0}]},
        {"product": {"id": "12"}, "quantity": 1.0, "list_price": 12.0, "Discount": 0.0},
    ]


def test_a_line_without_sku_or_product_is_refused_with_the_reason():
    with pytest.raises(MissingProduct, match="has no SKU"):
        line_details([{"sku": "", "name": "Gift wrap"}], {}, "Tax")
    with pytest.raises(MissingProduct, match="TEE of line 1 is not in Zoho"):
        line_details([{"sku": "TEE", "quantity": 1}], {}, "Tax")


@pytest.mark.parametrize(("status", "expected"), [
    ("processing", "Approved"), ("completed", "Delivered"), ("complete", "Delivered"), ("cancelled", "Cancelled"),
    ("refunded", "Cancelled"), ("closed", "Cancelled"), ("pending", "Created"), ("anything-else", "Created"),
])
def test_the_order_status_sets_the_sales_orders(status, expected):
    assert status_for(status) == expected

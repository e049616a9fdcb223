"""What Zoho's inventory modules get from a store: a Product per SKU, and per order a Sales Order whose
`Product_Details` lines name those Products.

Zoho takes a line as `{"product": {"id"}, "quantity", "list_price", "Discount", "line_tax": [{"name",
"percentage"}]}` and computes the totals itself. A store gives the tax as an amount, so it is sent as the
percentage of the line's discounted amount that gives that amount back (`line_tax` names the org's tax,
`SyncSettings.sales_order_tax_name`). The order's status sets the Sales Order's: cancelled, refunded and
failed orders are Cancelled.
"""

from decimal import Decimal

from syncs.mapping import to_number

# Zoho's standard Sales Order statuses for WooCommerce's and Magento's order statuses.
STATUSES = {
    "pending": "Created", "on-hold": "Created", "new": "Created", "holded": "Created", "payment_review": "Created",
    "pending_payment": "Created",
    "processing": "Approved",
    "completed": "Delivered", "complete": "Delivered",
    "cancelled": "Cancelled", "canceled": "Cancelled", "refunded": "Cancelled", "closed": "Cancelled",
    "failed": "Cancelled",
}
DEFAULT_STATUS = "Created"
PRODUCT_NAME_LENGTH = 200
PERCENT = Decimal("0.0001")


def status_for(order_status: str) -> str:
    return STATUSES.get(order_status, DEFAULT_STATUS)


def product_payload(data: dict) -> dict:
    """A product snapshot's data (sku, name, price, active) as a Zoho Product."""
    return {
        "Product_Name": (data.get("name") or data["sku"])[:PRODUCT_NAME_LENGTH],
        "Product_Code": data["sku"],
        "Unit_Price": float(to_number(data.get("price"))),
        "Product_Active": bool(data.get("active")),
    }


def line_product(line: dict) -> dict:
    """A Product for a line whose SKU the catalogue no longer has (a deleted product): from the line itself,
    not active."""
    return {"sku": line["sku"], "name": line.get("name") or line["sku"], "price": line.get("unit_price"),
            "active": False}


class MissingProduct(Exception):
    def __init__(self, sku: str, message: str):
        super().__init__(message)
        self.sku, self.message = sku, message


def line_details(lines: list[dict], product_ids: dict[str, str], tax_name: str) -> list[dict]:
    """The order's lines as `Product_Details`; MissingProduct when a line has no SKU or its Product is not in
    Zoho (yet)."""
    details = []
    for number, line in enumerate(lines, start=1):
        sku = (line.get("sku") or "").strip()
        if not sku:
            raise MissingProduct("", f"Line {number} ({line.get('name') or 'no name'}) has no SKU: Zoho's Products "
                                     "are matched by SKU (Product_Code). Give the product a SKU in the store.")
        if sku not in product_ids:
            raise MissingProduct(sku, f"The product {sku} of line {number} is not in Zoho's Products yet.")
        quantity, price = to_number(line.get("quantity")), to_number(line.get("unit_price"))
        discount, tax = to_number(line.get("discount")), to_number(line.get("tax"))
        detail = {"product": {"id": product_ids[sku]}, "quantity": float(quantity), "list_price": float(price),
                  "Discount": float(discount)}
        taxable = quantity * price - discount
        if tax and taxable > 0:
            percentage = (Decimal(tax) / Decimal(taxable) * 100).quantize(PERCENT)
            detail["line_tax"] = [{"name": tax_name, "percentage": float(percentage)}]
        details.append(detail)
    return details

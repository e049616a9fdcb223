"""Line items of the inventory modules (Sales_Orders' `Product_Details`): their checks and Zoho's sums.

A write gives each line as `{"product": {"id": …}, "quantity": n, "list_price": p, "Discount": d,
"line_tax": [{"name": …, "percentage": r}]}`. Each line must name a live Product (else INVALID_DATA on that
line's `product`), a positive quantity and non-negative amounts. The list given replaces the record's lines.
Zoho computes the rest: `total` = list price × quantity, `total_after_discount`, the line's `Tax` from its
`line_tax` percentages, `net_total`; the record's `Sub_Total` (sum of net totals), `Tax` and `Grand_Total`
(Sub_Total − Discount + Adjustment).
"""

from decimal import Decimal

from .validation import ID, RecordError

MONEY = Decimal("0.01")


def _invalid(index: int, line: int, key: str, **extra) -> RecordError:
    return RecordError("INVALID_DATA", "invalid data", {
        **extra, "api_name": key, "json_path": f"$.data[{index}].Product_Details[{line}].{key}",
    })


def _number(value, index: int, line: int, key: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(index, line, key, expected_data_type="double")
    number = Decimal(str(value))
    if number < 0 or (positive and number == 0):
        raise _invalid(index, line, key, expected_data_type="double")
    return number


def _taxes(value, index: int, line: int) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(index, line, "line_tax", expected_data_type="jsonarray")
    taxes = []
    for tax in value:
        if not isinstance(tax, dict) or not isinstance(tax.get("name"), str) or not tax["name"].strip():
            raise _invalid(index, line, "line_tax", expected_data_type="jsonobject")
        percentage = _number(tax.get("percentage"), index, line, "line_tax")
        if percentage > 100:
            raise _invalid(index, line, "line_tax", maximum_value=100)
        taxes.append({"name": tax["name"].strip(), "percentage": percentage})
    return taxes


def clean_lines(value, index: int, product, next_id) -> list[dict]:
    """Stored lines of one record, or RecordError. `product(id)` gives a live Product's data or None;
    `next_id()` a new line id."""
    if not isinstance(value, list):
        raise RecordError("INVALID_DATA", "invalid data", {"expected_data_type": "jsonarray",
                          "api_name": "Product_Details", "json_path": f"$.data[{index}].Product_Details"})
    lines = []
    for number, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise _invalid(index, number, "product", expected_data_type="jsonobject")
        reference = raw.get("product")
        record_id = str(reference.get("id", "")) if isinstance(reference, dict) else ""
        found = product(record_id) if ID.match(record_id) else None
        if found is None:
            raise _invalid(index, number, "product", expected_data_type="lookup")
        quantity = _number(raw.get("quantity"), index, number, "quantity", positive=True)
        price = raw.get("list_price")
        list_price = (_number(price, index, number, "list_price") if price is not None
                      else Decimal(str(found.get("Unit_Price") or 0)))
        total = (list_price * quantity).quantize(MONEY)
        discount = _number(raw.get("Discount", 0), index, number, "Discount")
        if discount > total:
            raise _invalid(index, number, "Discount", maximum_value=float(total))
        after_discount = total - discount
        taxes = _taxes(raw.get("line_tax"), index, number)
        for tax in taxes:
            tax["value"] = (after_discount * tax["percentage"] / 100).quantize(MONEY)
        tax_total = sum((tax["value"] for tax in taxes), Decimal("0"))
        lines.append({
            "product": {"name": found.get("Product_Name"), "Product_Code": found.get("Product_Code"),
                        "id": record_id},
            "quantity": float(quantity), "list_price": float(list_price), "unit_price": float(list_price),
            "total": float(total), "Discount": float(discount), "total_after_discount": float(after_discount),
            "Tax": float(tax_total), "net_total": float(after_discount + tax_total),
            "line_tax": [{"name": t["name"], "percentage": float(t["percentage"]), "value": float(t["value"])}
                         for t in taxes],
            "product_description": raw.get("product_description") if isinstance(
                raw.get("product_description"), str) else None,
            "book": None, "id": next_id(),
        })
    if not lines:
        raise RecordError("MANDATORY_NOT_FOUND", "required field not found",
                          {"api_name": "Product_Details", "json_path": f"$.data[{index}].Product_Details"})
    return lines


def with_totals(data: dict) -> dict:
    """The record's data with Zoho's computed sums, from its lines and its own Discount and Adjustment."""
    lines = data.get("Product_Details") or []
    sub_total = sum((Decimal(str(line["net_total"])) for line in lines), Decimal("0"))
    tax = sum((Decimal(str(line["Tax"])) for line in lines), Decimal("0"))
    discount = Decimal(str(data.get("Discount") or 0))
    adjustment = Decimal(str(data.get("Adjustment") or 0))
    return {**data, "Sub_Total": float(sub_total), "Tax": float(tax),
            "Grand_Total": float(sub_total - discount + adjustment)}

"""Products and Sales_Orders in the sandbox org: Zoho's standard fields, line items checked line by line, and
the sums Zoho computes."""

import pytest
import requests

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def product(crm, code, price=10.0, name=None):
    body = {"data": [{"Product_Name": name or f"Product {code}", "Product_Code": code, "Unit_Price": price,
                      "Product_Active": True}]}
    entry = crm("POST", "Products", json=body).json()["data"][0]
    assert entry["code"] == "SUCCESS", entry
    return entry["details"]["id"]


def account(crm, name="Acme Corp"):
    return crm("POST", "Accounts", json={"data": [{"Account_Name": name}]}).json()["data"][0]["details"]["id"]


def test_the_modules_and_their_standard_fields_are_listed(crm):
    modules = {m["api_name"] for m in crm("GET", "settings/modules").json()["modules"]}
    assert {"Products", "Sales_Orders", "Accounts"} <= modules
    listed = crm("GET", "settings/fields", params={"module": "Sales_Orders"}).json()["fields"]
    fields = {f["api_name"]: f for f in listed}
    assert fields["Product_Details"]["data_type"] == "lineitem"
    assert fields["Product_Details"]["json_type"] == "jsonarray"
    assert fields["Subject"]["system_mandatory"] and fields["Account_Name"]["system_mandatory"]
    assert [v["actual_value"] for v in fields["Status"]["pick_list_values"]] == [
        "Created", "Approved", "Delivered", "Cancelled"]
    assert fields["Grand_Total"]["operation_type"]["api_create"] is False
    products = {f["api_name"]: f for f in crm("GET", "settings/fields", params={"module": "Products"}).json()["fields"]}
    assert products["Product_Code"]["data_type"] == "text" and products["Product_Active"]["data_type"] == "boolean"
    assert products["Unit_Price"]["data_type"] == "currency"


def test_a_sales_order_stores_its_lines_and_zoho_computes_the_sums(crm, zoho_sandbox):
    tee, mug = product(crm, "TEE", 14.9, "Printed T-shirt"), product(crm, "MUG", 8.25)
    order = {"Subject": "My Store #1001", "Account_Name": {"id": account(crm)}, "Status": "Created",
             "Product_Details": [
                 {"product": {"id": tee}, "quantity": 2, "list_price": 14.9, "Discount": 1.8,
                  "line_tax": [{"name": "Sales Tax", "percentage": 10}]},
                 {"product": {"id": mug}, "quantity": 1},  # list price: the product's unit price
             ]}
    response = crm("POST", "Sales_Orders", json={"data": [order]})
    assert response.status_code == 201, response.json()
    record_id = response.json()["data"][0]["details"]["id"]

    stored = crm("GET", f"Sales_Orders/{record_id}").json()["data"][0]
    first, second = stored["Product_Details"]
    assert first["product"] == {"name": "Printed T-shirt", "Product_Code": "TEE", "id": tee}
    assert (first["total"], first["total_after_discount"], first["Tax"], first["net_total"]) == (29.8, 28.0, 2.8, 30.8)
    assert first["line_tax"] == [{"name": "Sales Tax", "percentage": 10.0, "value": 2.8}]
    assert (second["list_price"], second["net_total"]) == (8.25, 8.25)
    assert (stored["Sub_Total"], stored["Tax"], stored["Grand_Total"]) == (39.05, 2.8, 39.05)


def test_an_unknown_product_fails_its_own_line_and_only_that_order(crm, zoho_sandbox):
    tee, buyer = product(crm, "TEE"), account(crm)
    good = {"Subject": "#1", "Account_Name": {"id": buyer},
            "Product_Details": [{"product": {"id": tee}, "quantity": 1}]}
    bad = {"Subject": "#2", "Account_Name": {"id": buyer}, "Product_Details": [
        {"product": {"id": tee}, "quantity": 1}, {"product": {"id": "1234567000000000001"}, "quantity": 1}]}
    response = crm("POST", "Sales_Orders/upsert", json={"data": [good, bad]})
    assert response.status_code == 207
    entries = response.json()["data"]
    assert entries[0]["code"] == "SUCCESS"
    assert entries[1] == {"code": "INVALID_DATA", "message": "invalid data", "status": "error", "details": {
        "expected_data_type": "lookup", "api_name": "product", "json_path": "$.data[1].Product_Details[1].product"}}
    assert [r["Subject"] for r in zoho_sandbox.records("Sales_Orders")] == ["#1"]


@pytest.mark.parametrize(("line", "key"), [
    ({"quantity": 0}, "quantity"),
    ({"quantity": "2"}, "quantity"),
    ({"quantity": 1, "list_price": -1}, "list_price"),
    ({"quantity": 1, "list_price": 5, "Discount": 6}, "Discount"),
    ({"quantity": 1, "line_tax": [{"name": "VAT", "percentage": 120}]}, "line_tax"),
])
def test_line_values_are_checked(crm, line, key):
    row = {"Subject": "#1", "Account_Name": {"id": account(crm)},
           "Product_Details": [{"product": {"id": product(crm, "TEE")}, **line}]}
    entry = crm("POST", "Sales_Orders", json={"data": [row]}).json()["data"][0]
    assert entry["code"] == "INVALID_DATA"
    assert entry["details"]["json_path"] == f"$.data[0].Product_Details[0].{key}"


def test_an_order_needs_an_account_and_lines(crm):
    entries = crm("POST", "Sales_Orders", json={"data": [
        {"Subject": "#1", "Product_Details": [{"product": {"id": product(crm, "TEE")}, "quantity": 1}]},
        {"Subject": "#2", "Account_Name": {"id": account(crm)}, "Product_Details": []},
    ]}).json()["data"]
    assert [(e["code"], e["details"]["api_name"]) for e in entries] == [
        ("MANDATORY_NOT_FOUND", "Account_Name"), ("MANDATORY_NOT_FOUND", "Product_Details")]


def test_updating_the_lines_replaces_them_and_the_sums_follow(crm):
    tee, mug = product(crm, "TEE", 10.0), product(crm, "MUG", 5.0)
    row = {"Subject": "My Store #7", "Account_Name": {"id": account(crm)},
           "Product_Details": [{"product": {"id": tee}, "quantity": 3}]}
    record_id = crm("POST", "Sales_Orders", json={"data": [row]}).json()["data"][0]["details"]["id"]
    changed = {"Subject": "My Store #7", "Status": "Cancelled",
               "Product_Details": [{"product": {"id": mug}, "quantity": 2}]}
    entry = crm("POST", "Sales_Orders/upsert", json={"data": [changed], "duplicate_check_fields": ["Subject"]}).json()
    assert entry["data"][0]["action"] == "update" and entry["data"][0]["details"]["id"] == record_id
    stored = crm("GET", f"Sales_Orders/{record_id}").json()["data"][0]
    assert [line["product"]["Product_Code"] for line in stored["Product_Details"]] == ["MUG"]
    assert (stored["Status"], stored["Grand_Total"]) == ("Cancelled", 10.0)


def test_products_upsert_on_a_product_code_made_unique(crm, zoho_sandbox):
    zoho_sandbox.add_custom_field("Products", "Store SKU", unique=True)
    api_name = next(f["api_name"] for f in crm("GET", "settings/fields", params={"module": "Products"}).json()["fields"]
                    if f["field_label"] == "Store SKU")
    rows = [{"Product_Name": "Tee", api_name: "TEE", "Unit_Price": 10.0}]
    first = crm("POST", "Products/upsert", json={"data": rows, "duplicate_check_fields": [api_name]}).json()["data"][0]
    rows[0]["Unit_Price"] = 12.0
    again = crm("POST", "Products/upsert", json={"data": rows, "duplicate_check_fields": [api_name]}).json()["data"][0]
    assert (first["action"], again["action"]) == ("insert", "update")
    assert [p["Unit_Price"] for p in zoho_sandbox.records("Products")] == [12.0]


def test_the_inventory_scopes_are_the_modules_names_without_underscore(zoho_sandbox):
    headers = zoho_sandbox.auth_headers(scopes=["ZohoCRM.modules.salesorders.READ"])
    assert requests.get(f"{zoho_sandbox.crm}/Sales_Orders", params={"fields": "Subject"},
                        headers=headers).status_code == 204
    assert requests.get(f"{zoho_sandbox.crm}/Products", params={"fields": "Product_Name"},
                        headers=headers).status_code == 401

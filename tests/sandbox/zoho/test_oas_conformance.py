"""Sandbox responses against Zoho's OpenAPI specs (tests/sandbox/zoho/oas) plus strict checks."""

import pytest
import requests

from . import oas

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])



def test_it_serves_org_users_modules_and_fields_as_specified(crm):
    org = crm("GET", "org")
    oas.validate(org.json(), oas.response_schema("org.json", "/crm/v8/org", "get"))
    assert org.json()["org"][0]["license_details"]["paid_type"] == "standard"

    users = crm("GET", "users", params={"type": "CurrentUser"})
    oas.validate(users.json(), oas.component("users.json", "Response_Wrapper"))
    assert len(users.json()["users"]) == 1

    modules = crm("GET", "settings/modules")
    oas.validate(modules.json(), oas.response_schema("modules.json", "/crm/v8/settings/modules", "get"))
    assert {m["api_name"] for m in modules.json()["modules"] if m["api_supported"]} == {
        "Leads", "Contacts", "Accounts", "Deals", "Products", "Sales_Orders"}

    for module in ("Contacts", "Leads", "Deals", "Accounts", "Products", "Sales_Orders"):
        fields = crm("GET", "settings/fields", params={"module": module})
        oas.validate(fields.json(), oas.response_schema("fields.json", "/crm/v8/settings/fields", "get"))


def test_it_describes_fields_as_a_mapping_editor_needs(crm, zoho_sandbox):
    zoho_sandbox.add_custom_field("Contacts", "Store Customer ID", unique=True)
    fields = {f["api_name"]: f for f in crm("GET", "settings/fields", params={"module": "Contacts"}).json()["fields"]}
    last_name = fields["Last_Name"]
    assert (last_name["data_type"], last_name["json_type"], last_name["length"]) == ("text", "string", 80)
    assert last_name["system_mandatory"] is True
    assert {"read_only", "field_read_only"} <= set(last_name)
    assert last_name["operation_type"]["api_create"] is True
    assert fields["Created_Time"]["operation_type"]["api_create"] is False
    assert fields["Email"]["unique"] == {"case_sensitive": False}
    assert "-None-" in [v["actual_value"] for v in fields["Lead_Source"]["pick_list_values"]]
    assert fields["Account_Name"]["lookup"]["module"]["api_name"] == "Accounts"
    assert fields["Store_Customer_ID"]["custom_field"] is True
    deals = {f["api_name"]: f for f in crm("GET", "settings/fields", params={"module": "Deals"}).json()["fields"]}
    assert deals["Deal_Name"]["system_mandatory"] and deals["Stage"]["system_mandatory"]
    stages = [v["actual_value"] for v in deals["Stage"]["pick_list_values"]]
    assert "Id. Decision Makers" in stages and "-None-" not in stages


def test_it_answers_writes_as_specified(crm):
    rows = [{"Last_Name": "A", "Email": "a@example.com"}, {"Last_Name": "x" * 81},
            {"First_Name": "No last name"}, {"Last_Name": "B", "Email": "bad"}]
    oas.assert_write_result(crm("POST", "Contacts/upsert", json={"data": rows}), "/crm/v8/{module_api_name}/upsert",
                            "post", upsert=True)
    upserted = crm("POST", "Contacts/upsert", json={"data": rows[:1]})
    oas.assert_write_result(upserted, "/crm/v8/{module_api_name}/upsert", "post", upsert=True)
    record_id = upserted.json()["data"][0]["details"]["id"]
    inserted = crm("POST", "Contacts", json={"data": [{"Last_Name": "C"}]})
    oas.assert_write_result(inserted, "/crm/v8/{module_api_name}", "post")
    duplicate = crm("POST", "Contacts", json={"data": [{"Last_Name": "D", "Email": "A@example.com"}]})
    oas.assert_write_result(duplicate, "/crm/v8/{module_api_name}", "post")
    updated = crm("PUT", "Contacts", json={"data": [{"id": record_id, "Phone": "123"}, {"Phone": "1"}]})
    oas.assert_write_result(updated, "/crm/v8/{module_api_name}", "put")
    deleted = crm("DELETE", "Contacts", params={"ids": record_id})
    oas.assert_write_result(deleted, "/crm/v8/{module_api_name}", "delete")


def test_it_answers_reads_as_specified(crm):
    crm("POST", "Contacts", json={"data": [{"Last_Name": f"N{n}", "Email": f"n{n}@example.com"} for n in range(3)]})
    listed = crm("GET", "Contacts", params={"fields": "Email,Last_Name", "per_page": 2})
    oas.assert_records_page(listed)
    assert listed.json()["info"]["next_page_token"]
    one = crm("GET", f"Contacts/{listed.json()['data'][0]['id']}")
    oas.assert_records_page(one, "/crm/v8/{module_api_name}/{id}", paged=False)
    found = crm("GET", "Contacts/search", params={"email": "n1@example.com"})
    oas.validate(found.json(), oas.component("module_search.json", "Response_Wrapper"))
    oas.assert_records_page(found, "/crm/v8/{module_api_name}/search")
    crm("DELETE", "Contacts", params={"ids": listed.json()["data"][0]["id"]})
    deleted = crm("GET", "Contacts/deleted")
    oas.validate(deleted.json(), oas.response_schema("record.json", "/crm/v8/{module_api_name}/deleted", "get"))
    for entry in deleted.json()["data"]:
        assert {"deleted_by", "id", "display_name", "type", "created_by", "deleted_time"} <= set(entry)


def test_it_converts_leads_as_specified(crm):
    lead = crm("POST", "Leads", json={"data": [{"Last_Name": "L", "Company": "Co"}]}).json()["data"][0]
    converted = crm("POST", f"Leads/{lead['details']['id']}/actions/convert",
                    json={"data": [{"Deals": {"Deal_Name": "D", "Stage": "Qualification"}}]})
    oas.validate(converted.json()["data"][0], oas.component("convert_lead.json", "Success_Response"))


def test_it_sends_errors_in_zohos_envelope_with_the_right_status(crm, zoho_sandbox):
    oas.assert_error_envelope(requests.get(f"{zoho_sandbox.crm}/org", headers=zoho_sandbox.headers("1000.x.y")))
    oas.assert_error_envelope(requests.get(f"{zoho_sandbox.crm}/org"))
    narrow = zoho_sandbox.auth_headers(scopes=["ZohoCRM.org.READ"])
    oas.assert_error_envelope(requests.get(f"{zoho_sandbox.crm}/users", headers=narrow))
    oas.assert_error_envelope(crm("GET", "Nope", params={"fields": "Email"}))
    oas.assert_error_envelope(crm("GET", "Contacts/1/2/3"))
    oas.assert_error_envelope(crm("GET", "Contacts"))
    oas.assert_error_envelope(crm("GET", "Contacts", params={"fields": "Email", "page": 11}))
    oas.assert_error_envelope(crm("POST", "Contacts/upsert", json={"data": [{"Last_Name": "x"}] * 101}))
    missing = crm("GET", "Contacts/search")
    oas.assert_error_envelope(missing, schema=("module_search.json", "Mandatory_Param_Missing"))
    limit = crm("GET", "Contacts/search", params={"email": "ab", "page": 11})
    oas.assert_error_envelope(limit, schema=("module_search.json", "Max_records"))
    zoho_sandbox.fault(fail_next=1, fail_mode="429")
    oas.assert_error_envelope(crm("GET", "org"))
    zoho_sandbox.fault(fail_next=1, fail_mode="500")
    oas.assert_error_envelope(crm("GET", "org"))
    zoho_sandbox.hold_in_flight(10)
    oas.assert_error_envelope(crm("GET", "org"))

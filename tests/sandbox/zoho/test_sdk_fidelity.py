"""Zoho's official Python SDK (zohocrmsdk8-0) reads every answer the sandbox gives: each body goes through the
SDK's own JSON → type converter (`JSONConverter.get_response`, what `CommonAPIHandler.api_call` runs on a
response) into the SDK's types, without network or token store, and a few values per type are checked.
Every id anywhere is a numeric string or null (the SDK converts ids to integers: a placeholder breaks it),
and the people nested in metadata are the org's own users and profiles."""

import json
from pathlib import Path

import pytest
import zohocrmsdk
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.util.common_api_handler import CommonAPIHandler
from zohocrmsdk.src.com.zoho.crm.api.util.json_converter import JSONConverter

from tests.sandbox.zoho.conftest import SANDBOX_DB

pytestmark = SANDBOX_DB
SDK = "zohocrmsdk.src.com.zoho.crm.api"


@pytest.fixture(autouse=True)
def sdk_types():
    """The SDK's type catalogue, which Initializer.initialize() would load (with a token store we do not need)."""
    saved = Initializer.json_details
    Initializer.json_details = json.loads((Path(zohocrmsdk.__file__).parent / "src" / "json_details.json").read_text())
    yield
    Initializer.json_details = saved


def sdk_parse(response, handler: str):
    """The body as the SDK types it, `handler` being the module its operation names (e.g. "org.response_handler")."""
    body = response.json()
    assert_ids_are_zohos(body)
    return JSONConverter(CommonAPIHandler()).get_response(body, f"{SDK}.{handler}")


def assert_ids_are_zohos(node, path="$"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "id":
                assert value is None or (isinstance(value, str) and value.isdigit()), f"{path}.id = {value!r}"
            assert_ids_are_zohos(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            assert_ids_are_zohos(value, f"{path}[{index}]")


@pytest.fixture
def owner(crm):
    return crm("GET", "users", params={"type": "CurrentUser"}).json()["users"][0]


def test_org_and_users(crm, zoho_sandbox, owner):
    org = sdk_parse(crm("GET", "org"), "org.response_handler").get_org()[0]
    assert org.get_id() == owner["id"][:7] + "0" * 12  # the SDK types the org id as a string
    assert org.get_company_name() == zoho_sandbox.org.name
    assert org.get_license_details().get_paid_type() == "standard"
    assert org.get_license_details().get_paid_expiry().year >= 2026

    user = sdk_parse(crm("GET", "users", params={"type": "CurrentUser"}), "users.response_handler").get_users()[0]
    assert user.get_id() == int(owner["id"]) and user.get_email() == owner["email"]
    assert (user.get_profile().get_name(), user.get_role().get_name()) == ("Administrator", "CEO")
    assert isinstance(user.get_profile().get_id(), int) and user.get_created_time().tzinfo is not None


def test_modules_nest_the_orgs_own_user_profiles_and_all_view(crm, owner):
    modules = sdk_parse(crm("GET", "settings/modules"), "modules.response_handler").get_modules()
    assert [m.get_api_name() for m in modules] == ["Leads", "Contacts", "Accounts", "Deals", "Products", "Sales_Orders"]
    contacts = sdk_parse(crm("GET", "settings/modules/Contacts"), "modules.response_handler").get_modules()[0]
    assert contacts.get_id() == modules[1].get_id() and contacts.get_plural_label() == "Contacts"
    assert contacts.get_modified_by().get_id() == int(owner["id"])
    assert [(p.get_name(), p.get_id()) for p in contacts.get_profiles()][0] == (
        "Administrator", int(owner["profile"]["id"]))
    view = contacts.get_custom_view()
    assert (view.get_name(), view.get_system_name(), view.get_access_type().get_value()) == (
        "All Contacts", "ALLVIEWS", "public")
    assert view.get_created_by().get_id() == int(owner["id"]) and view.get_module().get_id() == contacts.get_id()
    assert view.get_sort_by().get_api_name() == "Created_Time" and isinstance(view.get_id(), int)


def test_fields_and_layouts(crm, zoho_sandbox, owner):
    zoho_sandbox.add_custom_field("Contacts", "Newsletter", "boolean")
    fields = sdk_parse(crm("GET", "settings/fields", params={"module": "Contacts"}), "fields.response_handler")
    by_name = {field.get_api_name(): field for field in fields.get_fields()}
    email, newsletter = by_name["Email"], by_name["Newsletter"]
    assert (email.get_data_type(), email.get_custom_field(), newsletter.get_custom_field()) == ("email", False, True)
    assert isinstance(email.get_id(), int) and isinstance(newsletter.get_id(), int)
    assert [(p.get_name(), p.get_permission_type()) for p in email.get_profiles()] == [
        ("Administrator", "read_write"), ("Standard", "read_write")]
    assert by_name["Created_Time"].get_profiles()[0].get_permission_type() == "read_only"
    association = email.get_layout_associations()[0]

    layout = sdk_parse(crm("GET", "settings/layouts", params={"module": "Contacts"}),
                       "layouts.response_handler").get_layouts()[0]
    assert (layout.get_name(), str(layout.get_id())) == ("Standard", association.get_id())
    assert layout.get_created_by().get_id() == int(owner["id"]) and layout.get_created_time().tzinfo is not None
    section = layout.get_sections()[0]
    assert section.get_name() == "Contact Information" and isinstance(section.get_id(), int)
    assert {field.get_api_name() for field in section.get_fields()} == set(by_name)
    assert [p.get_name() for p in layout.get_profiles()] == ["Administrator", "Standard"]


def test_records_search_and_deleted(crm, owner):
    crm("POST", "Contacts", json={"data": [{"Last_Name": "Boyle", "Email": "pat@example.com"}]})
    listed = sdk_parse(crm("GET", "Contacts", params={"fields": "Email,Last_Name,Owner,Created_Time"}),
                       "record.response_handler")
    record = listed.get_data()[0]
    assert record.get_key_value("Email") == "pat@example.com" and record.get_created_time().tzinfo is not None
    assert record.get_key_value("Owner")["id"] == owner["id"]
    assert listed.get_info().get_count() == 1 and listed.get_info().get_more_records() is False

    one = sdk_parse(crm("GET", f"Contacts/{record.get_id()}"), "record.response_handler").get_data()[0]
    assert one.get_id() == record.get_id() and one.get_key_value("Last_Name") == "Boyle"
    found = sdk_parse(crm("GET", "Contacts/search", params={"email": "pat@example.com"}), "record.response_handler")
    assert [r.get_id() for r in found.get_data()] == [record.get_id()]

    crm("DELETE", "Contacts", params={"ids": record.get_id()})
    deleted = sdk_parse(crm("GET", "Contacts/deleted", params={"type": "all"}), "record.deleted_records_handler")
    gone = deleted.get_data()[0]
    assert gone.get_id() == record.get_id() and gone.get_deleted_by().get_id() == int(owner["id"])
    assert gone.get_type() == "recycle" and gone.get_deleted_time().tzinfo is not None


def test_a_sales_order_with_line_items(crm):
    product = crm("POST", "Products", json={"data": [{"Product_Name": "Tee", "Product_Code": "TEE",
                                                      "Unit_Price": 10.0}]}).json()["data"][0]["details"]["id"]
    account = crm("POST", "Accounts", json={"data": [{"Account_Name": "Acme"}]}).json()["data"][0]["details"]["id"]
    crm("POST", "Sales_Orders", json={"data": [{"Subject": "#1", "Account_Name": {"id": account}, "Product_Details": [
        {"product": {"id": product}, "quantity": 2, "line_tax": [{"name": "Vat", "percentage": 20}]}]}]})
    listed = crm("GET", "Sales_Orders", params={"fields": "Subject,Product_Details,Grand_Total"})
    order = sdk_parse(listed, "record.response_handler").get_data()[0]
    (line,) = order.get_key_value("Product_Details")  # without field metadata the SDK keeps lines as JSON
    assert order.get_key_value("Grand_Total") == 24.0
    assert (line["product"]["id"], line["quantity"], line["list_price"]) == (product, 2.0, 10.0)
    assert line["line_tax"][0]["value"] == 4.0


def test_writes_and_their_per_record_errors(crm, owner):
    rows = [{"Last_Name": "Boyle", "Email": "pat@example.com"}, {"Last_Name": "X", "Email": "not-an-email"}]
    upserted = sdk_parse(crm("POST", "Contacts/upsert", json={"data": rows}), "record.action_handler").get_data()
    ok, refused = upserted
    assert (ok.get_code().get_value(), ok.get_status().get_value()) == ("SUCCESS", "success")
    assert ok.get_details()["id"].isdigit() and ok.get_details()["Created_By"].get_id() == int(owner["id"])
    assert (type(refused).__name__, refused.get_code().get_value()) == ("APIException", "INVALID_DATA")
    assert refused.get_details()["api_name"] == "Email"

    updated = sdk_parse(crm("PUT", "Contacts", json={"data": [{"id": ok.get_details()["id"], "Phone": "123"}]}),
                        "record.action_handler").get_data()[0]
    assert updated.get_code().get_value() == "SUCCESS" and updated.get_details()["id"] == ok.get_details()["id"]
    removed = sdk_parse(crm("DELETE", "Contacts", params={"ids": ok.get_details()["id"]}),
                        "record.action_handler").get_data()[0]
    assert removed.get_details()["id"] == ok.get_details()["id"]


def test_lead_conversion(crm):
    lead = crm("POST", "Leads", json={"data": [{"Last_Name": "Lead", "Company": "Acme"}]}).json()["data"][0]
    converted = sdk_parse(crm("POST", f"Leads/{lead['details']['id']}/actions/convert", json={"data": [{}]}),
                          "convert_lead.action_handler").get_data()[0]
    assert type(converted).__name__ == "SuccessResponse"
    assert set(converted.get_details()) >= {"Contacts", "Accounts"}


@pytest.mark.parametrize("path, handler, code", [
    ("Nope", "record.response_handler", "INVALID_MODULE"),
    ("settings/nothing", "modules.response_handler", "INVALID_URL_PATTERN"),
    ("settings/layouts", "layouts.response_handler", "REQUIRED_PARAM_MISSING"),
])
def test_request_errors(crm, path, handler, code):
    error = sdk_parse(crm("GET", path), handler)
    assert type(error).__name__ == "APIException"
    assert error.get_code().get_value() == code and error.get_status().get_value() == "error"


def test_an_unauthenticated_call(zoho_sandbox):
    import requests

    response = requests.get(f"{zoho_sandbox.crm}/org", headers={"Authorization": "Zoho-oauthtoken 1000.bad.bad"})
    error = sdk_parse(response, "org.response_handler")
    assert response.status_code == 401 and error.get_code().get_value() == "INVALID_TOKEN"

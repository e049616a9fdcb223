import re
from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])



def contact(n, **extra):
    return {"Last_Name": f"Buyer {n}", "First_Name": "Pat", "Email": f"buyer{n}@example.com", **extra}


def test_it_upserts_by_email_case_insensitively(crm, zoho_sandbox):
    inserted = crm("POST", "Contacts/upsert", json={"data": [contact(1)], "duplicate_check_fields": ["Email"]})
    assert inserted.status_code == 200
    entry = inserted.json()["data"][0]
    assert entry["code"] == "SUCCESS" and entry["action"] == "insert" and entry["duplicate_field"] is None
    assert entry["message"] == "record added"
    record_id = entry["details"]["id"]
    assert re.fullmatch(r"[0-9]{19}", record_id)

    updated = crm("POST", "Contacts/upsert", json={
        "data": [{"Last_Name": "Renamed", "Email": "BUYER1@Example.com"}], "duplicate_check_fields": ["Email"]})
    entry = updated.json()["data"][0]
    assert (entry["action"], entry["duplicate_field"], entry["message"]) == ("update", "Email", "record updated")
    assert entry["details"]["id"] == record_id
    (stored,) = zoho_sandbox.records("Contacts")
    assert stored["Last_Name"] == "Renamed" and stored["First_Name"] == "Pat"


def test_it_does_not_match_deleted_records_on_upsert(crm, zoho_sandbox):
    first = crm("POST", "Contacts/upsert", json={"data": [contact(1)]}).json()["data"][0]["details"]["id"]
    zoho_sandbox.delete_records("Contacts", ids=[first])
    again = crm("POST", "Contacts/upsert", json={"data": [contact(1)]}).json()["data"][0]
    assert again["action"] == "insert" and again["details"]["id"] != first


def test_it_answers_207_with_one_bad_email_in_a_hundred(crm):
    rows = [contact(n) for n in range(100)]
    rows[42]["Email"] = "not-an-email"
    response = crm("POST", "Contacts/upsert", json={"data": rows, "duplicate_check_fields": ["Email"]})
    assert response.status_code == 207
    data = response.json()["data"]
    assert len(data) == 100
    assert data[42] == {"code": "INVALID_DATA", "details": {"expected_data_type": "email", "api_name": "Email",
                        "json_path": "$.data[42].Email"}, "message": "invalid data", "status": "error"}
    assert all(entry["code"] == "SUCCESS" for i, entry in enumerate(data) if i != 42)


def test_it_answers_400_with_the_data_shape_when_every_row_fails(crm):
    response = crm("POST", "Contacts/upsert", json={"data": [{"First_Name": "No last name"}, {"Email": "x"}]})
    assert response.status_code == 400
    data = response.json()["data"]
    assert data[0] == {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name",
                       "json_path": "$.data[0].Last_Name"}, "message": "required field not found", "status": "error"}
    assert data[1]["code"] == "INVALID_DATA"


def test_it_rejects_more_than_a_hundred_records(crm, zoho_sandbox):
    response = crm("POST", "Contacts/upsert", json={"data": [contact(n) for n in range(101)]})
    assert response.status_code == 400
    assert response.json() == {"code": "LIMIT_EXCEEDED", "details": {"limit": 100, "api_name": "data",
                               "json_path": "$.data"}, "message": "Record count exceeded", "status": "error"}
    assert zoho_sandbox.records("Contacts") == []


def test_it_checks_lengths_picklists_and_types(crm):
    rows = [
        contact(1, Last_Name="x" * 81),
        contact(2, Lead_Source="Carrier pigeon"),
        contact(3, Email_Opt_Out="yes"),
        contact(4, Date_of_Birth="12/31/1990"),
        contact(5, Lead_Source="OnlineStore", Email_Opt_Out=True, Date_of_Birth="1990-12-31"),
    ]
    data = crm("POST", "Contacts/upsert", json={"data": rows}).json()["data"]
    assert data[0]["details"] == {"maximum_length": 80, "api_name": "Last_Name", "json_path": "$.data[0].Last_Name"}
    assert data[1]["details"]["api_name"] == "Lead_Source" and data[1]["code"] == "INVALID_DATA"
    assert data[2]["details"]["expected_data_type"] == "boolean"
    assert data[3]["details"]["expected_data_type"] == "date"
    assert data[4]["code"] == "SUCCESS"


def test_it_requires_deal_name_and_stage_and_dedupes_deals_on_deal_name(crm):
    missing = crm("POST", "Deals/upsert", json={"data": [{"Deal_Name": "Order 1"}]}).json()["data"][0]
    assert missing["code"] == "MANDATORY_NOT_FOUND" and missing["details"]["api_name"] == "Stage"
    first = crm("POST", "Deals/upsert", json={"data": [{"Deal_Name": "Order 1", "Stage": "Qualification"}]})
    second = crm("POST", "Deals/upsert", json={"data": [{"Deal_Name": "order 1", "Stage": "Closed Won",
                                                         "Amount": 12.5}]})
    assert first.json()["data"][0]["action"] == "insert"
    entry = second.json()["data"][0]
    assert (entry["action"], entry["duplicate_field"]) == ("update", "Deal_Name")


def test_it_honours_the_order_of_duplicate_check_fields(crm, zoho_sandbox):
    zoho_sandbox.add_custom_field("Contacts", "Store Customer ID", unique=True)
    crm("POST", "Contacts/upsert", json={"data": [contact(1, Store_Customer_ID="A-1"),
                                                  contact(2, Store_Customer_ID="A-2")]})

    by_custom_first = crm("POST", "Contacts/upsert", json={"data": [
        {"Last_Name": "Moved", "Email": "buyer2@example.com", "Store_Customer_ID": "A-1"},
    ], "duplicate_check_fields": ["Store_Customer_ID", "Email"]}).json()["data"][0]
    # Matched on the custom field first; the new email then clashes with the other record's unique Email.
    assert by_custom_first["code"] == "DUPLICATE_DATA" and by_custom_first["details"]["api_name"] == "Email"

    by_email_first = crm("POST", "Contacts/upsert", json={"data": [
        {"Last_Name": "Moved", "Email": "buyer2@example.com", "Store_Customer_ID": "A-9"},
    ], "duplicate_check_fields": ["Email", "Store_Customer_ID"]}).json()["data"][0]
    assert (by_email_first["action"], by_email_first["duplicate_field"]) == ("update", "Email")

    by_custom = crm("POST", "Contacts/upsert", json={"data": [
        {"Last_Name": "Again", "Email": "buyer1@example.com", "Store_Customer_ID": "A-1"},
    ], "duplicate_check_fields": ["Store_Customer_ID", "Email"]}).json()["data"][0]
    assert (by_custom["action"], by_custom["duplicate_field"]) == ("update", "Store_Customer_ID")
    by_email = {r["Email"]: r for r in zoho_sandbox.records("Contacts")}
    assert by_email["buyer2@example.com"]["Store_Customer_ID"] == "A-9"
    assert by_email["buyer1@example.com"]["Last_Name"] == "Again"


def test_it_rejects_duplicate_check_fields_that_are_not_unique(crm):
    response = crm("POST", "Contacts/upsert", json={"data": [contact(1)], "duplicate_check_fields": ["Phone"]})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_DATA"
    assert response.json()["details"]["json_path"] == "$.duplicate_check_fields[0]"


def test_it_reports_a_unique_field_clash_on_insert(crm, zoho_sandbox):
    first = crm("POST", "Contacts", json={"data": [contact(1)]})
    assert first.status_code == 201
    clash = crm("POST", "Contacts", json={"data": [contact(1)]})
    assert clash.status_code == 400
    entry = clash.json()["data"][0]
    assert entry["code"] == "DUPLICATE_DATA" and entry["message"] == "duplicate data"
    details = entry["details"]
    assert details["api_name"] == "Email" and details["json_path"] == "$.data[0].Email"
    assert details["duplicate_record"]["id"] == first.json()["data"][0]["details"]["id"]
    assert details["duplicate_record"]["module"]["api_name"] == "Contacts"
    assert details["more_records"] is False


def test_it_updates_and_deletes_by_id(crm, zoho_sandbox):
    record_id = crm("POST", "Leads", json={"data": [contact(1)]}).json()["data"][0]["details"]["id"]
    updated = crm("PUT", "Leads", json={"data": [{"id": record_id, "Company": "Acme"}]})
    assert updated.status_code == 200 and updated.json()["data"][0]["message"] == "record updated"
    one = crm("PUT", f"Leads/{record_id}", json={"data": [{"Phone": "+44 20 7946 0000"}]})
    assert one.json()["data"][0]["details"]["id"] == record_id
    unknown = crm("PUT", "Leads", json={"data": [{"id": "1234567890123456789", "Company": "X"}]})
    assert unknown.status_code == 400 and unknown.json()["data"][0]["code"] == "INVALID_DATA"
    deleted = crm("DELETE", "Leads", params={"ids": f"{record_id},1234567890123456789"})
    assert deleted.status_code == 207
    assert deleted.json()["data"][0] == {"code": "SUCCESS", "details": {"id": record_id},
                                         "message": "record deleted", "status": "success"}
    assert crm("GET", f"Leads/{record_id}").status_code == 204


def test_it_requires_fields_when_listing_and_caps_them_at_fifty(crm):
    missing = crm("GET", "Contacts")
    assert missing.status_code == 400
    assert missing.json() == {"code": "REQUIRED_PARAM_MISSING", "details": {"param_name": "fields"},
                              "message": "required param is missing", "status": "error"}
    too_many = crm("GET", "Contacts", params={"fields": ",".join(f"F{n}" for n in range(51))})
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "LIMIT_EXCEEDED"
    assert too_many.json()["details"] == {"limit": 50, "param_name": "fields"}


def test_it_answers_204_for_an_empty_list_and_304_when_nothing_changed(crm):
    assert crm("GET", "Contacts", params={"fields": "Email"}).status_code == 204
    crm("POST", "Contacts", json={"data": [contact(1)]})
    later = (timezone.now() + timedelta(minutes=5)).isoformat(timespec="seconds")
    not_modified = crm("GET", "Contacts", params={"fields": "Email"}, headers={"If-Modified-Since": later})
    assert not_modified.status_code == 304 and not_modified.content == b""
    earlier = (timezone.now() - timedelta(minutes=5)).isoformat(timespec="seconds")
    modified = crm("GET", "Contacts", params={"fields": "Email"}, headers={"If-Modified-Since": earlier})
    assert modified.status_code == 200 and modified.json()["data"][0]["Email"] == "buyer1@example.com"


def test_it_returns_only_the_requested_fields_and_the_id(crm):
    crm("POST", "Contacts", json={"data": [contact(1, Phone="123")]})
    (record,) = crm("GET", "Contacts", params={"fields": "Email,Last_Name"}).json()["data"]
    assert set(record) == {"id", "Email", "Last_Name"}


def test_it_pages_with_page_tokens_past_the_discrete_limit(crm, zoho_sandbox):
    crm("POST", "Contacts", json={"data": [contact(n) for n in range(25)]})
    walls = crm("GET", "Contacts", params={"fields": "Email", "page": 11})
    assert walls.status_code == 400
    assert walls.json() == {"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "message": "You can only get the first "
                            "2000 records without using page_token param", "status": "error",
                            "details": {"limit": 2000}}
    params = {"fields": "Email,Modified_Time", "per_page": 10, "sort_by": "Modified_Time", "sort_order": "asc"}
    seen, token = [], None
    while True:
        page = crm("GET", "Contacts", params={**params, **({"page_token": token} if token else {})}).json()
        seen += [record["Email"] for record in page["data"]]
        token = page["info"]["next_page_token"]
        if not page["info"]["more_records"]:
            break
    assert len(seen) == 25 and len(set(seen)) == 25


def test_it_binds_page_tokens_to_the_query_the_user_and_a_day(crm, zoho_sandbox):
    crm("POST", "Contacts", json={"data": [contact(n) for n in range(3)]})
    first = crm("GET", "Contacts", params={"fields": "Email", "per_page": 1}).json()
    token = first["info"]["next_page_token"]
    altered = crm("GET", "Contacts", params={"fields": "Email,Phone", "per_page": 1, "page_token": token})
    assert altered.status_code == 400 and altered.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"
    other_org = zoho_sandbox.create_org("Someone Else")
    other_user = requests.get(f"{zoho_sandbox.crm}/Contacts", params={"fields": "Email", "per_page": 1,
                              "page_token": token}, headers=zoho_sandbox.auth_headers(org=other_org))
    assert other_user.status_code == 400 and other_user.json()["code"] == "INVALID_DATA"
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        headers = zoho_sandbox.auth_headers()
        expired = requests.get(f"{zoho_sandbox.crm}/Contacts", params={"fields": "Email", "per_page": 1,
                               "page_token": token}, headers=headers)
    assert expired.status_code == 400
    assert expired.json() == {"status": "error", "code": "EXPIRED_VALUE", "message": "Page token expired",
                              "details": {"api_name": "page_token", "json_path": "$.query.page_token"}}


def test_it_searches_any_email_field_with_partial_matches(crm):
    crm("POST", "Contacts", json={"data": [contact(1, Secondary_Email="sales-team@shop.example"),
                                           contact(2)]})
    found = crm("GET", "Contacts/search", params={"email": "sales_team@shop.example"})
    assert found.status_code == 204  # "_" is not "-": only a look-alike partial would match
    found = crm("GET", "Contacts/search", params={"email": "team@shop.example"})
    assert [r["Email"] for r in found.json()["data"]] == ["buyer1@example.com"]
    assert found.json()["info"] == {"per_page": 200, "count": 1, "page": 1, "sort_by": "id", "sort_order": "desc",
                                    "more_records": False}
    partial = crm("GET", "Contacts/search", params={"email": "example.com"})
    assert len(partial.json()["data"]) == 2


def test_it_searches_by_criteria_phone_and_word(crm):
    crm("POST", "Contacts", json={"data": [contact(1, Phone="555-0101"), contact(2, Last_Name="Burns, B")]})
    by_criteria = crm("GET", "Contacts/search", params={
        "criteria": "((Last_Name:starts_with:Burns\\,)and(Email:equals:buyer2))"})
    assert [r["Email"] for r in by_criteria.json()["data"]] == ["buyer2@example.com"]
    assert crm("GET", "Contacts/search", params={"phone": "555-0101"}).json()["data"][0]["Phone"] == "555-0101"
    assert len(crm("GET", "Contacts/search", params={"word": "Burns"}).json()["data"]) == 1
    missing = crm("GET", "Contacts/search")
    assert missing.status_code == 400 and missing.json()["code"] == "EXPECTED_PARAM_MISSING"
    bad = crm("GET", "Contacts/search", params={"criteria": "(Nope:equals:x)"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_QUERY"


def test_it_lags_search_behind_writes_like_zohos_index(crm, zoho_sandbox):
    zoho_sandbox.org.search_index_delay = 30
    zoho_sandbox.org.save()
    crm("POST", "Contacts/upsert", json={"data": [contact(1)]})
    assert crm("GET", "Contacts/search", params={"email": "buyer1@example.com"}).status_code == 204
    assert crm("GET", "Contacts", params={"fields": "Email"}).json()["data"][0]["Email"] == "buyer1@example.com"
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert crm("GET", "Contacts/search", params={"email": "buyer1@example.com"}).status_code == 200


def test_it_caps_search_at_two_thousand_results(crm):
    crm("POST", "Contacts", json={"data": [contact(1)]})
    response = crm("GET", "Contacts/search", params={"email": "buyer", "page": 11})
    assert response.status_code == 400
    assert response.json() == {"code": "LIMIT_REACHED", "details": {"limit": "2000"},
                               "message": "maximum response iteration limit reached", "status": "error"}


def test_it_lists_deleted_records(crm, zoho_sandbox):
    assert crm("GET", "Contacts/deleted", params={"type": "all"}).status_code == 204
    ids = [e["details"]["id"] for e in crm("POST", "Contacts", json={"data": [contact(1), contact(2)]}).json()["data"]]
    crm("DELETE", "Contacts", params={"ids": ids[0]})
    zoho_sandbox.delete_records("Contacts", ids=[ids[1]])
    body = crm("GET", "Contacts/deleted", params={"type": "all"}).json()
    assert {entry["id"] for entry in body["data"]} == set(ids)
    assert body["data"][0]["type"] == "recycle" and body["data"][0]["display_name"].startswith("Pat Buyer")
    assert body["info"]["more_records"] is False
    later = (timezone.now() + timedelta(minutes=1)).isoformat(timespec="seconds")
    assert crm("GET", "Contacts/deleted", headers={"If-Modified-Since": later}).status_code == 204
    bad = crm("GET", "Contacts/deleted", params={"type": "sometimes"})
    assert bad.status_code == 400 and bad.json()["code"] == "PATTERN_NOT_MATCHED"


def test_it_converts_a_lead(crm, zoho_sandbox):
    lead = crm("POST", "Leads", json={"data": [contact(1, Company="Acme Ltd")]}).json()["data"][0]["details"]["id"]
    converted = crm("POST", f"Leads/{lead}/actions/convert", json={"data": [{
        "overwrite": True, "Deals": {"Deal_Name": "First order", "Stage": "Closed Won", "Amount": 99.0}}]})
    assert converted.status_code == 200
    entry = converted.json()["data"][0]
    assert entry["message"] == "The record has been converted successfully"
    assert entry["details"]["Accounts"]["name"] == "Acme Ltd"
    (contact_record,) = zoho_sandbox.records("Contacts")
    assert contact_record["Email"] == "buyer1@example.com"
    assert contact_record["Account_Name"] == {"id": entry["details"]["Accounts"]["id"]}
    assert zoho_sandbox.records("Deals")[0]["Deal_Name"] == "First order"
    assert crm("GET", "Leads", params={"fields": "Email"}).status_code == 204  # converted leads are hidden
    again = crm("POST", f"Leads/{lead}/actions/convert", json={"data": [{}]})
    assert again.status_code == 400 and again.json()["data"][0]["code"] == "ID_ALREADY_CONVERTED"
    assert zoho_sandbox.calls()[-1]["credits"] == 5

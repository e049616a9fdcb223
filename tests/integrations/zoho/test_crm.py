import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from responses import matchers

from integrations.zoho.crm import RecordResult, ZohoCRM
from integrations.zoho.errors import (
    ConfigurationError,
    RateLimited,
    ReauthorizationRequired,
    TransientError,
)
from integrations.zoho.limits import credits_used_24h
from integrations.zoho.models import ZohoConnection, ZohoFieldCache
from integrations.zoho.transport import USER_AGENT, Backoff

from .conftest import ACCESS_TOKEN, API, NEW_ACCESS_TOKEN, TOKEN_URL, make_connection, refresh_ok

CRM = f"{API}/crm/v8"
AUTH = {"Authorization": f"Zoho-oauthtoken {ACCESS_TOKEN}", "User-Agent": USER_AGENT}
INVALID_TOKEN = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}


def crm_for(connection, no_sleep):
    return ZohoCRM(connection, sleep=no_sleep, backoff=Backoff(sleep=no_sleep, random=lambda: 0.5))


def test_org_and_current_user(http, connection, no_sleep):
    http.get(f"{CRM}/org", json={"org": [{"id": "1", "company_name": "Zylker"}]}, match=[matchers.header_matcher(AUTH)])
    http.get(f"{CRM}/users", json={"users": [{"email": "pat@zylker.com"}]},
             match=[matchers.query_param_matcher({"type": "CurrentUser"})])
    crm = crm_for(connection, no_sleep)
    assert crm.org()["company_name"] == "Zylker"
    assert crm.current_user()["email"] == "pat@zylker.com"
    assert (crm.calls, crm.credits) == (2, 2)
    assert credits_used_24h(connection) == 2


def upsert_entry(index, action="insert"):
    return {"code": "SUCCESS", "duplicate_field": "Email" if action == "update" else None, "action": action,
            "message": "record added", "status": "success", "details": {"id": f"41508680000031940{index:02d}"}}


def test_upsert_sends_one_batch_and_returns_results_in_input_order(http, connection, no_sleep):
    records = [{"Last_Name": f"L{i}", "Email": f"p{i}@example.com"} for i in range(100)]
    data = [upsert_entry(i, "update" if i % 2 else "insert") for i in range(100)]
    data[7] = {"code": "INVALID_DATA", "details": {"expected_data_type": "email", "api_name": "Email",
                                                   "json_path": "$.data[7].Email"},
               "message": "invalid data", "status": "error"}
    http.post(f"{CRM}/Contacts/upsert", status=207, json={"data": data}, match=[
        matchers.json_params_matcher({"data": records, "duplicate_check_fields": ["Email"], "trigger": []})])
    crm = crm_for(connection, no_sleep)
    results = crm.upsert("Contacts", records)
    assert len(results) == 100
    assert results[0] == RecordResult(ok=True, action="insert", zoho_id="4150868000003194000", code="SUCCESS",
                                      message="record added", details={"id": "4150868000003194000"})
    assert results[1].action == "update"
    assert results[7].ok is False and results[7].field == "Email" and results[7].code == "INVALID_DATA"
    assert results[7].zoho_id is None
    assert crm.credits == 10  # 1 credit per 10 records


def test_upsert_where_every_row_failed_is_per_record_not_raised(http, connection, no_sleep):
    failure = {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name", "json_path": "$.data[0].Last_Name"},
               "message": "required field not found", "status": "error"}
    http.post(f"{CRM}/Leads/upsert", status=400, json={"data": [failure, failure]})
    results = crm_for(connection, no_sleep).upsert("Leads", [{"Email": "a@x.io"}, {"Email": "b@x.io"}],
                                                   duplicate_check_fields=("Email",), trigger=("workflow",))
    assert [r.field for r in results] == ["Last_Name", "Last_Name"]
    assert json.loads(http.calls[0].request.body)["trigger"] == ["workflow"]


def test_upsert_multiple_errors_name_the_first_field(http, connection, no_sleep):
    entry = {"code": "MULTIPLE_OR_MULTI_ERRORS", "status": "error", "message": "Multiple errors in the request",
             "details": {"errors": [{"code": "DUPLICATE_DATA", "details": {"api_name": "Email"}}]}}
    http.post(f"{CRM}/Leads/upsert", status=400, json={"data": [entry]})
    assert crm_for(connection, no_sleep).upsert("Leads", [{"Email": "a@x.io"}])[0].field == "Email"


@pytest.mark.parametrize("count", [0, 101])
def test_upsert_refuses_batches_zoho_would_refuse(connection, count, no_sleep):
    with pytest.raises(ValueError):
        crm_for(connection, no_sleep).upsert("Contacts", [{"Email": "x@y.z"}] * count)


def test_a_result_count_mismatch_is_an_error(http, connection, no_sleep):
    http.post(f"{CRM}/Contacts/upsert", json={"data": [upsert_entry(0)]})
    with pytest.raises(Exception, match="1 results for 2 records"):
        crm_for(connection, no_sleep).upsert("Contacts", [{"Email": "a@x.io"}, {"Email": "b@x.io"}])


def test_get_records_streams_pages_with_page_token_and_if_modified_since(http, connection, no_sleep):
    base = {"fields": "Email,Last_Name", "per_page": "200", "sort_by": "Modified_Time", "sort_order": "asc"}
    since = {"If-Modified-Since": "2024-01-15T10:00:00+00:00"}
    http.get(f"{CRM}/Contacts", json={"data": [{"id": "1"}, {"id": "2"}],
                                      "info": {"more_records": True, "next_page_token": "tok2"}},
             match=[matchers.query_param_matcher(base), matchers.header_matcher(since)])
    http.get(f"{CRM}/Contacts", json={"data": [{"id": "3"}], "info": {"more_records": False}},
             match=[matchers.query_param_matcher({**base, "page_token": "tok2"})])
    records = crm_for(connection, no_sleep).get_records(
        "Contacts", ["Email", "Last_Name"], modified_since=datetime(2024, 1, 15, 10, tzinfo=UTC))
    assert [r["id"] for r in records] == ["1", "2", "3"]


@pytest.mark.parametrize("status", [204, 304])
def test_get_records_with_nothing_new_is_empty(http, connection, no_sleep, status):
    http.get(f"{CRM}/Contacts", status=status)
    records = crm_for(connection, no_sleep).get_records("Contacts", ["Email"], modified_since=datetime.now(UTC))
    assert list(records) == []


def test_get_records_needs_1_to_50_fields(connection, no_sleep):
    with pytest.raises(ConfigurationError):
        list(crm_for(connection, no_sleep).get_records("Contacts", [f"F{i}" for i in range(51)]))


def test_search_by_email_keeps_exact_matches_only(http, connection, no_sleep):
    http.get(f"{CRM}/Contacts/search", match=[matchers.query_param_matcher({"email": "pat@zylker.com"})],
             json={"data": [{"id": "1", "Email": "Pat@Zylker.com"}, {"id": "2", "Email": "pat@zylker.com.au"},
                            {"id": "3", "Email": "x@y.z", "Secondary_Email": "pat@zylker.com"}]})
    found = crm_for(connection, no_sleep).search_by_email("Contacts", "pat@zylker.com")
    assert [r["id"] for r in found] == ["1", "3"]


def test_search_without_match_is_204(http, connection, no_sleep):
    http.get(f"{CRM}/Contacts/search", status=204)
    assert crm_for(connection, no_sleep).search_by_email("Contacts", "nobody@example.com") == []


def test_search_in_escapes_the_values_and_asks_for_fields(http, connection, no_sleep):
    http.get(f"{CRM}/Products/search", match=[matchers.query_param_matcher({
        "criteria": r"(Product_Code:in:TEE,A\,B,C\(1\),D\:E)", "fields": "Product_Code"})],
        json={"data": [{"id": "1", "Product_Code": "TEE"}]})
    crm = crm_for(connection, no_sleep)
    assert crm.search_in("Products", "Product_Code", ["TEE", "A,B", "C(1)", "D:E"], ["Product_Code"]) == [
        {"id": "1", "Product_Code": "TEE"}]
    assert crm.search_in("Products", "Product_Code", []) == []
    with pytest.raises(ValueError):
        crm.search_in("Products", "Product_Code", [str(n) for n in range(101)])


def test_convert_lead(http, connection, no_sleep):
    http.post(f"{CRM}/Leads/99/actions/convert", match=[matchers.json_params_matcher({"data": [{
        "overwrite": True, "notify_lead_owner": False, "notify_new_entity_owner": False,
        "Deals": {"Deal_Name": "Order 1", "Stage": "Closed Won"}, "assign_to": {"id": "7"}}]})],
        json={"data": [{"code": "SUCCESS", "status": "success", "message": "Lead converted successfully.",
                        "details": {"Contacts": {"id": "11"}, "Accounts": {"id": "12"}, "Deals": {"id": "13"}}}]})
    crm = crm_for(connection, no_sleep)
    ids = crm.convert_lead("99", deal={"Deal_Name": "Order 1", "Stage": "Closed Won"}, assign_to="7")
    assert ids == {"Contacts": "11", "Accounts": "12", "Deals": "13"}
    assert crm.credits == 5


def test_deleted_records_pages(http, connection, no_sleep):
    http.get(f"{CRM}/Contacts/deleted", json={"data": [{"id": "1"}], "info": {"more_records": True}},
             match=[matchers.query_param_matcher({"type": "all", "page": "1", "per_page": "200"})])
    http.get(f"{CRM}/Contacts/deleted", json={"data": [{"id": "2"}], "info": {"more_records": False}},
             match=[matchers.query_param_matcher({"type": "all", "page": "2", "per_page": "200"})])
    assert [r["id"] for r in crm_for(connection, no_sleep).deleted_records("Contacts")] == ["1", "2"]


def test_delete_returns_per_record_results(http, connection, no_sleep):
    http.delete(f"{CRM}/Contacts", match=[matchers.query_param_matcher({"ids": "1,2"})], json={"data": [
        {"code": "SUCCESS", "details": {"id": "1"}, "message": "record deleted", "status": "success"},
        {"code": "INVALID_DATA", "details": {"id": "2"}, "message": "the related id given seems to be invalid",
         "status": "error"}]})
    results = crm_for(connection, no_sleep).delete("Contacts", ["1", "2"])
    assert [r.ok for r in results] == [True, False]


def test_fields_are_cached_with_a_ttl_and_a_refresh(http, connection, no_sleep):
    fields = [{"api_name": "Email", "data_type": "email"}]
    http.get(f"{CRM}/settings/fields", json={"fields": fields},
             match=[matchers.query_param_matcher({"module": "Leads"})])
    crm = crm_for(connection, no_sleep)
    assert crm.fields("Leads") == fields
    assert crm.fields("Leads") == fields  # cached: no second call
    assert len(http.calls) == 1
    crm.fields("Leads", refresh=True)
    assert len(http.calls) == 2
    ZohoFieldCache.objects.update(fetched_at=datetime.now(UTC) - timedelta(hours=2))
    crm.fields("Leads")
    assert len(http.calls) == 3


def test_modules_skips_unsupported(http, connection, no_sleep):
    http.get(f"{CRM}/settings/modules", json={"modules": [{"api_name": "Leads", "api_supported": True},
                                                          {"api_name": "Visits", "api_supported": False}]})
    assert [m["api_name"] for m in crm_for(connection, no_sleep).modules()] == ["Leads"]


def test_invalid_token_refreshes_once_and_retries(http, connection, no_sleep):
    http.get(f"{CRM}/org", status=401, json=INVALID_TOKEN, match=[matchers.header_matcher(AUTH)])
    http.post(TOKEN_URL, json=refresh_ok())
    http.get(f"{CRM}/org", json={"org": [{"id": "1"}]},
             match=[matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {NEW_ACCESS_TOKEN}"})])
    assert crm_for(connection, no_sleep).org() == {"id": "1"}
    assert ZohoConnection.objects.get(pk=connection.pk).access_token == NEW_ACCESS_TOKEN


def test_invalid_token_after_a_refresh_needs_reauthorization(http, connection, no_sleep):
    http.get(f"{CRM}/org", status=401, json=INVALID_TOKEN)
    http.post(TOKEN_URL, json=refresh_ok())
    with pytest.raises(ReauthorizationRequired) as raised:
        crm_for(connection, no_sleep).org()
    assert "data center" in raised.value.hint
    assert len([c for c in http.calls if c.request.url == TOKEN_URL]) == 1
    assert ZohoConnection.objects.get(pk=connection.pk).status == ZohoConnection.Status.NEEDS_REAUTH


def test_scope_mismatch_needs_reauthorization(http, connection, no_sleep):
    http.get(f"{CRM}/settings/fields", status=401,
             json={"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope", "status": "error"})
    with pytest.raises(ReauthorizationRequired, match="OAUTH_SCOPE_MISMATCH"):
        crm_for(connection, no_sleep).fields("Contacts")


@pytest.mark.parametrize(("status", "code"), [(400, "INVALID_MODULE"), (403, "NO_PERMISSION"),
                                              (404, "INVALID_URL_PATTERN"), (400, "REQUIRED_PARAM_MISSING")])
def test_request_errors_are_configuration_errors(http, connection, no_sleep, status, code):
    http.get(f"{CRM}/Nope", status=status, json={"code": code, "details": {}, "message": "m", "status": "error"})
    with pytest.raises(ConfigurationError) as raised:
        list(crm_for(connection, no_sleep).get_records("Nope", ["Email"]))
    assert raised.value.code == code and raised.value.status == status


def test_429_and_5xx_are_retried_with_exponential_backoff_and_jitter(http, connection, no_sleep):
    http.get(f"{CRM}/org", status=429, json={"code": "TOO_MANY_REQUESTS", "status": "error", "message": ""})
    http.get(f"{CRM}/org", status=500, json={"code": "INTERNAL_ERROR", "status": "error", "message": "", "details": {}})
    http.get(f"{CRM}/org", status=503, body="unavailable")
    http.get(f"{CRM}/org", json={"org": [{"id": "1"}]})
    crm = crm_for(connection, no_sleep)
    assert crm.org() == {"id": "1"}
    assert no_sleep.calls == [0.5, 1.0, 2.0]  # random()=0.5 × 1, 2, 4 seconds
    assert crm.calls == 4


def test_retry_after_is_honoured(http, connection, no_sleep):
    http.get(f"{CRM}/org", status=429, headers={"Retry-After": "17"}, json={"code": "TOO_MANY_REQUESTS"})
    http.get(f"{CRM}/org", json={"org": [{"id": "1"}]})
    crm_for(connection, no_sleep).org()
    assert no_sleep.calls == [17.0]


def test_rate_limited_after_the_last_attempt(http, connection, no_sleep):
    http.get(f"{CRM}/org", status=429, headers={"Retry-After": "30"}, json={"code": "TOO_MANY_REQUESTS"})
    with pytest.raises(RateLimited) as raised:
        crm_for(connection, no_sleep).org()
    assert raised.value.retry_after == 30.0
    assert len(http.calls) == 5 and len(no_sleep.calls) == 4


def test_network_failures_are_retried_then_transient(http, connection, no_sleep):
    http.get(f"{CRM}/org", body=requests.ConnectTimeout("slow"))
    with pytest.raises(TransientError):
        crm_for(connection, no_sleep).org()
    assert len(http.calls) == 5
    full_jitter_caps = [1, 2, 4, 8]
    assert all(0 <= slept <= cap for slept, cap in zip(no_sleep.calls, full_jitter_caps, strict=True))


def test_a_connection_needing_reauthorization_makes_no_calls(http, connection, no_sleep):
    ZohoConnection.objects.filter(pk=connection.pk).update(status=ZohoConnection.Status.NEEDS_REAUTH)
    connection.refresh_from_db()
    with pytest.raises(ReauthorizationRequired):
        crm_for(connection, no_sleep).org()


def test_api_domain_from_the_token_response_is_used(http, connection, no_sleep):
    ZohoConnection.objects.filter(pk=connection.pk).update(api_domain="https://www.zohoapis.eu")
    connection.refresh_from_db()
    http.get("https://www.zohoapis.eu/crm/v8/org", json={"org": [{"id": "9"}]})
    assert crm_for(connection, no_sleep).org() == {"id": "9"}


def test_it_inserts_one_batch_with_one_credit_per_ten_records(http, connection, no_sleep):
    records = [{"Last_Name": f"L{i}", "Email": f"p{i}@example.com"} for i in range(11)]
    http.post(f"{CRM}/Contacts", status=201, json={"data": [upsert_entry(i) for i in range(11)]},
              match=[matchers.json_params_matcher({"data": records, "trigger": []})])
    crm = crm_for(connection, no_sleep)
    results = crm.insert("Contacts", records)
    assert [r.zoho_id for r in results] == [f"41508680000031940{i:02d}" for i in range(11)]
    assert (crm.calls, crm.credits) == (1, 2)


def test_it_updates_records_by_id_and_refuses_records_without_one(http, connection, no_sleep):
    records = [{"id": "4150868000003194000", "Phone": "1"}]
    http.put(f"{CRM}/Leads", json={"data": [upsert_entry(0, "update")]},
             match=[matchers.json_params_matcher({"data": records, "trigger": []})])
    crm = crm_for(connection, no_sleep)
    assert crm.update("Leads", records)[0].ok
    with pytest.raises(ValueError):
        crm.update("Leads", [{"Phone": "2"}])
    assert (crm.calls, crm.credits) == (1, 1)


def test_calls_of_one_connection_share_one_keep_alive_session_without_cookies(http, connection, api_client, no_sleep):
    other = make_connection(api_client, name="other")
    http.get(f"{CRM}/org", json={"org": [{"id": "1"}]}, headers={"Set-Cookie": "crmcsr=abc; Path=/"})
    http.get(f"{CRM}/org", json={"org": [{"id": "1"}]})
    first, second = crm_for(connection, no_sleep), crm_for(connection, no_sleep)
    assert first.session is second.session
    assert crm_for(other, no_sleep).session is not first.session
    first.org()
    second.org()
    assert "Cookie" not in http.calls[1].request.headers  # Zoho's cookies are not kept, nor sent back
    assert len(first.session.cookies) == 0

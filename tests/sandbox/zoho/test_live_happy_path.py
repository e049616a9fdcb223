"""Zoho's happy path (zoho-crm-api.md §16) with plain `requests` against the live test server."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ"
TIMEOUT = 10


def test_it_walks_zohos_happy_path(live_zoho_sandbox, live_server):
    callback = f"{live_server.url}/zoho/oauth/callback/"
    client = live_zoho_sandbox.create_client(callback)
    accounts = live_zoho_sandbox.accounts_server
    assert accounts == f"{live_server.url}/sandbox/zoho/accounts"

    # 1. Consent in a browser, then the code exchange at the accounts server the redirect names.
    browser = requests.Session()
    params = {"scope": SCOPES, "client_id": client.client_id, "response_type": "code", "access_type": "offline",
              "prompt": "consent", "redirect_uri": callback, "state": "opaque-42"}
    page = browser.get(f"{accounts}/oauth/v2/auth", params=params, timeout=TIMEOUT)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    redirect = browser.post(page.url, data={**params, "csrfmiddlewaretoken": csrf, "decision": "accept"},
                            allow_redirects=False, timeout=TIMEOUT)
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(callback)
    query = {key: values[0] for key, values in parse_qs(urlsplit(redirect.headers["Location"]).query).items()}
    assert query["state"] == "opaque-42" and query["accounts-server"] == accounts
    tokens = requests.post(f"{query['accounts-server']}/oauth/v2/token", data={
        "grant_type": "authorization_code", "client_id": client.client_id, "client_secret": client.client_secret,
        "redirect_uri": callback, "code": query["code"]}, timeout=TIMEOUT).json()
    api = f"{tokens['api_domain']}/crm/v8"
    assert tokens["api_domain"] == f"{live_server.url}/sandbox/zoho"
    headers = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}

    # 2-3. Org, current user, metadata.
    org = requests.get(f"{api}/org", headers=headers, timeout=TIMEOUT).json()["org"][0]
    assert org["zgid"] == live_zoho_sandbox.org.zgid
    me = requests.get(f"{api}/users", params={"type": "CurrentUser"}, headers=headers, timeout=TIMEOUT).json()
    assert me["users"][0]["email"] == live_zoho_sandbox.org.users.first().email
    modules = requests.get(f"{api}/settings/modules", headers=headers, timeout=TIMEOUT).json()["modules"]
    assert "Contacts" in [m["api_name"] for m in modules]
    fields = requests.get(f"{api}/settings/fields", params={"module": "Contacts"}, headers=headers,
                          timeout=TIMEOUT).json()["fields"]
    assert any(f["api_name"] == "Email" for f in fields)

    # Refresh after expiry: the access token dies, the refresh token mints a new one.
    live_zoho_sandbox.expire_access_tokens()
    expired = requests.get(f"{api}/org", headers=headers, timeout=TIMEOUT)
    assert expired.status_code == 401 and expired.json()["code"] == "INVALID_TOKEN"
    refreshed = requests.post(f"{accounts}/oauth/v2/token", data={
        "grant_type": "refresh_token", "client_id": client.client_id, "client_secret": client.client_secret,
        "refresh_token": tokens["refresh_token"]}, timeout=TIMEOUT).json()
    headers = {"Authorization": f"Zoho-oauthtoken {refreshed['access_token']}"}

    # 4. Upsert a batch keyed on email.
    rows = [{"Last_Name": f"Customer {n}", "Email": f"customer{n}@store.example", "Lead_Source": "OnlineStore"}
            for n in range(5)]
    upsert = requests.post(f"{api}/Contacts/upsert", json={"data": rows, "duplicate_check_fields": ["Email"],
                                                           "trigger": []}, headers=headers, timeout=TIMEOUT)
    assert upsert.status_code == 200
    ids = [entry["details"]["id"] for entry in upsert.json()["data"]]
    again = requests.post(f"{api}/Contacts/upsert", json={"data": rows[:1], "duplicate_check_fields": ["Email"]},
                          headers=headers, timeout=TIMEOUT).json()["data"][0]
    assert (again["action"], again["details"]["id"]) == ("update", ids[0])

    # 5. Read back with page tokens, search by email.
    seen, token = [], None
    while True:
        page_params = {"fields": "Email,Last_Name,Modified_Time", "per_page": 2, "sort_by": "Modified_Time",
                       "sort_order": "asc", **({"page_token": token} if token else {})}
        body = requests.get(f"{api}/Contacts", params=page_params, headers=headers, timeout=TIMEOUT).json()
        seen += [record["id"] for record in body["data"]]
        token = body["info"]["next_page_token"]
        if not body["info"]["more_records"]:
            break
    assert sorted(seen) == sorted(ids)
    found = requests.get(f"{api}/Contacts/search", params={"email": "customer3@store.example"}, headers=headers,
                         timeout=TIMEOUT).json()["data"]
    assert [record["id"] for record in found] == [ids[3]]

    # Delete, and see it among the deleted records.
    deleted = requests.delete(f"{api}/Contacts", params={"ids": ids[3]}, headers=headers, timeout=TIMEOUT)
    assert deleted.json()["data"][0]["code"] == "SUCCESS"
    assert requests.get(f"{api}/Contacts/{ids[3]}", headers=headers, timeout=TIMEOUT).status_code == 204
    gone = requests.get(f"{api}/Contacts/deleted", params={"type": "all"}, headers=headers, timeout=TIMEOUT).json()
    assert [entry["id"] for entry in gone["data"]] == [ids[3]]

    # The call log shows what happened, with credits.
    calls = live_zoho_sandbox.calls()
    assert ("POST", "/sandbox/zoho/crm/v8/Contacts/upsert", 200, 1) in [
        (c["method"], c["path"].split("?")[0], c["status"], c["credits"]) for c in calls]

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.test import Client
from responses import matchers

from integrations.zoho import oauth_state
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from syncs.models import SyncSettings

from .conftest import ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN, TOKEN_URL, make_client, make_connection

CALLBACK = "/zoho/oauth/callback/"
EU_TOKEN_URL = "https://accounts.zoho.eu/oauth/v2/token"
GRANT = {"access_token": "1000.aa.bb", "refresh_token": "1000.cc.dd", "api_domain": "https://www.zohoapis.eu",
         "token_type": "Bearer", "expires_in": 3600}
ORG = {"org": [{"id": "20050", "company_name": "Zylker EU", "license_details": {"paid_type": "enterprise"}}]}
USER = {"users": [{"email": "pat@zylker.eu"}]}


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def pending(admin_user):
    return make_connection(make_client(), status=ZohoConnection.Status.PENDING, refresh_token="", access_token="",
                           accounts_server="", api_domain="", access_token_expires_at=None, org_id="")


def start(client, connection):
    """Press "Generate Zoho API Grant Token"; returns the state sent to Zoho."""
    response = client.post(f"/zoho/connections/{connection.pk}/", {
        "action": "authorize", "data_center": "us", "client_id": "1000.CLIENTID", "concurrency_limit": 5})
    assert response.status_code == 302
    return parse_qs(urlsplit(response.url).query)["state"][0]


def expect_verify(http, api="https://www.zohoapis.eu"):
    http.get(f"{api}/crm/v8/org", json=ORG)
    http.get(f"{api}/crm/v8/users", json=USER)


def callback(client, state, **extra):
    params = {"code": "1000.grant", "location": "eu", "accounts-server": "https://accounts.zoho.eu", "state": state}
    return client.get(CALLBACK, {**params, **extra})


# --- the page -------------------------------------------------------------------------------------

def test_the_page_needs_login(client, db):
    assert client.get("/zoho/").status_code == 302


def test_the_page_shows_what_to_paste_into_zohos_console(admin_client, connection):
    response = admin_client.get("/zoho/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Zoho CRM Integration", "Zoho API Client ID", "Zoho API Client Secret", "Homepage URL",
                 "Authorized Redirect URIs", "http://testserver/zoho/oauth/callback/", "https://api-console.zoho.com/",
                 "Generate Zoho API Grant Token", "Zoho API Grant Token", "Generate Zoho API Authentication Token",
                 "Verify Zoho API Authentication Token", "Reset Zoho API Authentication Token", "data-copy"):
        assert text in body
    assert CLIENT_SECRET not in body and REFRESH_TOKEN not in body and ACCESS_TOKEN not in body
    assert "••••••••" in body  # the saved secret, masked


def test_saving_creates_the_platform_client_and_connection(admin_client):
    response = admin_client.post("/zoho/", {"action": "save", "data_center": "eu", "client_id": "1000.EU",
                                            "client_secret": "topsecret-value-123", "concurrency_limit": 10,
                                            "daily_credit_budget": 20000})
    connection = ZohoConnection.objects.get()
    assert response.status_code == 302 and response.url == f"/zoho/connections/{connection.pk}/"
    assert connection.owner is None and connection.name == "zoho"
    assert (connection.concurrency_limit, connection.daily_credit_budget) == (10, 20000)
    assert (connection.api_client.data_center, connection.api_client.client_secret) == ("eu", "topsecret-value-123")


def test_a_new_client_needs_a_secret(admin_client):
    response = admin_client.post("/zoho/", {"action": "save", "data_center": "eu", "client_id": "1000.EU",
                                            "concurrency_limit": 5})
    assert response.status_code == 400 and ZohoApiClient.objects.count() == 0


def test_an_empty_secret_keeps_the_saved_one(admin_client, connection):
    admin_client.post(f"/zoho/connections/{connection.pk}/", {"action": "save", "data_center": "us",
                                                              "client_id": "1000.NEW", "concurrency_limit": 5})
    client = ZohoApiClient.objects.get()
    assert (client.client_id, client.client_secret) == ("1000.NEW", CLIENT_SECRET)


def test_an_affiliate_manages_only_their_own_connection(affiliate_client, affiliate_user, connection):
    # Affiliates set up their own integration only when the platform allows it (syncs' setup wizard).
    SyncSettings.objects.create(connection=connection, allow_affiliate_integrations=True, enabled=True)
    assert affiliate_client.get(f"/zoho/connections/{connection.pk}/").status_code == 404
    assert affiliate_client.post(f"/zoho/connections/{connection.pk}/verify/").status_code == 404
    affiliate_client.post("/zoho/", {"action": "save", "data_center": "us", "client_id": "1000.BOB",
                                     "client_secret": "bobs-secret-value", "concurrency_limit": 5})
    mine = ZohoConnection.objects.get(owner=affiliate_user)
    assert mine.name == "zoho-bob" and mine.api_client.owner == affiliate_user
    assert affiliate_client.get("/zoho/").context["connection"] == mine


def test_actions_need_post_and_csrf(admin_user, connection):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.get(f"/zoho/connections/{connection.pk}/verify/").status_code == 405
    assert client.post(f"/zoho/connections/{connection.pk}/reset/").status_code == 403
    assert client.post(f"/zoho/connections/{connection.pk}/", {"action": "authorize"}).status_code == 403


# --- redirect flow --------------------------------------------------------------------------------

def test_generate_grant_token_redirects_to_consent_with_a_server_side_state(admin_client, pending):
    response = admin_client.post(f"/zoho/connections/{pending.pk}/", {
        "action": "authorize", "data_center": "us", "client_id": "1000.CLIENTID", "concurrency_limit": 5})
    url = urlsplit(response.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.zoho.com/oauth/v2/auth"
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert len(query["state"]) >= 43  # 256 bits, url-safe
    assert query["state"] in admin_client.session[oauth_state.SESSION_KEY]
    assert CLIENT_SECRET not in response.url


def test_callback_exchanges_the_code_at_once_and_stores_tokens(http, admin_client, pending):
    state = start(admin_client, pending)
    http.post(EU_TOKEN_URL, json=GRANT, match=[matchers.urlencoded_params_matcher({
        "grant_type": "authorization_code", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET,
        "code": "1000.grant", "redirect_uri": "http://testserver/zoho/oauth/callback/"})])
    expect_verify(http)
    response = callback(admin_client, state)
    assert response.status_code == 302 and response.url == f"/zoho/connections/{pending.pk}/"
    connection = ZohoConnection.objects.get(pk=pending.pk)
    assert connection.status == ZohoConnection.Status.CONNECTED
    assert connection.refresh_token == "1000.cc.dd" and connection.access_token == "1000.aa.bb"
    assert connection.accounts_server == "https://accounts.zoho.eu"  # the callback's accounts-server
    assert connection.api_domain == "https://www.zohoapis.eu"  # the token response's api_domain
    assert connection.org_name == "Zylker EU" and connection.edition == "enterprise"
    assert "ZohoCRM.org.READ" in connection.scopes
    assert any("Zylker EU" in m for m in texts(response))
    assert state not in admin_client.session[oauth_state.SESSION_KEY]  # single use


def test_two_pending_authorizations_both_work(http, admin_client, pending):
    first, second = start(admin_client, pending), start(admin_client, pending)
    http.post(EU_TOKEN_URL, json=GRANT)
    expect_verify(http)
    assert callback(admin_client, first).status_code == 302
    assert second in admin_client.session[oauth_state.SESSION_KEY]


def test_access_denied_stores_nothing(http, admin_client, pending):
    state = start(admin_client, pending)
    response = admin_client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert response.status_code == 302
    assert any("denied" in m for m in texts(response))
    assert ZohoConnection.objects.get(pk=pending.pk).refresh_token == ""


@pytest.mark.parametrize("state", [None, "", "wrong-state"])
def test_missing_or_wrong_state_is_403_without_a_token_request(http, admin_client, pending, state):
    start(admin_client, pending)
    params = {"code": "1000.grant", "accounts-server": "https://accounts.zoho.eu"}
    if state is not None:
        params["state"] = state
    assert admin_client.get(CALLBACK, params).status_code == 403
    assert len(http.calls) == 0


def test_a_replayed_state_is_403(http, admin_client, pending):
    state = start(admin_client, pending)
    http.post(EU_TOKEN_URL, json=GRANT)
    expect_verify(http)
    assert callback(admin_client, state).status_code == 302
    assert callback(admin_client, state).status_code == 403
    assert len([c for c in http.calls if "oauth" in c.request.url]) == 1


def test_an_expired_state_is_403(http, admin_client, pending):
    state = start(admin_client, pending)
    session = admin_client.session
    session[oauth_state.SESSION_KEY][state]["at"] = time.time() - oauth_state.STATE_TTL - 1
    session.save()
    assert callback(admin_client, state).status_code == 403


def test_a_state_from_another_session_is_403(http, admin_client, pending, admin_user):
    state = start(admin_client, pending)
    other = Client()
    other.force_login(admin_user)
    assert callback(other, state).status_code == 403


@pytest.mark.parametrize("server", ["https://evil.example", "https://accounts.zoho.com.evil.example", ""])
def test_an_unknown_accounts_server_is_400_and_gets_no_secret(http, admin_client, pending, server):
    state = start(admin_client, pending)
    assert callback(admin_client, state, **{"accounts-server": server}).status_code == 400
    assert len(http.calls) == 0
    assert ZohoConnection.objects.get(pk=pending.pk).refresh_token == ""


@pytest.mark.parametrize(("body", "expected"), [
    ({"error": "invalid_code"}, "expired or was already used"),
    ({"error": "invalid_client"}, "data center"),
    ({"error": "invalid_redirect_uri"}, "http://testserver/zoho/oauth/callback/"),
    ({"error": "invalid_client_secret"}, "Client Secret"),
    ({"error": "Access Denied", "status": "failure"}, "ten minutes"),
])
def test_http_200_token_errors_are_explained_and_store_nothing(http, admin_client, pending, body, expected):
    state = start(admin_client, pending)
    http.post(EU_TOKEN_URL, json=body, status=200)
    response = callback(admin_client, state)
    assert response.status_code == 302
    assert any(expected in m for m in texts(response))
    assert ZohoConnection.objects.get(pk=pending.pk).refresh_token == ""


def test_a_network_failure_is_explained_and_stores_nothing(http, admin_client, pending):
    state = start(admin_client, pending)
    http.post(EU_TOKEN_URL, body=requests.ConnectionError("down"))
    response = callback(admin_client, state)
    assert any("Could not reach accounts.zoho.eu" in m for m in texts(response))
    assert ZohoConnection.objects.get(pk=pending.pk).refresh_token == ""


def test_a_callback_without_code_stores_nothing(http, admin_client, pending):
    state = start(admin_client, pending)
    response = admin_client.get(CALLBACK, {"state": state, "accounts-server": "https://accounts.zoho.eu"})
    assert any("no grant token" in m for m in texts(response))


# --- paste flow, verify, reset ---------------------------------------------------------------------

def test_pasted_grant_token_generates_the_authentication_token(http, admin_client, pending):
    http.post(TOKEN_URL, json={**GRANT, "api_domain": "https://www.zohoapis.com"},
              match=[matchers.urlencoded_params_matcher({
                  "grant_type": "authorization_code", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET,
                  "code": "1000.selfclient"})])
    expect_verify(http, "https://www.zohoapis.com")
    response = admin_client.post(f"/zoho/connections/{pending.pk}/", {
        "action": "exchange", "data_center": "us", "client_id": "1000.CLIENTID", "grant_token": " 1000.selfclient ",
        "concurrency_limit": 5})
    assert response.status_code == 302
    connection = ZohoConnection.objects.get(pk=pending.pk)
    assert connection.status == ZohoConnection.Status.CONNECTED and connection.org_name == "Zylker EU"
    assert connection.accounts_server == "https://accounts.zoho.com"


def test_an_expired_pasted_grant_token_says_how_to_fix_it(http, admin_client, pending):
    http.post(TOKEN_URL, json={"error": "invalid_code"})
    response = admin_client.post(f"/zoho/connections/{pending.pk}/", {
        "action": "exchange", "data_center": "us", "client_id": "1000.CLIENTID", "grant_token": "1000.old",
        "concurrency_limit": 5})
    assert any("Generate a new Zoho API grant token" in m for m in texts(response))
    assert ZohoConnection.objects.get(pk=pending.pk).status == ZohoConnection.Status.PENDING


def test_verify_shows_org_edition_data_center_and_scopes(http, admin_client, connection):
    ZohoConnection.objects.filter(pk=connection.pk).update(granted_scopes="ZohoCRM.modules.ALL,ZohoCRM.org.READ")
    expect_verify(http, "https://www.zohoapis.com")
    response = admin_client.post(f"/zoho/connections/{connection.pk}/verify/")
    message = texts(response)[0]
    for part in ("Zylker EU", "enterprise", "United States", "ZohoCRM.modules.ALL", "pat@zylker.eu"):
        assert part in message
    assert ZohoConnection.objects.get(pk=connection.pk).last_verified_at is not None


def test_verify_of_an_unauthorized_connection_says_what_to_do(http, admin_client, pending):
    response = admin_client.post(f"/zoho/connections/{pending.pk}/verify/")
    assert any("not authorized yet" in m and "grant token" in m for m in texts(response))


def test_verify_explains_a_wrong_data_center(http, admin_client, connection):
    invalid = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}
    http.get("https://www.zohoapis.com/crm/v8/org", status=401, json=invalid)
    http.post(TOKEN_URL, json={"access_token": "1000.x.y", "expires_in": 3600,
                               "api_domain": "https://www.zohoapis.com"})
    response = admin_client.post(f"/zoho/connections/{connection.pk}/verify/")
    assert any("data center" in m for m in texts(response))


def test_reset_revokes_at_zoho_and_clears_tokens(http, admin_client, connection):
    http.post(f"{TOKEN_URL}/revoke", json={"status": "success"},
              match=[matchers.urlencoded_params_matcher({"token": REFRESH_TOKEN})])
    response = admin_client.post(f"/zoho/connections/{connection.pk}/reset/")
    connection.refresh_from_db()
    assert (connection.refresh_token, connection.access_token, connection.status) == ("", "", "pending")
    assert any("revoked at Zoho" in m for m in texts(response))


def test_reset_clears_tokens_even_when_zoho_cannot_be_reached(http, admin_client, connection):
    http.post(f"{TOKEN_URL}/revoke", body=requests.ConnectionError("down"))
    response = admin_client.post(f"/zoho/connections/{connection.pk}/reset/")
    connection.refresh_from_db()
    assert connection.refresh_token == ""
    assert any("Connected Apps" in m for m in texts(response))


def test_refresh_fields_button(http, admin_client, connection):
    http.get("https://www.zohoapis.com/crm/v8/settings/fields", json={"fields": [{"api_name": "Email"}]},
             match=[matchers.query_param_matcher({"module": "Leads"})])
    response = admin_client.post(f"/zoho/connections/{connection.pk}/fields/refresh/",
                                 {"module": "Leads", "next": "https://evil.example/"})
    assert response.url == f"/zoho/connections/{connection.pk}/"
    assert texts(response) == ["Fetched 1 fields of Leads from Zoho."]


def test_the_page_warns_when_reauthorization_is_needed(admin_client, connection):
    ZohoConnection.objects.filter(pk=connection.pk).update(status="needs_reauth", last_error="Zoho said no.")
    body = admin_client.get(f"/zoho/connections/{connection.pk}/").content.decode()
    assert "Syncs with this Zoho org are paused" in body and "Zoho said no." in body

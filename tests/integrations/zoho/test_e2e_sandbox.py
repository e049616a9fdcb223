"""End to end against the Zoho sandbox (an outside service, reached only over HTTP): the real redirect
flow in the Django test client, then refresh, a 250-contact upsert and Reset.

The browser is the Django test client; the app's own outbound requests go through `responses` to the
sandbox served in-process (`zoho_sandbox` fixture). Nothing in the app is mocked.
"""

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.db import connection as db_connection

from integrations.zoho.crm import ZohoCRM
from integrations.zoho.models import ZohoConnection

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _token_requests(http, grant_type):
    return [c for c in http.calls if c.request.url.endswith("/oauth/v2/token")
            and f"grant_type={grant_type}" in (c.request.body or "")]


def connect_through_consent(admin_client, zoho_sandbox):
    """The admin registers the client, presses Generate Zoho API Grant Token and accepts on Zoho's page."""
    sandbox_client = zoho_sandbox.create_client("http://testserver/zoho/oauth/callback/")
    response = admin_client.post("/zoho/", {
        "action": "authorize", "data_center": "sandbox", "client_id": sandbox_client.client_id,
        "client_secret": sandbox_client.client_secret, "concurrency_limit": 5})
    consent_url = response.url
    assert consent_url.startswith(f"{zoho_sandbox.accounts_server}/oauth/v2/auth?")
    consent_page = admin_client.get(consent_url)
    assert consent_page.status_code == 200
    params = dict(parse_qsl(urlsplit(consent_url).query))
    accepted = admin_client.post(urlsplit(consent_url).path, {**params, "decision": "accept"})
    callback = urlsplit(accepted.url)
    assert callback.path == "/zoho/oauth/callback/"
    return admin_client.get(f"{callback.path}?{callback.query}"), sandbox_client


def test_the_whole_zoho_side_against_the_sandbox(http, zoho_sandbox, admin_client):
    # consent → callback → tokens stored encrypted
    response, sandbox_client = connect_through_consent(admin_client, zoho_sandbox)
    connection = ZohoConnection.objects.get()
    assert response.status_code == 302 and response.url == f"/zoho/connections/{connection.pk}/"
    assert connection.status == ZohoConnection.Status.CONNECTED, _messages(response)
    assert connection.accounts_server == zoho_sandbox.accounts_server
    assert connection.api_domain == zoho_sandbox.api_domain
    assert connection.refresh_token and connection.access_token
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token, access_token FROM zoho_zohoconnection WHERE id = %s", [connection.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("gAAAA") for value in stored)
    assert connection.refresh_token not in "".join(stored)
    assert len(_token_requests(http, "authorization_code")) == 1

    # Verify shows the sandbox org
    response = admin_client.post(f"/zoho/connections/{connection.pk}/verify/")
    message = _messages(response)[-1]
    assert zoho_sandbox.org.name in message and "Sandbox" in message
    connection.refresh_from_db()
    assert connection.org_name == zoho_sandbox.org.name and connection.org_id

    # the sandbox expires the access token: the next call refreshes once and goes on
    old_access_token = connection.access_token
    assert zoho_sandbox.expire_access_tokens() >= 1
    crm = ZohoCRM(connection, sleep=lambda seconds: None)
    assert crm.org()["id"] == connection.org_id
    connection.refresh_from_db()
    assert connection.access_token != old_access_token
    assert len(_token_requests(http, "refresh_token")) == 1

    # 250 contacts in 3 upsert calls
    contacts = [{"Last_Name": f"Customer {i}", "First_Name": "Test", "Email": f"customer{i}@example.com"}
                for i in range(250)]
    crm = ZohoCRM(connection, sleep=lambda seconds: None)
    results = []
    for start in range(0, len(contacts), 100):
        results += crm.upsert("Contacts", contacts[start:start + 100])
    assert crm.calls == 3
    assert len(results) == 250 and all(r.ok and r.action == "insert" and r.zoho_id for r in results), [
        r for r in results if not r.ok][:3]
    assert len(zoho_sandbox.records("Contacts")) >= 250
    upsert_calls = [c for c in http.calls if c.request.url.endswith("/crm/v8/Contacts/upsert")]
    assert len(upsert_calls) == 3

    # Reset revokes the refresh token at Zoho
    refresh_token = connection.refresh_token
    response = admin_client.post(f"/zoho/connections/{connection.pk}/reset/")
    assert any("revoked at Zoho" in m for m in _messages(response))
    connection.refresh_from_db()
    assert (connection.refresh_token, connection.access_token) == ("", "")
    after = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", data={
        "grant_type": "refresh_token", "client_id": sandbox_client.client_id,
        "client_secret": sandbox_client.client_secret, "refresh_token": refresh_token}, timeout=5)
    assert "access_token" not in after.json() and after.json().get("error")


def test_denying_consent_stores_nothing_and_a_second_try_connects(http, zoho_sandbox, admin_client):
    sandbox_client = zoho_sandbox.create_client("http://testserver/zoho/oauth/callback/")
    response = admin_client.post("/zoho/", {
        "action": "authorize", "data_center": "sandbox", "client_id": sandbox_client.client_id,
        "client_secret": sandbox_client.client_secret, "concurrency_limit": 5})
    params = dict(parse_qsl(urlsplit(response.url).query))
    denied = admin_client.post(urlsplit(response.url).path, {**params, "decision": "deny"})
    callback = urlsplit(denied.url)
    response = admin_client.get(f"{callback.path}?{callback.query}")
    assert any("denied" in m for m in _messages(response))
    assert ZohoConnection.objects.get().refresh_token == ""
    assert _token_requests(http, "authorization_code") == []

    retry = admin_client.post(f"/zoho/connections/{ZohoConnection.objects.get().pk}/", {
        "action": "authorize", "data_center": "sandbox", "client_id": sandbox_client.client_id,
        "concurrency_limit": 5})
    params = dict(parse_qsl(urlsplit(retry.url).query))
    accepted = urlsplit(admin_client.post(urlsplit(retry.url).path, {**params, "decision": "accept"}).url)
    admin_client.get(f"{accepted.path}?{accepted.query}")
    assert ZohoConnection.objects.get().status == ZohoConnection.Status.CONNECTED


def test_zoho_connect_with_a_self_client_grant_token(http, zoho_sandbox, db):
    import json
    from io import StringIO

    from django.core.management import call_command

    sandbox_client = zoho_sandbox.create_client()
    code = zoho_sandbox.self_client_code(sandbox_client)
    out = StringIO()
    call_command("zoho_connect", "--name", "headless", "--data-center", "sandbox", "--client-id",
                 sandbox_client.client_id, "--client-secret-stdin", "--grant-token", code,
                 "--json", stdout=out, stdin=StringIO(sandbox_client.client_secret + "\n"))
    report = json.loads(out.getvalue())
    assert report["ok"] is True and report["org_name"] == zoho_sandbox.org.name
    out = StringIO()
    call_command("zoho_verify", "headless", "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "connected"


def test_re_authorizing_revokes_the_old_refresh_token_at_the_sandbox(http, zoho_sandbox, admin_client):
    """Against the sandbox's accounts server: after a second authorization the first refresh token is dead there."""
    from integrations.zoho import grants, oauth
    from integrations.zoho.errors import ReauthorizationRequired

    _, sandbox_client = connect_through_consent(admin_client, zoho_sandbox)
    connection = ZohoConnection.objects.get()
    first_refresh_token = connection.refresh_token
    grants.exchange_pasted_grant(connection, zoho_sandbox.self_client_code(sandbox_client))
    connection.refresh_from_db()
    assert connection.refresh_token != first_refresh_token
    revokes = [c for c in http.calls if c.request.url.endswith("/oauth/v2/token/revoke")]
    assert len(revokes) == 1 and revokes[0].response.json() == {"status": "success"}
    stale = ZohoConnection(api_client=connection.api_client, accounts_server=connection.accounts_server,
                           refresh_token=first_refresh_token)
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh(stale)
    assert oauth.refresh(connection).access_token  # the new one works

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from responses import matchers

from integrations.zoho import oauth
from integrations.zoho.errors import (
    ConfigurationError,
    RateLimited,
    ReauthorizationRequired,
    TransientError,
    ZohoError,
)
from integrations.zoho.transport import USER_AGENT

from .conftest import ACCOUNTS, API, CLIENT_SECRET, REFRESH_TOKEN, TOKEN_URL, refresh_ok

GRANT = {"access_token": "1000.aa.bb", "refresh_token": "1000.cc.dd", "api_domain": "https://www.zohoapis.eu",
         "token_type": "Bearer", "expires_in": 3600}


def test_authorize_url_asks_for_offline_access_with_consent(api_client):
    url = oauth.authorize_url(api_client, accounts_server=ACCOUNTS, state="st4te")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.zoho.com/oauth/v2/auth"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "scope": oauth.SCOPE, "client_id": "1000.CLIENTID", "response_type": "code", "access_type": "offline",
        "prompt": "consent", "redirect_uri": "http://testserver/zoho/oauth/callback/", "state": "st4te",
    }
    for scope in ("ZohoCRM.modules.contacts.ALL", "ZohoCRM.modules.leads.ALL", "ZohoCRM.modules.deals.ALL",
                  "ZohoCRM.modules.accounts.ALL", "ZohoCRM.modules.products.ALL", "ZohoCRM.modules.salesorders.ALL",
                  "ZohoCRM.settings.fields.READ", "ZohoCRM.org.READ", "ZohoCRM.users.READ", "ZohoCRM.bulk.ALL",
                  "ZohoFiles.files.ALL"):
        assert scope in query["scope"].split(",")
    assert CLIENT_SECRET not in url


def test_exchange_posts_secrets_in_the_body(http, api_client):
    http.post(TOKEN_URL, json=GRANT, match=[
        matchers.urlencoded_params_matcher({
            "grant_type": "authorization_code", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET,
            "code": "1000.code", "redirect_uri": "http://testserver/zoho/oauth/callback/",
        }),
        matchers.header_matcher({"User-Agent": USER_AGENT}),
    ])
    token = oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="1000.code",
                                redirect_uri=api_client.redirect_uri)
    assert token.refresh_token == "1000.cc.dd"
    assert token.api_domain == "https://www.zohoapis.eu"  # the token response's api_domain wins
    assert token.expires_in == 3600
    assert http.calls[0].request.url == TOKEN_URL  # nothing secret in the URL
    assert "1000.aa.bb" not in repr(token)


def test_self_client_exchange_sends_no_redirect_uri(http, api_client):
    http.post(TOKEN_URL, json=GRANT, match=[matchers.urlencoded_params_matcher({
        "grant_type": "authorization_code", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET,
        "code": "1000.code"})])
    oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="1000.code")


@pytest.mark.parametrize(("body", "error", "code", "hint_part"), [
    ({"error": "invalid_code"}, ConfigurationError, "invalid_code", "new Zoho API grant token"),
    ({"error": "invalid_client"}, ConfigurationError, "invalid_client", "data center"),
    ({"error": "invalid_client_secret"}, ConfigurationError, "invalid_client_secret", "Client Secret"),
    ({"error": "invalid_redirect_uri"}, ConfigurationError, "invalid_redirect_uri",
     "http://testserver/zoho/oauth/callback/"),
    ({"error_description": "You have made too many requests continuously. Please try again after some time.",
      "error": "Access Denied", "status": "failure"}, RateLimited, "access_denied", "ten minutes"),
    ({"error": "something_new"}, ConfigurationError, "something_new", ""),
    ({"token_type": "Bearer"}, ConfigurationError, "no_access_token", ""),
])
def test_http_200_error_bodies_raise(http, api_client, body, error, code, hint_part):
    http.post(TOKEN_URL, json=body, status=200)
    with pytest.raises(error) as raised:
        oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c", redirect_uri=api_client.redirect_uri)
    assert raised.value.code == code
    assert hint_part in raised.value.hint


@pytest.mark.parametrize("kwargs", [{"body": "<html>oops</html>"}, {"json": ["not", "a", "dict"]}])
def test_surprising_bodies_raise(http, api_client, kwargs):
    http.post(TOKEN_URL, status=200, **kwargs)
    with pytest.raises(ZohoError, match="unexpected response"):
        oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c")


def test_unknown_api_domain_is_refused(http, api_client):
    http.post(TOKEN_URL, json={**GRANT, "api_domain": "https://evil.example"})
    with pytest.raises(ZohoError, match="unknown API domain"):
        oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c")


def test_exchange_without_refresh_token_is_refused(http, api_client):
    http.post(TOKEN_URL, json={k: v for k, v in GRANT.items() if k != "refresh_token"})
    with pytest.raises(ConfigurationError, match="no refresh token"):
        oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c")


def test_old_millisecond_lifetimes_are_understood(http, api_client):
    http.post(TOKEN_URL, json={**GRANT, "expires_in": 3600000, "expires_in_sec": 3600})
    assert oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c").expires_in == 3600


def test_5xx_and_network_failures_are_transient(http, api_client):
    http.post(TOKEN_URL, status=502, body="bad gateway")
    with pytest.raises(TransientError):
        oauth.exchange_code(api_client, accounts_server=ACCOUNTS, code="c")
    http.post("https://accounts.zoho.eu/oauth/v2/token", body=requests.ConnectionError("boom"))
    with pytest.raises(TransientError, match="accounts.zoho.eu"):
        oauth.exchange_code(api_client, accounts_server="https://accounts.zoho.eu", code="c")


def test_refresh_sends_the_refresh_token_in_the_body(http, connection):
    http.post(TOKEN_URL, json=refresh_ok(), match=[matchers.urlencoded_params_matcher({
        "grant_type": "refresh_token", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN})])
    token = oauth.refresh(connection)
    assert token.refresh_token == "" and token.api_domain == API
    assert "refresh_token=" not in http.calls[0].request.url


@pytest.mark.parametrize("error", ["invalid_code", "invalid_client"])
def test_refused_refresh_needs_reauthorization(http, connection, error):
    http.post(TOKEN_URL, json={"error": error})
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh(connection)


def test_revoke(http, connection):
    http.post(f"{TOKEN_URL}/revoke", json={"status": "success"},
              match=[matchers.urlencoded_params_matcher({"token": REFRESH_TOKEN})])
    assert oauth.revoke(connection) is True
    assert http.calls[0].request.url == f"{TOKEN_URL}/revoke"


def test_revoke_of_an_invalid_token_reports_false(http, connection):
    http.post(f"{TOKEN_URL}/revoke", status=400, json={"status": "failure"})
    assert oauth.revoke(connection) is False


@pytest.mark.parametrize("answer", [{}, {"error": "internal_error"}, {"error": "invalid_client_secret"},
                                    {"status": "failure"}, [], "not json"])
def test_an_unrecognised_refresh_answer_is_retried_not_reauthorization(http, connection, answer):
    if isinstance(answer, str):
        http.post(TOKEN_URL, body=answer)
    else:
        http.post(TOKEN_URL, json=answer)
    with pytest.raises(TransientError) as raised:
        oauth.refresh(connection)
    assert not isinstance(raised.value, ReauthorizationRequired)

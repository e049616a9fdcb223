import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from sandbox.zoho import oauth
from sandbox.zoho.models import RefreshToken

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

REDIRECT = "http://testserver/zoho/oauth/callback/"
SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.fields.READ"


def consent(zoho_sandbox, client, *, decision="accept", access_type="offline", prompt="consent", state="xyz",
            redirect_uri=REDIRECT):
    """Walk the consent page as a browser would: GET it, then post its form."""
    session = requests.Session()
    params = {"client_id": client.client_id, "response_type": "code", "scope": SCOPES, "redirect_uri": redirect_uri,
              "access_type": access_type, "prompt": prompt, "state": state}
    page = session.get(f"{zoho_sandbox.accounts_server}/oauth/v2/auth", params=params)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(page.url, data={**params, "csrfmiddlewaretoken": token, "decision": decision},
                          allow_redirects=False)
    return page, answer


def exchange(zoho_sandbox, client, code, redirect_uri=REDIRECT, **overrides):
    data = {"grant_type": "authorization_code", "client_id": client.client_id,
            "client_secret": client.client_secret, "redirect_uri": redirect_uri, "code": code, **overrides}
    return requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", data=data)


def refresh(zoho_sandbox, client, refresh_token):
    return requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", data={
        "grant_type": "refresh_token", "client_id": client.client_id, "client_secret": client.client_secret,
        "refresh_token": refresh_token,
    })


def code_from(answer):
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query["code"][0], query


def test_it_shows_a_consent_page_naming_the_client_and_scopes(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT, name="Store Sync Demo")
    page, _ = consent(zoho_sandbox, client)
    assert "Store Sync Demo" in page.text
    assert "ZohoCRM.settings.fields.READ" in page.text
    assert "Accept" in page.text and "Deny" in page.text


def test_it_redirects_with_code_state_location_and_accounts_server_on_accept(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    _, answer = consent(zoho_sandbox, client, state="s-123")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    _, query = code_from(answer)
    assert query["state"] == ["s-123"]
    assert query["location"] == ["sandbox"]
    assert query["accounts-server"] == ["http://testserver/sandbox/zoho/accounts"]
    assert re.fullmatch(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}", query["code"][0])


def test_it_redirects_with_access_denied_on_deny(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    _, answer = consent(zoho_sandbox, client, decision="deny", state="s-9")
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["s-9"]}


@pytest.mark.parametrize("problem", ["unknown client", "unregistered redirect"])
def test_it_shows_an_error_page_without_redirect_for_bad_clients(zoho_sandbox, problem):
    client = zoho_sandbox.create_client(REDIRECT)
    params = {"client_id": client.client_id, "response_type": "code", "scope": SCOPES, "redirect_uri": REDIRECT}
    if problem == "unknown client":
        params["client_id"] = "1000.NOPE"
    else:
        params["redirect_uri"] = "https://evil.example.com/callback"
    page = requests.get(f"{zoho_sandbox.accounts_server}/oauth/v2/auth", params=params, allow_redirects=False)
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "Invalid" in page.text


def test_it_exchanges_a_code_for_tokens_exactly_as_zoho(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    code, _ = code_from(consent(zoho_sandbox, client)[1])
    response = exchange(zoho_sandbox, client, code)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "api_domain", "token_type", "expires_in"}
    assert body["api_domain"] == "http://testserver/sandbox/zoho"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600


def test_it_gives_no_refresh_token_for_online_access(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    code, _ = code_from(consent(zoho_sandbox, client, access_type="online")[1])
    body = exchange(zoho_sandbox, client, code).json()
    assert "access_token" in body and "refresh_token" not in body


def test_it_gives_no_new_refresh_token_on_reauthorization_without_prompt_consent(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    first, _ = code_from(consent(zoho_sandbox, client)[1])
    assert "refresh_token" in exchange(zoho_sandbox, client, first).json()
    second, _ = code_from(consent(zoho_sandbox, client, prompt="")[1])
    assert "refresh_token" not in exchange(zoho_sandbox, client, second).json()
    third, _ = code_from(consent(zoho_sandbox, client, prompt="consent")[1])
    assert "refresh_token" in exchange(zoho_sandbox, client, third).json()


def test_it_answers_token_errors_with_http_200(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    code, _ = code_from(consent(zoho_sandbox, client)[1])

    wrong_redirect = exchange(zoho_sandbox, client, code, redirect_uri="http://testserver/other/")
    assert (wrong_redirect.status_code, wrong_redirect.json()) == (200, {"error": "invalid_redirect_uri"})

    unknown_client = exchange(zoho_sandbox, client, code, client_id="1000.UNKNOWN")
    assert (unknown_client.status_code, unknown_client.json()) == (200, {"error": "invalid_client"})

    assert exchange(zoho_sandbox, client, code).json()["access_token"]
    reused = exchange(zoho_sandbox, client, code)
    assert (reused.status_code, reused.json()) == (200, {"error": "invalid_code"})


def test_it_expires_grant_codes(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    code, _ = code_from(consent(zoho_sandbox, client)[1])
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert exchange(zoho_sandbox, client, code).json() == {"error": "invalid_code"}


def test_it_accepts_client_credentials_in_the_query_string_or_basic_auth(zoho_sandbox):
    client = zoho_sandbox.create_client(REDIRECT)
    code = zoho_sandbox.self_client_code(client)
    by_query = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", params={
        "grant_type": "authorization_code", "client_id": client.client_id, "client_secret": client.client_secret,
        "code": code})
    assert "refresh_token" in by_query.json()
    tokens = by_query.json()
    by_basic = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token",
                             data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                             auth=(client.client_id, client.client_secret))
    assert "access_token" in by_basic.json()


def test_it_refreshes_without_issuing_a_new_refresh_token(zoho_sandbox):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    body = refresh(zoho_sandbox, client, tokens["refresh_token"]).json()
    assert set(body) == {"access_token", "api_domain", "token_type", "expires_in"}
    assert body["access_token"] != tokens["access_token"]


def test_it_throttles_the_eleventh_refresh_within_ten_minutes(zoho_sandbox):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)  # its first access token counts as minted
    for _ in range(9):
        assert "access_token" in refresh(zoho_sandbox, client, tokens["refresh_token"]).json()
    throttled = refresh(zoho_sandbox, client, tokens["refresh_token"])
    assert throttled.status_code == 200
    assert throttled.json() == {
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "error": "Access Denied", "status": "failure",
    }
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert "access_token" in refresh(zoho_sandbox, client, tokens["refresh_token"]).json()


def test_it_keeps_fifteen_live_access_tokens_per_refresh_token(zoho_sandbox):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    minted = [tokens["access_token"]]
    for minute in range(15):
        with time_machine.travel(timezone.now() + timedelta(minutes=minute * 2)):
            minted.append(refresh(zoho_sandbox, client, tokens["refresh_token"]).json()["access_token"])
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        assert oauth.access_token_for(f"Zoho-oauthtoken {minted[0]}") is None
        assert oauth.access_token_for(f"Zoho-oauthtoken {minted[1]}") is not None


def test_it_deletes_the_oldest_of_twenty_one_refresh_tokens(zoho_sandbox):
    client = zoho_sandbox.create_client()
    first = zoho_sandbox.grant_tokens(client)
    for _ in range(20):
        zoho_sandbox.grant_tokens(client)
    assert RefreshToken.objects.filter(client=client).count() == 20
    assert refresh(zoho_sandbox, client, first["refresh_token"]).json() == {"error": "invalid_code"}
    assert oauth.access_token_for(f"Zoho-oauthtoken {first['access_token']}") is None


def test_it_revokes_refresh_tokens_and_their_access_tokens(zoho_sandbox):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    revoked = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token/revoke",
                            params={"token": tokens["refresh_token"]})
    assert revoked.json() == {"status": "success"}
    assert refresh(zoho_sandbox, client, tokens["refresh_token"]).json() == {"error": "invalid_code"}
    crm = requests.get(f"{zoho_sandbox.crm}/org", headers=zoho_sandbox.headers(tokens["access_token"]))
    assert crm.status_code == 401
    assert crm.json()["code"] == "INVALID_TOKEN"


def test_it_limits_self_client_codes_to_three_to_ten_minutes(zoho_sandbox):
    client = zoho_sandbox.create_client()
    with pytest.raises(Exception, match="3 to 10 minutes"):
        zoho_sandbox.self_client_code(client, minutes=11)
    code = zoho_sandbox.self_client_code(client, minutes=10)
    with time_machine.travel(timezone.now() + timedelta(minutes=9)):
        body = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", data={
            "grant_type": "authorization_code", "client_id": client.client_id,
            "client_secret": client.client_secret, "code": code}).json()
    assert "refresh_token" in body

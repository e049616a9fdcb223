import time
from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone

from sandbox.zoho.models import ApiCall

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def get_org(zoho_sandbox, headers):
    return requests.get(f"{zoho_sandbox.crm}/org", headers=headers)


def test_it_rejects_unknown_expired_and_missing_tokens(zoho_sandbox):
    unknown = get_org(zoho_sandbox, zoho_sandbox.headers("1000.nope.nope"))
    assert unknown.status_code == 401
    assert unknown.json() == {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token",
                              "status": "error"}
    headers = zoho_sandbox.auth_headers()
    assert get_org(zoho_sandbox, headers).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert get_org(zoho_sandbox, headers).json()["code"] == "INVALID_TOKEN"
    missing = requests.get(f"{zoho_sandbox.crm}/org")
    assert missing.status_code == 401 and missing.json()["code"] == "AUTHENTICATION_FAILURE"


def test_it_rejects_calls_outside_the_tokens_scopes(zoho_sandbox):
    headers = zoho_sandbox.auth_headers(scopes=["ZohoCRM.modules.contacts.READ"])
    fields = requests.get(f"{zoho_sandbox.crm}/settings/fields", params={"module": "Contacts"}, headers=headers)
    assert fields.status_code == 401
    assert fields.json()["code"] == "OAUTH_SCOPE_MISMATCH" and fields.json()["status"] == "error"
    write = requests.post(f"{zoho_sandbox.crm}/Contacts/upsert", json={"data": [{"Last_Name": "X"}]},
                          headers=headers)
    assert write.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    read = requests.get(f"{zoho_sandbox.crm}/Contacts", params={"fields": "Email"}, headers=headers)
    assert read.status_code == 204


def test_it_reports_invalid_modules_and_urls(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    module = requests.get(f"{zoho_sandbox.crm}/Potatoes", params={"fields": "Email"}, headers=headers)
    assert module.status_code == 400
    assert module.json() == {"code": "INVALID_MODULE", "details": {"resource_path_index": 0},
                             "message": "the module name given seems to be invalid", "status": "error"}
    url = requests.get(f"{zoho_sandbox.crm}/Contacts/abc/def", headers=headers)
    assert url.status_code == 404 and url.json()["code"] == "INVALID_URL_PATTERN"


def test_it_answers_429_above_the_editions_concurrency(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    assert zoho_sandbox.org.edition == "standard"
    zoho_sandbox.hold_in_flight(9)
    assert get_org(zoho_sandbox, headers).status_code == 200  # the 10th simultaneous call
    zoho_sandbox.hold_in_flight(10)
    refused = get_org(zoho_sandbox, headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert "Retry-After" not in refused.headers
    zoho_sandbox.org.refresh_from_db()
    assert zoho_sandbox.org.in_flight == 10  # the refused call let go of its slot


def test_it_counts_credits_as_zoho_does(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    rows = [{"Last_Name": f"N{n}", "Email": f"n{n}@example.com"} for n in range(21)]
    requests.post(f"{zoho_sandbox.crm}/Contacts/upsert", json={"data": rows}, headers=headers)
    requests.get(f"{zoho_sandbox.crm}/Contacts", params={"fields": "Email"}, headers=headers)
    requests.get(f"{zoho_sandbox.crm}/Contacts/deleted", headers=headers)
    assert [(c["method"], c["status"], c["credits"]) for c in zoho_sandbox.calls()] == [
        ("POST", 200, 3), ("GET", 200, 1), ("GET", 204, 2),
    ]


def test_it_answers_429_when_the_days_credits_are_spent(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    zoho_sandbox.org.daily_credit_limit = 4
    zoho_sandbox.org.save()
    first = get_org(zoho_sandbox, headers)
    assert "X-API-CREDITS-REMAINING" not in first.headers
    assert get_org(zoho_sandbox, headers).headers["X-API-CREDITS-REMAINING"] == "2"
    get_org(zoho_sandbox, headers)
    get_org(zoho_sandbox, headers)
    spent = get_org(zoho_sandbox, headers)
    assert spent.status_code == 429 and spent.json()["code"] == "TOO_MANY_REQUESTS"
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert get_org(zoho_sandbox, zoho_sandbox.auth_headers()).status_code == 200


@pytest.mark.parametrize(("mode", "status"), [("429", 429), ("500", 500), ("503", 503)])
def test_it_fails_the_next_calls_on_request(zoho_sandbox, mode, status):
    headers = zoho_sandbox.auth_headers()
    zoho_sandbox.fault(fail_next=2, fail_mode=mode)
    assert [get_org(zoho_sandbox, headers).status_code for _ in range(3)] == [status, status, 200]


def test_it_times_out_malforms_and_serves_html_on_request(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    zoho_sandbox.fault(fail_next=1, fail_mode="timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        get_org(zoho_sandbox, headers)
    zoho_sandbox.fault(fail_next=1, fail_mode="malformed")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        get_org(zoho_sandbox, headers).json()
    zoho_sandbox.fault(fail_next=1, fail_mode="html")
    html = get_org(zoho_sandbox, headers)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert get_org(zoho_sandbox, headers).json()["org"]


def test_it_adds_latency(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    zoho_sandbox.fault(latency_ms=60)
    started = time.monotonic()
    get_org(zoho_sandbox, headers)
    assert time.monotonic() - started >= 0.06


def test_it_answers_a_partial_207_on_request(zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    zoho_sandbox.fault(partial_next=1)
    rows = [{"Last_Name": "A", "Email": "a@example.com"}, {"Last_Name": "B", "Email": "b@example.com"}]
    response = requests.post(f"{zoho_sandbox.crm}/Contacts/upsert", json={"data": rows}, headers=headers)
    assert response.status_code == 207
    assert [e["status"] for e in response.json()["data"]] == ["success", "error"]
    again = requests.post(f"{zoho_sandbox.crm}/Contacts/upsert", json={"data": rows}, headers=headers)
    assert again.status_code == 200


def test_it_expires_access_tokens_and_revokes_refresh_tokens_on_request(zoho_sandbox):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    zoho_sandbox.expire_access_tokens()
    assert get_org(zoho_sandbox, zoho_sandbox.headers(tokens["access_token"])).json()["code"] == "INVALID_TOKEN"
    token_url = f"{zoho_sandbox.accounts_server}/oauth/v2/token"
    form = {"grant_type": "refresh_token", "client_id": client.client_id, "client_secret": client.client_secret,
            "refresh_token": tokens["refresh_token"]}
    fresh = requests.post(token_url, data=form).json()
    assert get_org(zoho_sandbox, zoho_sandbox.headers(fresh["access_token"])).status_code == 200
    zoho_sandbox.revoke_refresh_tokens()
    assert requests.post(token_url, data=form).json() == {"error": "invalid_code"}
    assert get_org(zoho_sandbox, zoho_sandbox.headers(fresh["access_token"])).status_code == 401


def test_it_logs_every_call_with_its_org(zoho_sandbox):
    partner = zoho_sandbox.create_org("Partner CRM")
    requests.get(f"{zoho_sandbox.crm}/org", headers=zoho_sandbox.auth_headers(org=partner))
    requests.get(f"{zoho_sandbox.crm}/org", headers=zoho_sandbox.auth_headers())
    assert [c["path"] for c in zoho_sandbox.calls(partner)] == ["/sandbox/zoho/crm/v8/org"]
    assert ApiCall.objects.count() == 2


def test_it_is_unreachable_when_the_sandbox_is_off(zoho_sandbox, settings):
    headers = zoho_sandbox.auth_headers()
    settings.SANDBOX_ENABLED = False
    assert get_org(zoho_sandbox, headers).status_code == 404
    assert requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token").status_code == 404
    assert requests.get(f"{zoho_sandbox.accounts_server}/console/").status_code == 404

import io
import json
import zipfile
from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command

from sandbox.zoho import demo
from sandbox.zoho.models import ApiClient, Org

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def run(*args) -> dict:
    out = StringIO()
    call_command("zoho_sandbox", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_creates_clients_and_codes_that_the_token_endpoint_accepts(zoho_sandbox):
    client = run("create-client", "--name", "CLI app", "--redirect-uri", "http://testserver/cb/")
    assert set(client) >= {"client_id", "client_secret"}
    assert client["org"] == demo.DEMO_ORG  # no org yet: the demo org is made and used
    code = run("self-client-code", "--client-id", client["client_id"], "--scope", "ZohoCRM.modules.ALL")["code"]
    tokens = requests.post(f"{zoho_sandbox.accounts_server}/oauth/v2/token", data={
        "grant_type": "authorization_code", "client_id": client["client_id"],
        "client_secret": client["client_secret"], "code": code}).json()
    assert tokens["refresh_token"]
    upsert = requests.post(f"{zoho_sandbox.crm}/Contacts/upsert", json={"data": [{"Last_Name": "Cli"}]},
                           headers=zoho_sandbox.headers(tokens["access_token"]))
    assert upsert.status_code == 200

    records = run("records", "Contacts")
    assert [r["Last_Name"] for r in records["data"]] == ["Cli"]
    calls = run("calls")["calls"]
    assert [(c["method"], c["status"], c["credits"]) for c in calls][-1] == ("POST", 200, 1)


def test_it_turns_fault_knobs_and_resets(zoho_sandbox):
    org = zoho_sandbox.org
    headers = zoho_sandbox.auth_headers()
    result = run("fault", "--org", org.name, "--fail-next", "1", "--mode", "503", "--latency-ms", "0")
    assert result["faults"] == {"fail_next": 1, "fail_mode": "503", "latency_ms": 0, "partial_next": 0,
                                "bulk_fail_next": 0}
    assert requests.get(f"{zoho_sandbox.crm}/org", headers=headers).status_code == 503
    requests.post(f"{zoho_sandbox.crm}/Leads", json={"data": [{"Last_Name": "A"}, {"Last_Name": "B"}]},
                  headers=headers)
    deleted = run("fault", "--org", str(org.pk), "--delete-records", "Leads", "--count", "1")
    assert len(deleted["deleted_ids"]) == 1
    assert run("fault", "--org", org.name, "--expire-access-tokens")["expired_access_tokens"] == 1
    assert requests.get(f"{zoho_sandbox.crm}/org", headers=headers).status_code == 401
    run("reset", "--org", org.name)
    assert run("records", "Leads", "--org", org.name, "--include-deleted")["data"] == []
    assert run("calls", "--org", org.name)["calls"] == []


def test_it_fails_with_a_command_error(zoho_sandbox_state):
    with pytest.raises(CommandError, match="No sandbox client"):
        run("self-client-code", "--client-id", "nope", "--scope", "ZohoCRM.modules.ALL")
    with pytest.raises(CommandError, match="No sandbox org"):
        run("records", "Contacts", "--org", "Nobody")
    client = zoho_sandbox_state.create_client()
    with pytest.raises(CommandError, match="3 to 10"):
        run("self-client-code", "--client-id", client.client_id, "--scope", "ZohoCRM.modules.ALL", "--minutes", "2")
    with pytest.raises(CommandError, match="Invalid scope"):
        run("self-client-code", "--client-id", client.client_id, "--scope", "everything")


def test_it_adds_custom_fields_that_writes_are_checked_against(zoho_sandbox):
    field = run("add-field", "Contacts", "--org", zoho_sandbox.org.name, "--label", "Loyalty Tier",
                "--type", "picklist", "--value", "Gold", "--value", "Silver")
    assert field["api_name"] == "Loyalty_Tier"
    headers = zoho_sandbox.auth_headers()
    rows = [{"Last_Name": "A", "Loyalty_Tier": "Gold"}, {"Last_Name": "B", "Loyalty_Tier": "Bronze"}]
    data = requests.post(f"{zoho_sandbox.crm}/Contacts", json={"data": rows}, headers=headers).json()["data"]
    assert [entry["code"] for entry in data] == ["SUCCESS", "INVALID_DATA"]
    assert data[1]["details"]["api_name"] == "Loyalty_Tier"


def test_it_sets_up_the_demo_idempotently(settings):
    out = StringIO()
    demo.setup(out)
    demo.setup(out)
    assert list(Org.objects.values_list("name", flat=True)) == [demo.DEMO_ORG, demo.PARTNER_ORG]
    (client,) = ApiClient.objects.all()
    assert client.redirect_uri_list == ["http://testserver/zoho/oauth/callback/"]
    assert client.client_id in out.getvalue()
    assert client.client_secret not in out.getvalue()
    assert all(org.users.count() == 1 for org in Org.objects.all())
    settings.SITE_URL = "http://demo.example.com:8000"
    assert demo.ensure_demo_sandbox().client.redirect_uri_list[-1] == "http://demo.example.com:8000/zoho/oauth/callback/"


def test_it_fails_and_finishes_bulk_write_jobs(zoho_sandbox):
    org = zoho_sandbox.org
    headers = zoho_sandbox.auth_headers()
    assert run("fault", "--org", org.name, "--bulk-fail-next", "1")["faults"]["bulk_fail_next"] == 1
    upload = requests.post(f"{zoho_sandbox.api_domain}/content/crm/v8/upload", files={"file": (
        "f.zip", _zip("Email,Last_Name\na@example.com,A\n"))}, headers={
        **headers, "feature": "bulk-write", "X-CRM-ORG": org.zgid}).json()
    body = {"operation": "upsert", "resource": [{"type": "data", "module": {"api_name": "Contacts"}, "find_by": "Email",
            "file_id": upload["details"]["file_id"], "field_mappings": [{"api_name": "Email", "index": 0},
                                                                         {"api_name": "Last_Name", "index": 1}]}]}
    for _ in range(2):
        assert requests.post(f"{zoho_sandbox.api_domain}/crm/bulk/v8/write", json=body, headers=headers).ok
    assert run("bulk-run", "--org", org.name) == {"org": org.name, "finished_jobs": 2}
    assert sorted(org.bulk_jobs.values_list("status", flat=True)) == ["COMPLETED", "FAILED"]
    assert run("bulk-run", "--org", org.name)["finished_jobs"] == 0
    run("reset", "--org", org.name)
    assert not org.bulk_jobs.exists()


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("records.csv", text)
    return buffer.getvalue()

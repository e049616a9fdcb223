import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from responses import matchers

from integrations.zoho.models import ZohoConnection

from .conftest import TOKEN_URL

GRANT = {"access_token": "1000.aa.bb", "refresh_token": "1000.cc.dd", "api_domain": "https://www.zohoapis.com",
         "expires_in": 3600}
ORG = {"org": [{"id": "77", "company_name": "Zylker", "license_details": {"paid_type": "professional"}}]}


def run(*args, stdin="the-secret-value\n"):
    out = StringIO()
    try:
        extra = {"stdin": StringIO(stdin)} if args[0] == "zoho_connect" else {}
        call_command(*args, stdout=out, **extra)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def connect_args(*extra):
    return ("zoho_connect", "--name", "main", "--data-center", "us", "--client-id", "1000.ID",
            "--client-secret-stdin", "--grant-token", "1000.grant", *extra)


def test_zoho_connect_sets_up_a_connection(http, db):
    http.post(TOKEN_URL, json=GRANT, match=[matchers.urlencoded_params_matcher({
        "grant_type": "authorization_code", "client_id": "1000.ID", "client_secret": "the-secret-value",
        "code": "1000.grant"})])
    http.get("https://www.zohoapis.com/crm/v8/org", json=ORG)
    http.get("https://www.zohoapis.com/crm/v8/users", json={"users": [{"email": "a@zylker.com"}]})
    out, error = run(*connect_args("--json"))
    assert error is None
    report = json.loads(out)
    assert report["ok"] is True and report["org_name"] == "Zylker" and report["edition"] == "professional"
    assert report["status"] == "connected" and report["data_center"].startswith("United States")
    assert "the-secret-value" not in out and "1000.cc.dd" not in out
    connection = ZohoConnection.objects.get(name="main")
    assert connection.refresh_token == "1000.cc.dd" and connection.owner is None


def test_zoho_connect_failure_is_one_json_document_and_non_zero(http, db):
    http.post(TOKEN_URL, json={"error": "invalid_code"})
    out, error = run(*connect_args("--json"))
    report = json.loads(out)
    assert isinstance(error, CommandError)
    assert report["ok"] is False and report["code"] == "invalid_code" and "new Zoho API grant token" in report["error"]
    assert ZohoConnection.objects.get(name="main").status == "pending"


def test_zoho_connect_refuses_an_unknown_data_center(db):
    out, error = run("zoho_connect", "--name", "x", "--data-center", "mars", "--client-id", "i",
                     "--client-secret-stdin", "--grant-token", "g", "--json")
    assert error and json.loads(out)["ok"] is False


def test_zoho_verify(http, connection):
    http.get("https://www.zohoapis.com/crm/v8/org", json=ORG)
    http.get("https://www.zohoapis.com/crm/v8/users", json={"users": [{"email": "a@zylker.com"}]})
    out, error = run("zoho_verify", "zoho", "--json")
    assert error is None and json.loads(out)["org_id"] == "77"


def test_zoho_verify_plain_output(http, connection):
    http.get("https://www.zohoapis.com/crm/v8/org", json=ORG)
    http.get("https://www.zohoapis.com/crm/v8/users", json={"users": [{"email": "a@zylker.com"}]})
    out, error = run("zoho_verify", "zoho")
    assert error is None and "org_name: Zylker" in out


@pytest.mark.parametrize("name", ["zoho", "missing"])
def test_zoho_verify_failure_exits_non_zero(http, connection, name):
    if name == "zoho":
        http.get("https://www.zohoapis.com/crm/v8/org", status=401,
                 json={"code": "OAUTH_SCOPE_MISMATCH", "message": "invalid oauth scope", "status": "error"})
    out, error = run("zoho_verify", name, "--json")
    assert isinstance(error, CommandError) and json.loads(out)["ok"] is False


def test_zoho_connect_reads_the_secret_from_a_file_never_from_an_argument(http, db, tmp_path, monkeypatch):
    monkeypatch.delenv("ZOHO_CLIENT_SECRET", raising=False)
    with pytest.raises(CommandError, match="not taken on the command line"):
        call_command("zoho_connect", "--name", "main", "--data-center", "us", "--client-id", "1000.ID",
                     "--client-secret", "the-secret-value", "--grant-token", "1000.grant")
    secret_file = tmp_path / "zoho-secret"
    secret_file.write_text("the-secret-from-a-file\n")
    http.post(TOKEN_URL, json={"error": "invalid_code"}, match=[matchers.urlencoded_params_matcher({
        "grant_type": "authorization_code", "client_id": "1000.ID", "client_secret": "the-secret-from-a-file",
        "code": "1000.grant"})])
    monkeypatch.setenv("ZOHO_CLIENT_SECRET_FILE", str(secret_file))
    out, error = run("zoho_connect", "--name", "main", "--data-center", "us", "--client-id", "1000.ID",
                     "--grant-token", "1000.grant", "--json", stdin="")
    assert json.loads(out)["code"] == "invalid_code"
    assert ZohoConnection.objects.get(name="main").api_client.client_secret == "the-secret-from-a-file"


def test_zoho_connect_without_a_secret_says_where_to_put_it(db, monkeypatch):
    monkeypatch.delenv("ZOHO_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("ZOHO_CLIENT_SECRET_FILE", raising=False)
    out, error = run("zoho_connect", "--name", "main", "--data-center", "us", "--client-id", "1000.ID",
                     "--grant-token", "1000.grant", stdin="")
    assert isinstance(error, CommandError) and "--client-secret-file" in str(error)
    assert not ZohoConnection.objects.exists()

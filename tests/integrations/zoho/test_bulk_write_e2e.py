"""Bulk Write end to end: our client against the Zoho sandbox over HTTP (in-process through `responses`, and
once through a live server). Nothing is mocked: the sandbox checks headers, scopes, limits and each row."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from integrations.zoho.bulk_write import COMPLETED, FAILED, IN_PROGRESS, BulkFile, BulkWrite, build_file
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.errors import ConfigurationError
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.zoho import bulk_write as sandbox_bulk
from sandbox.zoho.models import ApiCall
from tests.fixtures.zoho_sandbox import ALL_SCOPES

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def connect(zoho_sandbox, scopes=ALL_SCOPES) -> ZohoConnection:
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client, scopes)
    api_client = ZohoApiClient.objects.create(name="sandbox", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    return ZohoConnection.objects.create(
        name="bulk", api_client=api_client, status=ZohoConnection.Status.CONNECTED,
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )


def bulk_for(connection) -> BulkWrite:
    return BulkWrite(connection, crm=ZohoCRM(connection, sleep=lambda seconds: None))


def follow(bulk: BulkWrite, job_id: str, polls: int = 5):
    """What the engine does over several slices: read the state until the job has finished."""
    states = []
    for _ in range(polls):
        status = bulk.job(job_id)
        states.append(status.state)
        if status.finished:
            return status, states
    raise AssertionError(f"job still {states[-1]} after {polls} reads")


def test_an_upsert_job_writes_good_rows_and_reports_bad_ones_per_row(zoho_sandbox):
    connection = connect(zoho_sandbox)
    bulk = bulk_for(connection)
    seed = bulk.start_upsert("Contacts", [{"Email": "old@example.com", "Last_Name": "Before"}], "Email")
    follow(bulk, seed)
    records = [
        {"Email": "new@example.com", "Last_Name": "New", "First_Name": "Ann", "Email_Opt_Out": True},
        {"Email": "old@example.com", "Last_Name": "After", "First_Name": None, "Email_Opt_Out": False},
        {"Email": "nolast@example.com", "Last_Name": None, "First_Name": "X", "Email_Opt_Out": False},
        {"Email": "bad@example.com", "Last_Name": "Bad", "First_Name": "x" * 41, "Email_Opt_Out": False},
    ]
    job_id = bulk.start_upsert("Contacts", records, "Email")
    status, states = follow(bulk, job_id)
    assert states == ["ADDED", IN_PROGRESS, COMPLETED]
    assert (status.added, status.updated, status.skipped, status.total) == (1, 1, 2, 4)
    results = dict(bulk.results(status, len(records)))
    assert results[0].ok and results[0].action == "insert"
    assert results[1].ok and results[1].action == "update"
    assert (results[2].ok, results[2].code, results[2].field) == (False, "MANDATORY_NOT_FOUND", "Last_Name")
    assert (results[3].ok, results[3].code, results[3].field) == (False, "INVALID_DATA", "First_Name")
    contacts = {c["Email"]: c for c in zoho_sandbox.records("Contacts")}
    assert set(contacts) == {"new@example.com", "old@example.com"}
    assert contacts["old@example.com"]["Last_Name"] == "After" and contacts["old@example.com"]["id"] == \
        results[1].zoho_id
    assert contacts["new@example.com"]["Email_Opt_Out"] is True and contacts["new@example.com"]["id"] == \
        results[0].zoho_id
    # 500 credits per job, 1 per upload, status read and download; the client counted the same
    job_calls = [c for c in zoho_sandbox.calls() if "/crm/bulk/v8/write" in c["path"] and c["method"] == "POST"]
    assert [c["credits"] for c in job_calls] == [500, 500]
    assert bulk.credits == sum(c["credits"] for c in zoho_sandbox.calls())


def test_lookups_and_dates_travel_as_zohos_bulk_csv_wants_them(zoho_sandbox):
    connection = connect(zoho_sandbox)
    bulk = bulk_for(connection)
    account = bulk.crm.upsert("Accounts", [{"Account_Name": "Acme"}], duplicate_check_fields=["Account_Name"])[0]
    job_id = bulk.start_upsert("Contacts", [{"Email": "a@example.com", "Last_Name": "A", "Date_of_Birth":
                                             "1990-02-28", "Account_Name": {"id": account.zoho_id}}], "Email",
                               field_types={"Date_of_Birth": "date"})
    status, _ = follow(bulk, job_id)
    assert [result.ok for _, result in bulk.results(status, 1)] == [True]
    (contact,) = zoho_sandbox.records("Contacts")
    assert contact["Date_of_Birth"] == "1990-02-28" and contact["Account_Name"] == {"id": account.zoho_id}


def test_a_failed_job_has_no_result_and_writes_nothing(zoho_sandbox):
    connection = connect(zoho_sandbox)
    zoho_sandbox.fault(bulk_fail_next=1)
    bulk = bulk_for(connection)
    job_id = bulk.start_upsert("Contacts", [{"Email": "a@example.com", "Last_Name": "A"}], "Email")
    status, states = follow(bulk, job_id)
    assert states[-1] == FAILED and status.code == "CANNOT_PROCESS" and not status.download_url
    assert zoho_sandbox.records("Contacts") == []


def test_a_grant_without_bulk_scopes_is_refused_and_the_connection_keeps_working(zoho_sandbox):
    scopes = [s for s in ALL_SCOPES if not s.startswith(("ZohoCRM.bulk", "ZohoFiles"))]
    connection = connect(zoho_sandbox, scopes)
    bulk = bulk_for(connection)
    with pytest.raises(ConfigurationError) as caught:
        bulk.upload(build_file([{"Email": "a@example.com", "Last_Name": "A"}], "Email"))
    assert caught.value.code == "OAUTH_SCOPE_MISMATCH"
    connection.refresh_from_db()
    assert connection.status == ZohoConnection.Status.CONNECTED
    assert bulk.crm.upsert("Contacts", [{"Email": "a@example.com", "Last_Name": "A"}])[0].ok


def test_a_file_over_25000_rows_is_refused_with_zohos_code(zoho_sandbox):
    connection = connect(zoho_sandbox)
    bulk = bulk_for(connection)
    small = build_file([{"Email": "a@example.com", "Last_Name": "A"}], "Email")
    rows = "Email,Last_Name\n" + "".join(f"p{i}@example.com,P\n" for i in range(sandbox_bulk.MAX_ROWS + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("records.csv", rows)
    too_long = BulkFile(file=buffer, columns=small.columns, rows=sandbox_bulk.MAX_ROWS + 1)
    file_id = bulk.upload(too_long)
    with pytest.raises(ConfigurationError) as caught:
        bulk.create_upsert_job("Contacts", file_id, too_long)
    assert caught.value.code == "LIMIT_EXCEEDED" and caught.value.status == 400


def test_the_callback_is_posted_when_the_job_finishes(zoho_sandbox, http):
    connection = connect(zoho_sandbox)
    http.add(responses.POST, "https://sync.example.com/zoho/bulk-callback/", status=200)
    bulk = bulk_for(connection)
    job_id = bulk.start_upsert("Contacts", [{"Email": "a@example.com", "Last_Name": "A"}], "Email",
                               callback_url="https://sync.example.com/zoho/bulk-callback/")
    assert zoho_sandbox.run_bulk_jobs() == 1  # the sandbox's "worker" ran: no status read was needed
    (callback,) = [c for c in http.calls if c.request.url.endswith("/bulk-callback/")]
    posted = json.loads(callback.request.body)
    assert posted["id"] == job_id and posted["status"] == COMPLETED and posted["result"]["download_url"]
    assert bulk.job(job_id).state == COMPLETED


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_over_a_live_server(live_zoho_sandbox):
    connection = connect(live_zoho_sandbox)
    bulk = bulk_for(connection)
    records = [{"Email": f"p{i}@example.com", "Last_Name": f"P{i}"} for i in range(300)]
    records[7]["Email"] = "not-an-email"
    job_id = bulk.start_upsert("Contacts", records, "Email")
    status, _ = follow(bulk, job_id)
    outcomes = dict(bulk.results(status, len(records)))
    assert [index for index, result in outcomes.items() if not result.ok] == [7]
    assert outcomes[7].code == "INVALID_DATA" and outcomes[7].field == "Email"
    assert len(live_zoho_sandbox.records("Contacts")) == 299
    assert ApiCall.objects.filter(path__contains="/content/crm/v8/upload", status=200).count() == 1

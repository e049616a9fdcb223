import csv
import io
import zipfile

import pytest
from responses import matchers

from integrations.zoho.bulk_write import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    MAX_ROWS,
    BulkFile,
    BulkWrite,
    ColumnSet,
    JobStatus,
    build_file,
    parse_result,
    scopes_granted,
)
from integrations.zoho.crm import RecordResult, ZohoCRM
from integrations.zoho.errors import ConfigurationError, RateLimited, TransientError, ZohoError
from integrations.zoho.limits import credits_used_24h
from integrations.zoho.models import ZohoConnection
from integrations.zoho.transport import Backoff

from .conftest import ACCESS_TOKEN, API, NEW_ACCESS_TOKEN, TOKEN_URL, refresh_ok

UPLOAD = "https://content.zohoapis.com/crm/v8/upload"
WRITE = f"{API}/crm/bulk/v8/write"
JOB_ID = "111111000000541958"
FILE_ID = "111111000001492610"
ZGID = "6196138"
DOWNLOAD = f"https://download-accl.zoho.com/v2/crm/{ZGID}/bulk-write/{JOB_ID}/{JOB_ID}.zip"
RECORDS = [
    {"Email": "ada@example.com", "Last_Name": "Lovelace", "Newsletter": True, "Account_Name": {"id": "41"},
     "Tags_Multi": ["a", "b"], "Birthday": "1815-12-10", "Phone": None},
    {"Email": "alan@example.com", "Last_Name": "Turing", "Newsletter": False, "Account_Name": None,
     "Tags_Multi": [], "Birthday": None, "Phone": "+44 1"},
    {"Email": "grace@example.com", "Last_Name": "", "Newsletter": False, "Account_Name": None,
     "Tags_Multi": [], "Birthday": None, "Phone": None},
]


def bulk_for(connection, no_sleep, zgid=ZGID):
    crm = ZohoCRM(connection, sleep=no_sleep, backoff=Backoff(sleep=no_sleep, random=lambda: 0.0))
    return BulkWrite(connection, crm=crm, zgid=zgid)


def content(file: BulkFile) -> bytes:
    file.file.seek(0)
    return file.file.read()


def csv_rows(file: BulkFile) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(content(file))) as archive:
        (name,) = archive.namelist()
        return list(csv.reader(io.StringIO(archive.read(name).decode())))


def result_zip(rows: list[list[str]], header=("Email", "Last_Name", "Newsletter", "STATUS", "RECORD_ID", "ERRORS")):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"Contacts-{JOB_ID}.csv", text.getvalue())
    return buffer.getvalue()


def job_doc(status, **file):
    doc = {"status": status, "character_encoding": "UTF-8", "id": JOB_ID, "operation": "upsert",
           "resource": [{"status": status, "type": "data", "module": {"api_name": "Contacts", "id": "1"},
                         "file": {"status": status, "name": "records.csv", **file}}],
           "created_by": {"id": "1", "name": "Pat"}, "created_time": "2026-12-03T08:00:00+00:00"}
    if status == "COMPLETED":
        doc["result"] = {"download_url": DOWNLOAD}
    return doc


# --- the file ------------------------------------------------------------------------------------------

def test_the_file_is_one_csv_in_a_zip_with_the_key_first_and_lookups_by_id():
    file = build_file(RECORDS, "Email", field_types={"Birthday": "date"})
    rows = csv_rows(file)
    assert rows[0] == ["Email", "Last_Name", "Newsletter", "Account_Name.id", "Tags_Multi", "Birthday", "Phone"]
    assert rows[1] == ["ada@example.com", "Lovelace", "true", "41", "a;b", "12/10/1815", ""]
    assert rows[2] == ["alan@example.com", "Turing", "false", "", "", "", "+44 1"]
    assert file.rows == 3
    assert file.field_mappings()[:4] == [
        {"api_name": "Email", "index": 0}, {"api_name": "Last_Name", "index": 1},
        {"api_name": "Newsletter", "index": 2}, {"api_name": "Account_Name", "index": 3, "find_by": "id"},
    ]


def test_datetimes_are_written_in_the_zoho_users_time_zone():
    file = build_file([{"Email": "a@example.com", "Seen": "2026-12-03T08:30:00+00:00"}], "Email",
                      field_types={"Seen": "datetime"}, time_zone="Asia/Kolkata")
    assert csv_rows(file)[1] == ["a@example.com", "12/03/2026 14:00:00"]


def test_the_key_column_comes_first_even_when_records_list_it_later():
    file = build_file([{"Last_Name": "X", "Email": "x@example.com"}], "Email")
    assert csv_rows(file)[0] == ["Email", "Last_Name"]


@pytest.mark.parametrize("records, message", [
    ([], "1–25000 records"),
    ([{"Email": f"p{i}@example.com"} for i in range(MAX_ROWS + 1)], "not 25001"),
    ([{"Email": "a@example.com"}, {"Last_Name": "no key"}], "match key 'Email'"),
    ([{"Email": "a@example.com", **{f"F{i}": "x" for i in range(200)}}], "at most 200 columns"),
])
def test_files_zoho_would_refuse_are_refused_before_any_call(records, message):
    with pytest.raises(ValueError, match=message):
        build_file(records, "Email")


# --- upload and job --------------------------------------------------------------------------------------

def test_upload_goes_to_the_upload_host_with_zohos_headers(http, connection, no_sleep):
    http.get(f"{API}/crm/v8/org", json={"org": [{"id": "808232144", "zgid": ZGID}]})
    http.post(UPLOAD, json={"status": "success", "code": "FILE_UPLOAD_SUCCESS", "message": "file uploaded.",
                            "details": {"file_id": FILE_ID, "created_time": "2026-12-03T08:00:00+00:00"}},
              match=[matchers.header_matcher({"feature": "bulk-write", "X-CRM-ORG": ZGID,
                                              "Authorization": f"Zoho-oauthtoken {ACCESS_TOKEN}"})])
    bulk = bulk_for(connection, no_sleep, zgid=None)
    file = build_file(RECORDS, "Email")
    assert bulk.upload(file) == FILE_ID
    upload = http.calls[1].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert content(file) in upload.body and b'name="file"; filename="records.zip"' in upload.body
    assert (bulk.calls, bulk.credits) == (2, 2)  # the org's zgid once, then the upload


def test_an_upload_retried_after_a_5xx_sends_the_whole_file_again(http, connection, no_sleep):
    http.post(UPLOAD, status=500, json={"code": "INTERNAL_ERROR", "status": "error", "message": "oops"})
    http.post(UPLOAD, json={"status": "success", "code": "FILE_UPLOAD_SUCCESS", "message": "file uploaded.",
                            "details": {"file_id": FILE_ID, "created_time": "2026-12-03T08:00:00+00:00"}})
    file = build_file(RECORDS, "Email")
    assert bulk_for(connection, no_sleep).upload(file) == FILE_ID
    first, second = (call.request for call in http.calls)
    assert first.body == second.body and content(file) in second.body  # streamed from the file, rewound
    assert int(second.headers["Content-Length"]) == len(second.body)


def test_records_streamed_once_with_their_columns_make_the_same_file_as_a_list():
    def stream():
        yield from RECORDS  # an iterator: the file must be written in one pass

    column_set = ColumnSet("Email")
    for record in RECORDS:
        column_set.add(record)
    streamed = build_file(stream(), "Email", columns=column_set.columns(), field_types={"Birthday": "date"})
    assert csv_rows(streamed) == csv_rows(build_file(RECORDS, "Email", field_types={"Birthday": "date"}))
    assert streamed.rows == 3


def test_an_upsert_job_matches_on_the_key_maps_columns_by_index_and_costs_500_credits(http, connection, no_sleep):
    file = build_file(RECORDS[:1], "Email")
    http.post(WRITE, status=201, json={"status": "success", "code": "SUCCESS", "message": "success",
                                       "details": {"id": JOB_ID, "created_by": {"id": "1", "name": "Pat"}}},
              match=[matchers.json_params_matcher({
                  "operation": "upsert", "ignore_empty": False,
                  "callback": {"url": "https://sync.example.com/zoho/bulk/", "method": "post"},
                  "resource": [{"type": "data", "module": {"api_name": "Contacts"}, "file_id": FILE_ID,
                                "find_by": "Email", "field_mappings": file.field_mappings()}]})])
    bulk = bulk_for(connection, no_sleep)
    assert bulk.create_upsert_job("Contacts", FILE_ID, file, callback_url="https://sync.example.com/zoho/bulk/") \
        == JOB_ID
    assert (bulk.calls, bulk.credits) == (1, 500)
    assert credits_used_24h(connection) == 500


def test_job_state_is_read_once_without_waiting(http, connection, no_sleep):
    http.get(f"{WRITE}/{JOB_ID}", json=job_doc("ADDED"))
    http.get(f"{WRITE}/{JOB_ID}", json={**job_doc("INPROGRESS")})
    http.get(f"{WRITE}/{JOB_ID}", json=job_doc("COMPLETED", added_count=1, updated_count=1, skipped_count=1,
                                                total_count=3))
    bulk = bulk_for(connection, no_sleep)
    assert bulk.job(JOB_ID).state == "ADDED"
    status = bulk.job(JOB_ID)
    assert status.state == IN_PROGRESS and not status.finished
    done = bulk.job(JOB_ID)
    assert done == JobStatus(job_id=JOB_ID, state=COMPLETED, download_url=DOWNLOAD, added=1, updated=1, skipped=1,
                             total=3)
    assert done.finished and no_sleep.calls == []


def test_a_failed_job_says_so(http, connection, no_sleep):
    doc = job_doc("FAILED")
    doc["resource"][0]["code"] = "INVALID_FILE_FORMAT"
    http.get(f"{WRITE}/{JOB_ID}", json=doc)
    status = bulk_for(connection, no_sleep).job(JOB_ID)
    assert (status.state, status.code, status.finished) == (FAILED, "INVALID_FILE_FORMAT", True)
    with pytest.raises(ZohoError, match="no result"):
        bulk_for(connection, no_sleep).results(status, 3)


# --- result ----------------------------------------------------------------------------------------------

def test_results_map_each_row_back_to_its_input_row(http, connection, no_sleep):
    http.get(DOWNLOAD, body=result_zip([
        ["ada@example.com", "Lovelace", "true", "ADDED", "4150868000000001", ""],
        ["alan@example.com", "Turing", "false", "UPDATED", "4150868000000002", ""],
        ["grace@example.com", "", "false", "SKIPPED", "", "MANDATORY_NOT_FOUND-Last_Name:DUPLICATE_DATA-Email"],
    ]), content_type="application/zip", match=[
        matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {ACCESS_TOKEN}"})])
    bulk = bulk_for(connection, no_sleep)
    status = JobStatus(job_id=JOB_ID, state=COMPLETED, download_url=DOWNLOAD, total=3)
    results = list(bulk.results(status, 3))
    assert results[0] == (0, RecordResult(ok=True, action="insert", zoho_id="4150868000000001", code="SUCCESS",
                                          details={"id": "4150868000000001"}))
    assert results[1][1].action == "update" and results[1][1].zoho_id == "4150868000000002"
    index, failed = results[2]
    assert (index, failed.ok, failed.code, failed.field) == (2, False, "MANDATORY_NOT_FOUND", "Last_Name")
    assert "DUPLICATE_DATA-Email" in failed.message
    assert bulk.credits == 1


def test_a_result_with_another_row_count_is_refused():
    with pytest.raises(ZohoError, match="2 rows for 3 records"):
        list(parse_result(result_zip([["a@example.com", "A", "true", "ADDED", "1", ""]] * 2), 3))


def test_a_relative_download_url_is_fetched_from_the_api_domain(http, connection, no_sleep):
    relative = f"/v7/crm/org{ZGID}/bulk-write/{JOB_ID}/{JOB_ID}.zip"
    http.get(f"{API}{relative}", body=result_zip([["a@example.com", "A", "true", "ADDED", "1", ""]]))
    status = JobStatus(job_id=JOB_ID, state=COMPLETED, download_url=relative, total=1)
    assert list(bulk_for(connection, no_sleep).results(status, 1))[0][1].ok


def test_the_token_is_never_sent_to_a_download_host_outside_zoho(connection, no_sleep):
    status = JobStatus(job_id=JOB_ID, state=COMPLETED, download_url="https://evil.example.net/x.zip", total=1)
    with pytest.raises(ZohoError, match="unexpected download host") as caught:
        bulk_for(connection, no_sleep).results(status, 1)
    assert caught.value.code == "untrusted_download"


# --- errors ----------------------------------------------------------------------------------------------

def test_a_grant_without_bulk_scopes_is_a_configuration_error_and_the_connection_stays_usable(
        http, connection, no_sleep):
    http.post(WRITE, status=401, json={"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth "
                                       "scope to access this URL", "status": "error"})
    with pytest.raises(ConfigurationError) as caught:
        bulk_for(connection, no_sleep).create_upsert_job("Contacts", FILE_ID, build_file(RECORDS, "Email"))
    assert caught.value.code == "OAUTH_SCOPE_MISMATCH" and "grant token" in caught.value.hint
    connection.refresh_from_db()
    assert connection.status == ZohoConnection.Status.CONNECTED


def test_zohos_limit_errors_are_readable(http, connection, no_sleep):
    http.post(UPLOAD, status=413, json={"code": "FILE_TOO_LARGE", "details": {}, "message": "File size too large "
                                        "to process", "status": "error"})
    with pytest.raises(ConfigurationError) as caught:
        bulk_for(connection, no_sleep).upload(build_file(RECORDS, "Email"))
    assert caught.value.code == "FILE_TOO_LARGE" and caught.value.status == 413
    assert "File size too large" in str(caught.value)


def test_rate_limits_and_server_errors_keep_their_classes(http, connection, no_sleep):
    http.get(f"{WRITE}/{JOB_ID}", status=429, json={"code": "TOO_MANY_REQUESTS", "details": {}, "message": "",
                                                     "status": "error"}, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        bulk_for(connection, no_sleep).job(JOB_ID)
    assert caught.value.retry_after == 30
    http.replace("GET", f"{WRITE}/{JOB_ID}", status=503, body="<h1>down</h1>", content_type="text/html")
    with pytest.raises(TransientError):
        bulk_for(connection, no_sleep).job(JOB_ID)


def test_an_expired_token_is_refreshed_once(http, expired_connection, no_sleep):
    http.post(TOKEN_URL, json=refresh_ok())
    http.get(f"{WRITE}/{JOB_ID}", json=job_doc("ADDED"),
             match=[matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {NEW_ACCESS_TOKEN}"})])
    assert bulk_for(expired_connection, no_sleep).job(JOB_ID).state == "ADDED"


@pytest.mark.parametrize("granted, covered", [
    ("ZohoCRM.modules.ALL,ZohoCRM.bulk.ALL,ZohoFiles.files.ALL", True),
    ("ZohoCRM.modules.ALL,ZohoCRM.bulk.CREATE,ZohoFiles.files.ALL", True),
    ("ZohoCRM.modules.ALL,ZohoCRM.org.READ", False),  # a grant from before Bulk Write
    ("ZohoCRM.modules.ALL,ZohoCRM.bulk.ALL", False),
    ("", True),
])
def test_it_tells_whether_a_grant_covers_bulk_write(connection, granted, covered):
    connection.granted_scopes = granted
    assert scopes_granted(connection) is covered

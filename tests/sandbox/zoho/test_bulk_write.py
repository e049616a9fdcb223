"""The sandbox's Bulk Write as a raw HTTP client sees it: headers, scopes, limits with Zoho's codes, job states,
the result zip, credits, and the shapes of bulk_write.json."""

import csv
import io
import zipfile

import pytest
import requests

from sandbox.zoho import bulk_write
from sandbox.zoho.models import ApiCall, BulkJob, Org

from . import oas

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
SPEC = "bulk_write.json"


def zipped(text: str | bytes, name="records.csv", extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
        for other, content in (extra or {}).items():
            archive.writestr(other, content)
    return buffer.getvalue()


class Bulk:
    def __init__(self, sandbox, scopes=None):
        self.sandbox = sandbox
        self.headers = sandbox.auth_headers(**({"scopes": scopes} if scopes else {}))
        self.base = sandbox.api_domain

    def upload(self, content: bytes, **headers):
        wanted = {"feature": "bulk-write", "X-CRM-ORG": self.sandbox.org.zgid, **headers}
        return requests.post(f"{self.base}/content/crm/v8/upload", files={"file": ("f.zip", content)},
                             headers={**self.headers, **{k: v for k, v in wanted.items() if v is not None}})

    def file_id(self, text: str) -> str:
        return self.upload(zipped(text)).json()["details"]["file_id"]

    def create(self, body: dict):
        return requests.post(f"{self.base}/crm/bulk/v8/write", json=body, headers=self.headers)

    def job(self, job_id: str):
        return requests.get(f"{self.base}/crm/bulk/v8/write/{job_id}", headers=self.headers)


def upsert_body(file_id, mappings=None, **extra):
    mappings = mappings or [{"api_name": "Email", "index": 0}, {"api_name": "Last_Name", "index": 1}]
    return {"operation": "upsert", "resource": [{"type": "data", "module": {"api_name": "Contacts"},
                                                 "file_id": file_id, "find_by": "Email",
                                                 "field_mappings": mappings}], **extra}


@pytest.fixture
def bulk(zoho_sandbox):
    return Bulk(zoho_sandbox)


def test_a_job_runs_through_its_states_and_its_result_names_each_row(bulk, zoho_sandbox):
    upload = bulk.upload(zipped("Email,Last_Name,Phone\na@example.com,A,1\nbad,B,2\nc@example.com,,3\n"))
    assert upload.status_code == 200
    oas.validate(upload.json(), oas.component(SPEC, "Success_Response"))
    created = bulk.create(upsert_body(upload.json()["details"]["file_id"], [
        {"api_name": "Email", "index": 0}, {"api_name": "Last_Name", "index": 1}, {"api_name": "Phone", "index": 2}]))
    assert created.status_code == 201
    oas.validate(created.json(), oas.response_schema(SPEC, "/crm/bulk/v8/write", "post", "201"))
    assert {"id", "created_by"} <= set(created.json()["details"])
    job_id = created.json()["details"]["id"]
    reads = [bulk.job(job_id) for _ in range(3)]
    for read in reads:
        oas.validate(read.json(), oas.response_schema(SPEC, "/crm/bulk/v8/write/{job_id}", "get"))
    assert [read.json()["status"] for read in reads] == ["ADDED", "IN PROGRESS", "COMPLETED"]
    done = reads[-1].json()
    assert done["resource"][0]["file"] == {"status": "COMPLETED", "name": "f.csv", "added_count": 1,
                                                "skipped_count": 2, "updated_count": 0, "total_count": 3}
    result = requests.get(done["result"]["download_url"], headers=bulk.headers)
    assert result.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
        (name,) = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read(name).decode())))
    assert name == f"Contacts-{job_id}.csv"
    assert rows[0] == ["Email", "Last_Name", "Phone", "STATUS", "RECORD_ID", "ERRORS"]
    assert rows[1][:4] == ["a@example.com", "A", "1", "ADDED"] and len(rows[1][4]) == 19
    assert rows[2][3:] == ["SKIPPED", "", "INVALID_DATA-Email"]
    assert rows[3][3:] == ["SKIPPED", "", "MANDATORY_NOT_FOUND-Last_Name"]
    credits = {c.path.split("?")[0].rsplit("/", 1)[-1]: c.credits for c in ApiCall.objects.all()}
    assert credits["upload"] == 1 and credits["write"] == 500
    assert [r["Email"] for r in zoho_sandbox.records("Contacts")] == ["a@example.com"]


@pytest.mark.parametrize("headers", [{"feature": None}, {"X-CRM-ORG": "1"}, {"feature": "bulk-read"}])
def test_the_upload_host_wants_zohos_headers(bulk, headers):
    refused = bulk.upload(zipped("Email\n"), **headers)
    assert refused.status_code == 400
    assert refused.json()["x-error"] == "check if headers [feature, X-CRM-ORG] are present and valid"
    oas.validate(refused.json(), oas.component(SPEC, "API_Exception"))


def test_the_upload_takes_one_zipped_csv_of_at_most_25_mb(bulk):
    not_zip = bulk.upload(b"Email\na@example.com\n")
    assert (not_zip.status_code, not_zip.json()["code"]) == (400, "INVALID_FILE_FORMAT")
    two = bulk.upload(zipped("Email\n", extra={"more.csv": "Email\n"}))
    assert (two.status_code, two.json()["code"]) == (400, "FILE_NOT_SUPPORTED")
    huge = bulk.upload(b"PK" + b"\0" * bulk_write.MAX_FILE_BYTES)
    assert (huge.status_code, huge.json()["code"]) == (413, "FILE_TOO_LARGE")
    for response in (not_zip, two, huge):
        oas.assert_error_envelope(response, response.status_code, schema=(SPEC, "API_Exception"))


def test_scopes_bulk_for_the_job_and_files_for_the_upload(zoho_sandbox):
    no_files = Bulk(zoho_sandbox, scopes=["ZohoCRM.modules.ALL", "ZohoCRM.bulk.CREATE"])
    assert no_files.upload(zipped("Email\n")).json()["code"] == "OAUTH_SCOPE_MISMATCH"
    no_bulk = Bulk(zoho_sandbox, scopes=["ZohoCRM.modules.ALL", "ZohoFiles.files.ALL"])
    file_id = no_bulk.file_id("Email,Last_Name\na@example.com,A\n")
    refused = no_bulk.create(upsert_body(file_id))
    assert (refused.status_code, refused.json()["code"]) == (401, "OAUTH_SCOPE_MISMATCH")
    no_module = Bulk(zoho_sandbox, scopes=["ZohoCRM.modules.leads.ALL", "ZohoCRM.bulk.ALL", "ZohoFiles.files.ALL"])
    assert no_module.create(upsert_body(no_module.file_id("Email,Last_Name\n"))).json()["code"] == \
        "OAUTH_SCOPE_MISMATCH"
    create_only = Bulk(zoho_sandbox, scopes=["ZohoCRM.modules.ALL", "ZohoCRM.bulk.CREATE", "ZohoFiles.files.ALL"])
    assert create_only.create(upsert_body(create_only.file_id("Email,Last_Name\n"))).status_code == 201


def test_a_job_is_checked_as_zoho_checks_it(bulk):
    file_id = bulk.file_id("Email,Last_Name\na@example.com,A\n")
    cases = [
        ({"operation": "upsert", "resource": []}, "MANDATORY_NOT_FOUND"),
        ({k: v for k, v in upsert_body(file_id).items() if k != "operation"}, "MANDATORY_NOT_FOUND"),
        (upsert_body(file_id, callback={"url": "https://x.example/cb", "method": "get"}), "INVALID_CALLBACK_METHOD"),
        (upsert_body("123"), "INVALID_FILE_ID"),
        (upsert_body(file_id, [{"api_name": "Email", "index": 0}, {"api_name": "Nope", "index": 1}]),
         "INVALID_FIELD"),
        (upsert_body(file_id, [{"api_name": "Email", "index": 0}, {"api_name": "Last_Name", "index": 5}]),
         "COLUMN_INDEX_NOT_FOUND"),
        (upsert_body(file_id, [{"api_name": "Email", "index": 0}]), "MANDATORY_FIELDS_NOT_MAPPED"),
        (upsert_body(file_id, [{"api_name": "Email", "index": 0}] * 201), "HEADER_LIMIT_EXCEEDED"),
    ]
    for body, code in cases:
        refused = bulk.create(body)
        assert (refused.status_code, refused.json()["code"]) == (400, code), body
        if code == "INVALID_CALLBACK_METHOD":
            oas.validate(refused.json(), oas.component(SPEC, "Invalid_Callback_Method"))
            assert refused.json()["details"] == {"supported_callback_methods": ["post"]}
        else:
            oas.assert_error_envelope(refused, 400, schema=(SPEC, "API_Exception"))
    other_module = upsert_body(file_id)
    other_module["resource"][0]["module"] = {"api_name": "Potatoes"}
    assert bulk.create(other_module).json()["code"] == "MODULE_NOT_AVAILABLE"
    unknown = bulk.job("4150868000000000001")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "RESOURCE_NOT_FOUND")
    oas.validate(unknown.json(), oas.component(SPEC, "Resource_Not_Found"))
    assert BulkJob.objects.count() == 0


def test_more_than_25000_rows_are_refused(bulk):
    rows = "Email,Last_Name\n" + "".join(f"p{i}@example.com,P\n" for i in range(bulk_write.MAX_ROWS + 1))
    refused = bulk.create(upsert_body(bulk.file_id(rows)))
    assert (refused.status_code, refused.json()["code"]) == (400, "LIMIT_EXCEEDED")
    assert refused.json()["details"]["limit"] == 25_000


def test_a_job_costs_500_credits_from_the_orgs_budget(bulk, zoho_sandbox):
    Org.objects.filter(pk=zoho_sandbox.org.pk).update(daily_credit_limit=501)
    file_id = bulk.file_id("Email,Last_Name\na@example.com,A\n")  # 1 credit
    assert bulk.create(upsert_body(file_id)).status_code == 201  # 500 credits: the day's budget is spent
    spent = bulk.job(BulkJob.objects.get().job_id)
    assert (spent.status_code, spent.json()["code"]) == (429, "TOO_MANY_REQUESTS")


def test_an_unreadable_csv_fails_the_job(bulk, zoho_sandbox):
    file_id = bulk.upload(zipped(b"Email,Last_Name\n\xff\xfe,A\n")).json()["details"]["file_id"]
    job_id = bulk.create(upsert_body(file_id)).json()["details"]["id"]
    assert zoho_sandbox.run_bulk_jobs() == 1
    failed = bulk.job(job_id).json()
    assert failed["status"] == "FAILED" and failed["resource"][0]["code"] == "INVALID_FILE_FORMAT"
    assert "result" not in failed


def test_a_big_job_is_written_a_share_per_status_read_and_its_counts_grow(bulk, zoho_sandbox, settings):
    settings.SANDBOX_BULK_ROWS_PER_READ = 2
    lines = "".join(f"p{n}@example.com,P{n}\n" for n in range(5))
    job_id = bulk.create(upsert_body(bulk.file_id("Email,Last_Name\n" + lines))).json()["details"]["id"]
    reads = [bulk.job(job_id).json() for _ in range(5)]  # each shows the job as read, then writes a share
    assert [r["status"] for r in reads] == ["ADDED", "IN PROGRESS", "IN PROGRESS", "IN PROGRESS", "COMPLETED"]
    assert [r["resource"][0]["file"]["added_count"] for r in reads] == [0, 0, 2, 4, 5]
    assert sorted(r["Email"] for r in zoho_sandbox.records("Contacts")) == [f"p{n}@example.com" for n in range(5)]
    result = requests.get(reads[-1]["result"]["download_url"], headers=bulk.headers)
    with zipfile.ZipFile(io.BytesIO(result.content)) as archive:
        rows = list(csv.reader(io.StringIO(archive.read(archive.namelist()[0]).decode())))
    assert [row[0] for row in rows] == ["Email"] + [f"p{n}@example.com" for n in range(5)]
    assert {row[2] for row in rows[1:]} == {"ADDED"}


def test_a_share_already_written_by_another_reader_is_not_written_again(bulk, zoho_sandbox, settings):
    settings.SANDBOX_BULK_ROWS_PER_READ = 2
    lines = "".join(f"p{n}@example.com,P{n}\n" for n in range(3))
    job_id = bulk.create(upsert_body(bulk.file_id("Email,Last_Name\n" + lines))).json()["details"]["id"]
    bulk.job(job_id)  # ADDED → IN PROGRESS
    stale = BulkJob.objects.get(job_id=job_id)  # what a second, concurrent reader loaded
    bulk.job(job_id)  # the first share is written
    assert bulk_write.process_step(stale) is False  # the stale reader finds the share moved on
    job = BulkJob.objects.get(job_id=job_id)
    assert (job.rows_done, job.added_count, job.status) == (2, 2, BulkJob.IN_PROGRESS)
    assert zoho_sandbox.run_bulk_jobs() == 1
    assert BulkJob.objects.get(job_id=job_id).added_count == 3
    assert len(zoho_sandbox.records("Contacts")) == 3


def test_a_share_also_ends_when_its_time_is_up(bulk, zoho_sandbox, settings):
    settings.SANDBOX_BULK_SECONDS_PER_READ = 0  # at least one row per read, then the time is up
    lines = "".join(f"p{n}@example.com,P{n}\n" for n in range(3))
    job_id = bulk.create(upsert_body(bulk.file_id("Email,Last_Name\n" + lines))).json()["details"]["id"]
    reads = [bulk.job(job_id).json() for _ in range(5)]
    assert [r["resource"][0]["file"]["added_count"] for r in reads] == [0, 0, 1, 2, 3]
    assert reads[-1]["status"] == "COMPLETED"

"""Zoho CRM Bulk Write: many records in one job of up to 25,000 rows for 500 credits.

Reference: https://www.zoho.com/crm/developer/docs/api/v8/bulk-write/overview.html (upload-file, create-job,
get-job-details, download-result) and `../shared/docs/zoho-crm-api.md` §10. The steps, each one call that
never sleeps (the caller follows the job over later slices, or waits for the callback):

1. `build_file(records, key)`: the records (dicts as for an upsert) as one CSV in a zip in a temporary file,
   written a row at a time; the match key is column 0, a lookup `{"id": …}` becomes a `Field.id` column.
2. `BulkWrite.upload(file)`: POST to the data center's upload host, streamed from the file; returns Zoho's file id.
3. `BulkWrite.create_upsert_job(module, file_id, file, ...)`: returns the job id (500 credits).
4. `BulkWrite.job(job_id)`: the job's state now (ADDED, IN PROGRESS, COMPLETED, FAILED).
5. `BulkWrite.results(status, rows)`: the result file, saved to a temporary file as it downloads, then one
   `(row, RecordResult)` per input row, in input order, read as they are used.

Calls go through `ZohoCRM.request` (token, refresh, credits, concurrency slot, retries, error taxonomy). A
grant without the bulk scopes raises ConfigurationError(code="OAUTH_SCOPE_MISMATCH") and leaves the
connection usable: the caller falls back to batch upserts.
"""

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from .crm import RecordResult, ZohoCRM
from .datacenters import DATA_CENTERS
from .errors import ConfigurationError, ZohoError
from .models import ZohoConnection
from .multipart import MultipartFile

API_VERSION = "v8"
MAX_ROWS = 25_000
MAX_COLUMNS = 200
MAX_FILE_BYTES = 25 * 1024 * 1024
COST_JOB = 500  # credits per Bulk Write job; upload, status and download cost 1 each, as any call
MULTI_VALUE_SEPARATOR = ";"
CSV_NAME = "records.csv"

ADDED, IN_PROGRESS, COMPLETED, FAILED = "ADDED", "IN PROGRESS", "COMPLETED", "FAILED"
_STATES = {"ADDED": ADDED, "IN PROGRESS": IN_PROGRESS, "INPROGRESS": IN_PROGRESS, "IN_PROGRESS": IN_PROGRESS,
           "COMPLETED": COMPLETED, "FAILED": FAILED}
_RESULT_ACTIONS = {"ADDED": "insert", "UPDATED": "update"}


@dataclass(frozen=True)
class Column:
    header: str  # the CSV header: the field's API name, `Field.id` for a lookup by id
    api_name: str
    find_by: str | None = None  # "id" for a lookup column


@dataclass(frozen=True)
class BulkFile:
    """One zipped CSV ready to upload, in a binary file (a temporary file: `close()` deletes it); `columns[0]` is
    the match key."""

    file: BinaryIO
    columns: tuple[Column, ...]
    rows: int

    @property
    def size(self) -> int:
        return self.file.seek(0, io.SEEK_END)

    def field_mappings(self) -> list[dict]:
        mappings = []
        for index, column in enumerate(self.columns):
            mapping = {"api_name": column.api_name, "index": index}
            if column.find_by:
                mapping["find_by"] = column.find_by
            mappings.append(mapping)
        return mappings

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> "BulkFile":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class FileTooLarge(ValueError):
    """The zipped file is over Zoho's 25 MB: Zoho would refuse it (FILE_TOO_LARGE)."""


@dataclass(frozen=True)
class JobStatus:
    """A job as Zoho reports it now. Counts are those of the job's file (0 until Zoho has them)."""

    job_id: str
    state: str
    download_url: str = ""
    added: int = 0
    updated: int = 0
    skipped: int = 0
    total: int = 0
    code: str = ""  # the resource's code when the job failed, if Zoho gives one

    @property
    def finished(self) -> bool:
        return self.state in (COMPLETED, FAILED)

    @classmethod
    def from_doc(cls, doc: dict, job_id: str) -> "JobStatus":
        resources = doc.get("resource") if isinstance(doc.get("resource"), list) else []
        resource = resources[0] if resources and isinstance(resources[0], dict) else {}
        file = resource.get("file") if isinstance(resource.get("file"), dict) else {}
        state = _STATES.get(str(doc.get("status", "")).upper())
        if state is None:
            raise ZohoError(f"Zoho reported Bulk Write job {job_id} in an unknown state {doc.get('status')!r}.",
                            code="unexpected_response")
        result = doc.get("result") if isinstance(doc.get("result"), dict) else {}
        return cls(job_id=str(doc.get("id") or job_id), state=state, download_url=str(result.get("download_url") or ""),
                   added=_int(file.get("added_count")), updated=_int(file.get("updated_count")),
                   skipped=_int(file.get("skipped_count")), total=_int(file.get("total_count")),
                   code=str(resource.get("code") or ""))


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# --- the file --------------------------------------------------------------------------------------------

class ColumnSet:
    """The columns of a file whose records are seen one at a time: every key any record has, in order of first
    appearance after the match key; a key any record gives as a lookup (`{"id": …}`) is a `Field.id` column."""

    def __init__(self, key: str):
        self.lookups: dict[str, bool] = {key: False}

    def add(self, record: Mapping) -> None:
        for name, value in record.items():
            if name != "id":
                self.lookups[name] = self.lookups.get(name, False) or isinstance(value, Mapping)

    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(f"{name}.id", name, "id") if lookup else Column(name, name)
                     for name, lookup in self.lookups.items())


def _columns(records: Iterable[Mapping], key: str) -> tuple[Column, ...]:
    column_set = ColumnSet(key)
    for record in records:
        column_set.add(record)
    return column_set.columns()


def _cell(value, data_type: str, zone: ZoneInfo) -> str:
    """A value as Zoho's bulk CSV wants it: empty for None (clears the field, as null does in JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    if isinstance(value, list | tuple):
        return MULTI_VALUE_SEPARATOR.join(str(item) for item in value if item is not None)
    if data_type == "date" and isinstance(value, str) and len(value) == 10:
        year, month, day = value.split("-")
        return f"{month}/{day}/{year}"  # Zoho's default bulk date format, MM/dd/yyyy
    if data_type == "datetime" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return moment.strftime("%m/%d/%Y %H:%M:%S")  # MM/dd/yyyy HH:mm:ss in the Zoho user's time zone
    return str(value)


def build_file(records: Iterable[Mapping], key: str, *, columns: Sequence[Column] | None = None,
               field_types: Mapping[str, str] | None = None, time_zone: str = "UTC") -> BulkFile:
    """The records (dicts as for an upsert) as one zipped CSV in a temporary file, in input order.

    `key` (the match field, e.g. "Email") is column 0 and the job's `find_by`; every row needs it. `columns`
    (from a `ColumnSet` that saw every record) lets the records be any iterable, read once as the file is written
    (rows streamed from a database); without it they must be a sequence. `field_types` (API name → Zoho
    data_type, from the field metadata) turns ISO dates and datetimes into Zoho's bulk formats, datetimes in
    `time_zone` (the Zoho user's). A key missing from a row is an empty cell, which clears the field as null does.
    ValueError for an empty, too long or too wide file (FileTooLarge over 25 MB zipped).
    """
    if columns is None:
        records = list(records) if not isinstance(records, Sequence) else records
        columns = _columns(records, key)
    columns = tuple(columns)
    if not columns or columns[0].api_name != key:
        raise ValueError(f"The match key {key!r} must be the file's first column.")
    if len(columns) > MAX_COLUMNS:
        raise ValueError(f"A Bulk Write file takes at most {MAX_COLUMNS} columns, not {len(columns)}.")
    types, zone = field_types or {}, ZoneInfo(time_zone)
    with ExitStack() as on_error:
        file = on_error.enter_context(tempfile.TemporaryFile())
        rows = _write_csv(file, records, key, columns, types, zone)
        bulk_file = BulkFile(file=file, columns=columns, rows=rows)
        if not 0 < rows <= MAX_ROWS:
            raise ValueError(f"A Bulk Write file takes 1–{MAX_ROWS} records, not {rows}.")
        if bulk_file.size > MAX_FILE_BYTES:
            raise FileTooLarge(f"The zipped Bulk Write file is {bulk_file.size} bytes; Zoho takes at most "
                               f"{MAX_FILE_BYTES}.")
        file.seek(0)
        on_error.pop_all()  # the caller closes the file
    return bulk_file


def _write_csv(file: BinaryIO, records: Iterable[Mapping], key: str, columns: tuple[Column, ...],
               types: Mapping[str, str], zone: ZoneInfo) -> int:
    """Write the zip with its one CSV member, a row at a time; the rows written (stops past MAX_ROWS)."""
    rows = 0
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open(CSV_NAME, "w") as member, \
            io.TextIOWrapper(member, encoding="utf-8", newline="") as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([column.header for column in columns])
        for record in records:
            if not record.get(key):
                raise ValueError(f"Every record of a Bulk Write upsert needs its match key {key!r}.")
            rows += 1
            if rows > MAX_ROWS:
                break
            writer.writerow([_cell(record.get(column.api_name), types.get(column.api_name, ""), zone)
                             for column in columns])
    return rows


# --- the result ------------------------------------------------------------------------------------------

def _first_error(cell: str) -> tuple[str, str | None]:
    """`MANDATORY_NOT_FOUND-Company,Last_Name:DUPLICATE_DATA-Email` → ("MANDATORY_NOT_FOUND", "Company")."""
    first = cell.split(":")[0].strip()
    code, _, fields = first.partition("-")
    field = fields.split(",")[0].strip() or None
    return code.strip(), field.split(".")[0] if field else None


def _row_result(row: Mapping[str, str]) -> RecordResult:
    status = (row.get("STATUS") or "").strip().upper()
    record_id = (row.get("RECORD_ID") or "").strip()
    action = _RESULT_ACTIONS.get(status)
    if action and record_id:
        return RecordResult(ok=True, action=action, zoho_id=record_id, code="SUCCESS",
                            details={"id": record_id})
    errors = (row.get("ERRORS") or "").strip()
    code, field = _first_error(errors) if errors else (status or "SKIPPED", None)
    return RecordResult(ok=False, code=code, message=errors or f"Zoho skipped the row ({status or 'no status'}).",
                        field=field, details={"errors": errors} if errors else {})


def parse_result(source: bytes | BinaryIO, rows: int) -> Iterator[tuple[int, RecordResult]]:
    """(row index, RecordResult) for each of the `rows` input rows, from Zoho's zipped result CSV (bytes, or a
    binary file, closed once the rows are read). The file is checked first (one CSV, a STATUS column, one row per
    input row), so a result that does not fit raises before any row is used; the rows are then read one by one."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    with ExitStack() as on_error:
        on_error.callback(file.close)
        counted = sum(1 for _ in _result_rows(file))
        if counted != rows:
            raise ZohoError(f"Zoho's Bulk Write result has {counted} rows for {rows} records.",
                            code="unexpected_response")
        on_error.pop_all()
    return _results(file)


def _results(file: BinaryIO) -> Iterator[tuple[int, RecordResult]]:
    with file:
        for index, row in enumerate(_result_rows(file)):
            yield index, _row_result(row)


def _result_rows(file: BinaryIO) -> Iterator[dict[str, str]]:
    """The result CSV's rows as dicts, read from the zip as they are parsed."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(names) != 1:
                raise ZohoError(f"Zoho's Bulk Write result holds {len(names)} CSV files, not one.",
                                code="unexpected_response")
            with archive.open(names[0]) as member, io.TextIOWrapper(member, encoding="utf-8-sig",
                                                                    newline="") as text:
                reader = csv.DictReader(text)
                if "STATUS" not in (reader.fieldnames or []):
                    raise ZohoError("Zoho's Bulk Write result has no STATUS column.", code="unexpected_response")
                yield from reader
    except zipfile.BadZipFile:
        raise ZohoError("Zoho's Bulk Write result is not a zip file.", code="unexpected_response")


# --- the client ------------------------------------------------------------------------------------------

def scopes_granted(connection: ZohoConnection) -> bool:
    """Whether the connection's recorded grant covers Bulk Write (`ZohoCRM.bulk.ALL` or `.CREATE`, and
    `ZohoFiles.files.ALL`). Grants recorded without scopes count as covering it: try, and fall back to upserts
    on OAUTH_SCOPE_MISMATCH."""
    granted = {scope.lower() for scope in connection.scopes}
    if not granted:
        return True
    return bool(granted & {"zohocrm.bulk.all", "zohocrm.bulk.create"}) and "zohofiles.files.all" in granted


def _trusted_hosts(connection: ZohoConnection) -> set[str]:
    """Hosts that may receive the access token: the connection's own and Zoho's domains of every DC."""
    hosts = {urlsplit(connection.api_domain).netloc}
    for dc in DATA_CENTERS.values():
        hosts.update(urlsplit(url).netloc for url in (dc.api_domain, dc.upload_host))
    return hosts


def _zoho_domains() -> set[str]:
    """Zoho's registered domains (zoho.com, zohoapis.eu…): the result file is served from hosts under them."""
    domains = set()
    for dc in DATA_CENTERS.values():
        if dc.key == "sandbox":
            continue  # the emulator's host is trusted exactly, never as a suffix
        for url in (dc.accounts_server, dc.api_domain, dc.upload_host):
            host = urlsplit(url).hostname or ""
            domains.add(host.split(".", 1)[1] if host.count(".") >= 2 else host)
    return domains


class BulkWrite:
    """Bulk Write for one connection. `calls` and `credits` are those of the underlying ZohoCRM (pass the
    run's own `crm` to count them together)."""

    def __init__(self, connection: ZohoConnection, *, crm: ZohoCRM | None = None, zgid: str | None = None):
        self.connection = connection
        self.crm = crm or ZohoCRM(connection)
        self._zgid = zgid

    @property
    def calls(self) -> int:
        return self.crm.calls

    @property
    def credits(self) -> int:
        return self.crm.credits

    @property
    def zgid(self) -> str:
        """The org's zgid for X-CRM-ORG (one `GET /org` the first time, unless given)."""
        if not self._zgid:
            self._zgid = str(self.crm.org().get("zgid") or "")
            if not self._zgid:
                raise ZohoError("Zoho's org details have no zgid (needed to upload a Bulk Write file).",
                                code="unexpected_response")
        return self._zgid

    def _api(self, path: str) -> str:
        return f"{self.connection.api_domain.rstrip('/')}/crm/bulk/{API_VERSION}/{path}"

    def upload(self, file: BulkFile) -> str:
        """Upload the zipped CSV to the data center's upload host; returns Zoho's file id."""
        dc = self.connection.data_center
        if dc is None:
            raise ConfigurationError("The data center of this Zoho connection is unknown: cannot upload a Bulk "
                                     "Write file.", code="unknown_data_center")
        body = MultipartFile("file", "records.zip", "application/zip", file.file)  # streamed from the file
        doc = self.crm.request(
            "POST", f"{dc.upload_host.rstrip('/')}/crm/{API_VERSION}/upload", label="Bulk Write upload", data=body,
            headers={"feature": "bulk-write", "X-CRM-ORG": self.zgid, "Content-Type": body.content_type},
            scope_needs_reauth=False,
        )
        if isinstance(doc, dict) and doc.get("status") == "error":  # Zoho may refuse a file with HTTP 200
            raise ConfigurationError(f"Zoho refused the Bulk Write file: {doc.get('code')} ({doc.get('message')}).",
                                     code=str(doc.get("code") or ""))
        file_id = ((doc or {}).get("details") or {}).get("file_id") if isinstance(doc, dict) else None
        if not file_id:
            raise ZohoError("Zoho's answer to the Bulk Write upload has no file id.", code="unexpected_response")
        return str(file_id)

    def create_upsert_job(self, module: str, file_id: str, file: BulkFile, *, callback_url: str | None = None,
                          ignore_empty: bool = False) -> str:
        """Create an upsert job of the uploaded file, matching on its column 0; returns the job id.

        `callback_url`: Zoho POSTs the job's details there when it completes or fails.
        """
        resource = {"type": "data", "module": {"api_name": module}, "file_id": file_id,
                    "find_by": file.columns[0].api_name, "field_mappings": file.field_mappings()}
        body: dict = {"operation": "upsert", "ignore_empty": ignore_empty, "resource": [resource]}
        if callback_url:
            body["callback"] = {"url": callback_url, "method": "post"}
        doc = self.crm.request("POST", self._api("write"), label="Bulk Write job", json=body, cost=COST_JOB,
                               scope_needs_reauth=False)
        job_id = ((doc or {}).get("details") or {}).get("id") if isinstance(doc, dict) else None
        if not job_id:
            raise ZohoError("Zoho's answer to the Bulk Write job has no job id.", code="unexpected_response")
        return str(job_id)

    def start_upsert(self, module: str, records: Iterable[Mapping], key: str, *,
                     columns: Sequence[Column] | None = None, callback_url: str | None = None,
                     field_types: Mapping[str, str] | None = None, time_zone: str = "UTC") -> str:
        """build_file + upload + create_upsert_job: the job id of `records` (input order = result order). The
        file lives on disk only for the upload."""
        with build_file(records, key, columns=columns, field_types=field_types, time_zone=time_zone) as file:
            return self.create_upsert_job(module, self.upload(file), file, callback_url=callback_url)

    def job(self, job_id: str) -> JobStatus:
        """The job's state now (one call, no waiting)."""
        doc = self.crm.request("GET", self._api(f"write/{job_id}"), label=f"Bulk Write job {job_id}",
                               scope_needs_reauth=False)
        if not isinstance(doc, dict):
            raise ZohoError(f"Zoho sent no details of Bulk Write job {job_id}.", code="unexpected_response")
        return JobStatus.from_doc(doc, job_id)

    def results(self, status: JobStatus, rows: int) -> Iterator[tuple[int, RecordResult]]:
        """Download a COMPLETED job's result to a temporary file (deleted once read); (row index, RecordResult)
        for each of its `rows` input rows, read from the file as they are iterated."""
        if status.state != COMPLETED or not status.download_url:
            raise ZohoError(f"Bulk Write job {status.job_id} has no result to download (state {status.state}).",
                            code="no_result")
        url = urljoin(self.connection.api_domain.rstrip("/") + "/", status.download_url)
        host = urlsplit(url)
        trusted = host.netloc in _trusted_hosts(self.connection) or any(
            (host.hostname or "").endswith("." + domain) for domain in _zoho_domains())
        if host.scheme != urlsplit(self.connection.api_domain).scheme or not trusted:
            raise ZohoError(f"Zoho named an unexpected download host {host.netloc!r} for Bulk Write job "
                            f"{status.job_id}; the access token is not sent there.", code="untrusted_download")
        with ExitStack() as on_error:
            file = on_error.enter_context(tempfile.TemporaryFile())
            self.crm.request("GET", url, label=f"Bulk Write result {status.job_id}", into=file,
                             scope_needs_reauth=False)
            if not file.seek(0, io.SEEK_END):
                raise ZohoError(f"Zoho sent no result file for Bulk Write job {status.job_id}.",
                                code="unexpected_response")
            results = parse_result(file, rows)
            on_error.pop_all()  # parse_result's iterator closes the file
        return results


def chunks(records: Sequence, size: int = MAX_ROWS) -> Iterable[Sequence]:
    """The records in files of at most `size` rows (one job each)."""
    return (records[start:start + size] for start in range(0, len(records), size))

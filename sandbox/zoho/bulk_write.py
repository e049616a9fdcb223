"""Zoho CRM Bulk Write as Zoho runs it (zoho-crm-api.md §10, `bulk_write.json`): a zip uploaded to the upload
host, an insert/update/upsert job over it, the job's state, and the zipped result CSV.

- Upload (`content/crm/v8/upload`): headers `feature: bulk-write` and `X-CRM-ORG: {zgid}`, scope
  `ZohoFiles.files.ALL`; only a zip of one CSV (INVALID_FILE_FORMAT, FILE_NOT_SUPPORTED), at most 25 MB
  (413 FILE_TOO_LARGE).
- Job (`crm/bulk/v8/write`): scope `ZohoCRM.bulk.ALL`/`.CREATE` plus the module's; 500 credits; at most
  25,000 rows (400 LIMIT_EXCEEDED: Zoho calls a longer file "improper" without naming the code) and 200
  mapped columns (HEADER_LIMIT_EXCEEDED).
- State: the sandbox has no worker of its own, so each status read answers the job's state and then
  advances it one step: reads see ADDED, then IN PROGRESS while its rows are written, at most
  `SANDBOX_BULK_ROWS_PER_READ` rows or `SANDBOX_BULK_SECONDS_PER_READ` seconds of writing per read (its counts
  grow as they are), then COMPLETED (or FAILED: an
  unreadable CSV, or the `bulk_fail_next` fault knob). A step is one transaction, so no read runs for long
  and a request killed midway leaves the job as it was. `run_pending(org)` finishes every job at once, as
  Zoho's workers would. A finished job with a callback URL is POSTed there.
- Rows are validated and written exactly as the JSON API does (records.ModuleWriter, validation.py): a bad
  row is SKIPPED with its error in the result, the others are written.
"""

import csv
import io
import logging
import time
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db.models import F
from django.http import HttpResponse, JsonResponse

from . import credits, identifiers
from .api_errors import ApiError
from .fields import MODULES, field_defs, module_id
from .models import BulkFile, BulkJob, Faults, Org
from .oauth import api_domain, has_scope
from .records import ModuleWriter, render_time
from .services import atomic
from .validation import RecordError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_ROWS = 25_000
MAX_MAPPINGS = 200
RESULT_COLUMNS = 3  # the result keeps the first three mapped columns of the input
OPERATIONS = ("insert", "update", "upsert")
HEADERS_ERROR = {"ERROR_CODE": 400, "ERROR_MESSAGE": "Bad Request",
                 "x-error": "check if headers [feature, X-CRM-ORG] are present and valid"}


def _require(call, path: str, *operations: str):
    """At least one of `operations` on `path` (e.g. bulk ALL, CREATE or READ)."""
    if not any(has_scope(call.access.scope_list, path, operation) for operation in operations):
        raise ApiError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")


# --- upload --------------------------------------------------------------------------------------------------

def upload(call):
    request = call.request
    if request.headers.get("feature") != "bulk-write" or request.headers.get("X-CRM-ORG") != call.org.zgid:
        return JsonResponse(HEADERS_ERROR, status=400), 1
    _require(call, "ZohoFiles.files", "all")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "file"})
    if uploaded.size > MAX_FILE_BYTES:
        raise ApiError(413, "FILE_TOO_LARGE", "File size too large to process", {"limit": MAX_FILE_BYTES})
    content = uploaded.read()
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ApiError(400, "INVALID_FILE_FORMAT", "invalid file format. only zip format is supported")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if len([name for name in archive.namelist() if not name.endswith("/")]) != 1:
            raise ApiError(400, "FILE_NOT_SUPPORTED", "File not supported for bulk write")
    with atomic():
        (file_id,) = identifiers.next_ids(call.org)
        stored = BulkFile.objects.create(org=call.org, file_id=file_id, name=uploaded.name, content=content)
    return JsonResponse({"status": "success", "code": "FILE_UPLOAD_SUCCESS", "message": "file uploaded.",
                         "details": {"file_id": stored.file_id,
                                     "created_time": render_time(stored.created_at, call.org)}}), 1


def _csv_rows(content: bytes) -> list[list[str]]:
    """The CSV's rows (header first); ValueError when it cannot be read."""
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        (name,) = [name for name in archive.namelist() if not name.endswith("/")]
        text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- job -----------------------------------------------------------------------------------------------------

def _mapping_errors(call, resource: dict, operation: str, columns: int):
    module = resource["module"]["api_name"]
    defs = field_defs(call.org, module)
    mappings = resource.get("field_mappings")
    if not isinstance(mappings, list) or not mappings:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required key field_mappings is not found in request body.",
                       {"api_name": "field_mappings"})
    if len(mappings) > MAX_MAPPINGS:
        raise ApiError(400, "HEADER_LIMIT_EXCEEDED", "header limit exceeded", {"limit": MAX_MAPPINGS})
    for mapping in mappings:
        name = mapping.get("api_name") if isinstance(mapping, dict) else None
        if name not in defs or not defs[name].writable:
            raise ApiError(400, "INVALID_FIELD", f"invalid mapping. invalid api_name {name}.", {"api_name": name})
        if not isinstance(mapping.get("index"), int):
            raise ApiError(400, "MANDATORY_NOT_FOUND",
                           f"required key index for field {name} is not found in request body.", {"api_name": name})
        if not 0 <= mapping["index"] < columns:
            raise ApiError(400, "COLUMN_INDEX_NOT_FOUND", "column index not found",
                           {"api_name": name, "index": mapping["index"]})
    mapped = {mapping["api_name"] for mapping in mappings}
    if operation != "update" and any(f.system_mandatory and f.api_name not in mapped for f in defs.values()):
        raise ApiError(400, "MANDATORY_FIELDS_NOT_MAPPED", "All mandatory fields are not mapped for the layout")
    find_by = resource.get("find_by")
    if operation in ("update", "upsert"):
        if not find_by:
            raise ApiError(400, "MANDATORY_NOT_FOUND", "required key find_by is not found in request body.",
                           {"api_name": "find_by"})
        unique = find_by == MODULES[module][3] or (find_by in defs and defs[find_by].unique)
        if not unique or find_by not in mapped:  # (matching on `id` is not emulated)
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "find_by"})
    return mappings, find_by or ""


def create_job(call):
    _require(call, "ZohoCRM.bulk", "all", "create")
    body = call.body if isinstance(call.body, dict) else {}
    operation = body.get("operation")
    if not operation:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required key operation is not found in request body.",
                       {"api_name": "operation"})
    if operation not in OPERATIONS:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "operation"})
    callback = body.get("callback")
    if callback is not None:
        if not isinstance(callback, dict) or callback.get("method") != "post":
            raise ApiError(400, "INVALID_CALLBACK_METHOD", "invalid callback method",
                           {"supported_callback_methods": ["post"]})
        if not str(callback.get("url") or "").startswith(("http://", "https://")):
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "callback.url"})
    resources = body.get("resource")
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required key resource is not found in request body.",
                       {"api_name": "resource"})
    resource = resources[0]
    module = (resource.get("module") or {}).get("api_name") if isinstance(resource.get("module"), dict) else None
    if module not in MODULES:
        raise ApiError(400, "MODULE_NOT_AVAILABLE", f"Requested module '{module}' is not available.",
                       {"api_name": "module"})
    call.module = module
    call.module_scope(*{"upsert": ("create", "update"), "insert": ("create",), "update": ("update",)}[operation])
    stored = BulkFile.objects.filter(org=call.org, file_id=str(resource.get("file_id") or "")).first()
    if stored is None:
        raise ApiError(400, "INVALID_FILE_ID", "improper file id", {"api_name": "file_id"})
    try:
        rows = _csv_rows(stored.content)
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile):
        rows = None  # the job is accepted and fails when processed, as Zoho does with an improper file
    if rows is not None and len(rows) - 1 > MAX_ROWS:
        raise ApiError(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_ROWS, "api_name": "file_id"})
    mappings, find_by = _mapping_errors(call, resource, operation, len(rows[0]) if rows else MAX_MAPPINGS)
    with atomic():
        (job_id,) = identifiers.next_ids(call.org)
        job = BulkJob.objects.create(
            org=call.org, job_id=job_id, created_by=call.access.user, file=stored, operation=operation,
            module=module, find_by=find_by, field_mappings=mappings, ignore_empty=bool(body.get("ignore_empty")),
            callback_url=(callback or {}).get("url", ""), total_count=max(0, len(rows or [[]]) - 1),
        )
    return JsonResponse({"status": "success", "code": "SUCCESS", "message": "success",
                         "details": {"id": job.job_id, "created_by": _user(job)}}, status=201), \
        credits.cost("bulk_write")


def _user(job: BulkJob):
    return {"id": job.created_by.zoho_id, "name": job.created_by.full_name} if job.created_by else None


def download_path(job: BulkJob) -> str:
    return f"/download/v2/crm/{job.org.zgid}/bulk-write/{job.job_id}/{job.job_id}.zip"


def job_json(job: BulkJob) -> dict:
    """The job as `GET /crm/bulk/v8/write/{id}` returns it (and as the callback carries it)."""
    status = BulkJob.IN_PROGRESS if job.status == BulkJob.PROCESSING else job.status
    file = {"status": status, "name": job.file.name.removesuffix(".zip") + ".csv", "added_count":
            job.added_count, "skipped_count": job.skipped_count, "updated_count": job.updated_count,
            "total_count": job.total_count}
    resource = {"status": status, "type": "data", "module": {"api_name": job.module,
                                                             "id": module_id(job.org, job.module)},
                "field_mappings": job.field_mappings, "file": file, "find_by": job.find_by or None,
                "ignore_empty": job.ignore_empty}
    if job.code:
        resource["code"] = job.code
    doc = {"status": status, "character_encoding": "UTF-8", "resource": [resource], "id": job.job_id,
           "created_by": _user(job), "operation": job.operation,
           "created_time": render_time(job.created_at, job.org)}
    if job.callback_url:
        doc["callback"] = {"url": job.callback_url, "method": "post"}
    if job.status == BulkJob.COMPLETED:
        doc["result"] = {"download_url": api_domain() + download_path(job)}
    return doc


def job_details(call):
    _require(call, "ZohoCRM.bulk", "all", "create", "read")
    job = BulkJob.objects.filter(org=call.org, job_id=call.record_id).select_related("file", "created_by").first()
    if job is None:
        raise ApiError(400, "RESOURCE_NOT_FOUND", "The requested resource doesn't exist.",
                       {"resource_path_index": 0})
    shown = job_json(job)  # the state as read, then one step on: reads see ADDED, IN PROGRESS, then the end
    advance(job)
    return JsonResponse(shown), 1


def download(call):
    _require(call, "ZohoCRM.bulk", "all", "create", "read")
    job = BulkJob.objects.filter(org=call.org, job_id=call.record_id, status=BulkJob.COMPLETED).first()
    if job is None or job.result is None:
        raise ApiError(404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one")
    response = HttpResponse(bytes(job.result), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{job.job_id}.zip"'
    return response, 1


# --- processing ----------------------------------------------------------------------------------------------

def advance(job: BulkJob):
    """One step: ADDED → IN PROGRESS → its rows written a share per step → COMPLETED (or FAILED)."""
    if job.status == BulkJob.ADDED:
        BulkJob.objects.filter(pk=job.pk, status=BulkJob.ADDED).update(status=BulkJob.IN_PROGRESS)
    elif job.status == BulkJob.IN_PROGRESS:
        process_step(job)


def run_pending(org: Org) -> int:
    """Finish every job of the org not finished yet (a tester's "the worker ran"); returns how many."""
    jobs = list(BulkJob.objects.filter(org=org, status__in=[BulkJob.ADDED, BulkJob.IN_PROGRESS]))
    for job in jobs:
        while process_step(job):
            job.refresh_from_db()
    return len(jobs)


def process_step(job: BulkJob) -> bool:
    """Write the job's next share of rows in one transaction; True while rows remain after it."""
    with atomic():
        # The claim is the transaction's first write, so concurrent readers of one job take turns, and only the
        # first of them writes this share (the others find `rows_done` moved on).
        if not BulkJob.objects.filter(pk=job.pk, status__in=[BulkJob.ADDED, BulkJob.IN_PROGRESS],
                                      rows_done=job.rows_done).update(status=BulkJob.PROCESSING):
            return False
        job = BulkJob.objects.select_related("org", "file", "created_by").get(pk=job.pk)
        failing = job.rows_done == 0 and Faults.objects.filter(org=job.org, bulk_fail_next__gt=0).update(
            bulk_fail_next=F("bulk_fail_next") - 1)
        try:
            rows = None if failing else _csv_rows(job.file.content)
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile):
            rows = None
        if not rows:
            BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.FAILED, code="CANNOT_PROCESS" if failing
                                                     else "INVALID_FILE_FORMAT")
        else:
            _write_share(job, rows)
    job.refresh_from_db()
    if job.status in (BulkJob.COMPLETED, BulkJob.FAILED):
        _post_callback(job)  # after the commit: no transaction is held across the HTTP call
        return False
    return True


def _value(field, cell: str, zone: ZoneInfo, find_by: str | None):
    """A CSV cell as the JSON API's value for the field (what validation.py then checks)."""
    if cell == "":
        return None
    data_type = field.data_type
    if data_type in ("lookup", "ownerlookup"):
        return {"id": cell} if find_by in (None, "id") else {"name": cell}
    if data_type == "boolean":
        return {"true": True, "false": False}.get(cell.lower(), cell)
    if data_type == "multiselectpicklist":
        return [item for item in cell.split(";") if item]
    if data_type in ("double", "currency", "percent"):
        try:
            return float(cell)
        except ValueError:
            return cell
    if data_type == "date":
        try:
            return datetime.strptime(cell, "%m/%d/%Y").date().isoformat()
        except ValueError:
            return cell
    if data_type == "datetime":
        try:
            return datetime.strptime(cell, "%m/%d/%Y %H:%M:%S").replace(tzinfo=zone).isoformat()
        except ValueError:
            return cell
    return cell


def _error_cell(error: RecordError) -> str:
    """`CODE-Field` as in Zoho's result file (MANDATORY_NOT_FOUND-Last_Name)."""
    entry = error.entry
    field = entry["details"].get("api_name") or ""
    return f"{entry['code']}-{field}" if field else entry["code"]


def _write_share(job: BulkJob, rows: list[list[str]]):
    """The next share of rows (bounded in rows and in time), their result lines kept; the result zip once all are
    done."""
    header, data = rows[0], rows[1:]
    defs = field_defs(job.org, job.module)
    zone = ZoneInfo(job.org.time_zone)
    mappings = job.field_mappings
    first, last = job.rows_done, min(len(data), job.rows_done + settings.SANDBOX_BULK_ROWS_PER_READ)
    out = io.StringIO()
    result = csv.writer(out, lineterminator="\n")
    counts = {"ADDED": 0, "UPDATED": 0, "SKIPPED": 0}
    writer = ModuleWriter(job.org, job.module, job.created_by)
    give_up_at = time.monotonic() + settings.SANDBOX_BULK_SECONDS_PER_READ
    for index in range(first, last):
        if index > first and time.monotonic() >= give_up_at:
            last = index
            break
        cells = data[index]
        kept = [cells[m["index"]] if m["index"] < len(cells) else "" for m in mappings[:RESULT_COLUMNS]]
        status, record_id, errors = _write_row(job, writer, defs, zone, cells, index)
        counts[status] += 1
        result.writerow(kept + [status, record_id, errors])
    done = {"rows_done": last, "result_lines": job.result_lines + out.getvalue(), "total_count": len(data),
            "added_count": job.added_count + counts["ADDED"], "status": BulkJob.IN_PROGRESS,
            "updated_count": job.updated_count + counts["UPDATED"],
            "skipped_count": job.skipped_count + counts["SKIPPED"]}
    if last == len(data):
        head = io.StringIO()
        csv.writer(head, lineterminator="\n").writerow(
            [header[m["index"]] for m in mappings[:RESULT_COLUMNS]] + ["STATUS", "RECORD_ID", "ERRORS"])
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"{job.module}-{job.job_id}.csv", head.getvalue() + done["result_lines"])
        done.update(status=BulkJob.COMPLETED, result=archive.getvalue(), result_lines="")
    BulkJob.objects.filter(pk=job.pk).update(**done)


def _write_row(job: BulkJob, writer: ModuleWriter, defs, zone, cells: list[str], index: int):
    row = {}
    for mapping in job.field_mappings:
        cell = cells[mapping["index"]] if mapping["index"] < len(cells) else ""
        if cell == "" and job.ignore_empty:
            continue
        row[mapping["api_name"]] = _value(defs[mapping["api_name"]], cell, zone, mapping.get("find_by"))
    try:
        match = None
        if job.operation != "insert":
            key = row.get(job.find_by)
            found = writer.find(job.find_by, key) if key else []
            match = found[0] if found else None
            if match is None and job.operation == "update":
                return "SKIPPED", "", f"RESOURCE_NOT_FOUND-{job.find_by}"
        if match is not None:
            record = writer.update(match, writer.clean(row, index, creating=False), index)
            return "UPDATED", record.zoho_id, ""
        record = writer.insert(writer.clean(row, index, creating=True), index)
        return "ADDED", record.zoho_id, ""
    except RecordError as error:
        return "SKIPPED", "", _error_cell(error)


def _post_callback(job: BulkJob):
    """Zoho POSTs the job's details to the callback URL when the job completes or fails."""
    if not job.callback_url:
        return
    try:
        requests.post(job.callback_url, json=job_json(job), timeout=settings.HTTP_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        logger.warning("Bulk Write callback to %s failed: %s", job.callback_url, type(exc).__name__)

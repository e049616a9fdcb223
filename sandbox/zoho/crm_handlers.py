"""Handlers of the CRM v8 endpoints. Each takes a `Call` and returns (response, credits used)."""

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from . import credits, criteria, faults, paging
from .api_errors import ApiError, invalid_param, required_param, scope_mismatch
from .fields import MODULE_ORDER, MODULES, field_defs, field_metadata, layout_metadata, module_metadata, templates
from .models import Record
from .oauth import has_scope
from .records import (
    ModuleWriter,
    default_duplicate_check_fields,
    display_name,
    record_json,
    render_time,
    success,
)
from .services import atomic
from .validation import RecordError, mandatory_missing

MAX_RECORDS_PER_WRITE = 100
MAX_PER_PAGE = 200
MAX_FIELDS = 50
DISCRETE_LIMIT = 2000
PAGE_TOKEN_LIMIT = 100_000
SEARCH_LIMIT = 2000
SORT_COLUMNS = {"id": "zoho_id", "Created_Time": "created_at", "Modified_Time": "modified_at"}


@dataclass
class Call:
    request: object
    access: object
    org: object
    module: str | None
    record_id: str | None
    body: object

    @property
    def params(self):
        return self.request.GET

    def require_scope(self, path: str, *operations: str):
        if not all(has_scope(self.access.scope_list, path, operation) for operation in operations):
            raise scope_mismatch()

    def module_scope(self, *operations: str):
        # Scope names drop the underscore of an API name: Sales_Orders → ZohoCRM.modules.salesorders.
        self.require_scope(f"ZohoCRM.modules.{self.module.replace('_', '')}", *operations)


def no_content(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    del response["Content-Type"]
    return response


# --- Metadata ----------------------------------------------------------------------------------------------

def org_details(call: Call):
    call.require_scope("ZohoCRM.org", "read")
    org, owner = call.org, call.org.users.first()
    data = copy.deepcopy(templates()["org"])
    data.update({
        "id": f"{org.id_prefix}{0:012d}", "zgid": org.zgid, "domain_name": f"org{org.zgid}", "company_name": org.name,
        "time_zone": org.time_zone, "currency": "US Dollar", "currency_symbol": "$", "currency_locale": "en_US",
        "iso_code": "USD", "country": "United States", "country_code": "US", "primary_email": owner.email,
        "primary_zuid": owner.zuid, "ezgid": org.zgid, "zia_zgid": int(org.zgid), "max_per_page": MAX_PER_PAGE,
        "phone": "", "employee_count": "10", "type": "production", "mc_status": False, "oauth_presence": True,
        "call_icon": "", "license_details": {
            "paid_expiry": render_time(org.created_at + timedelta(days=365), org), "users_license_purchased": 10,
            "trial_type": None, "trial_expiry": None, "paid": org.edition != "free",
            "paid_type": org.edition, "trial_action": "",
        },
    })
    return JsonResponse({"org": [data]}), credits.cost("read")


def _user_json(user, org):
    data = copy.deepcopy(templates()["user"])
    data.update({
        "id": user.zoho_id, "zuid": user.zuid, "first_name": user.first_name, "last_name": user.last_name,
        "full_name": user.full_name, "email": user.email, "status": "active", "confirm": True,
        "role": {"name": "CEO", "id": f"{org.id_prefix}7{1:011d}"},
        "profile": {"name": "Administrator", "id": f"{org.id_prefix}7{2:011d}"},
        "language": "en_US", "locale": "en_US", "country_locale": "en_US", "time_zone": org.time_zone,
        "time_format": "hh:mm a", "date_format": "MMM d, yyyy", "created_time": render_time(org.created_at, org),
        "Modified_Time": render_time(org.created_at, org), "category": "regular_user",
    })
    return data


def users(call: Call):
    call.require_scope("ZohoCRM.users", "read")
    kind = call.params.get("type", "AllUsers")
    people = [call.access.user] if kind == "CurrentUser" else list(call.org.users.all())
    body = {"users": [_user_json(user, call.org) for user in people],
            "info": {"per_page": MAX_PER_PAGE, "count": len(people), "page": 1, "more_records": False}}
    return JsonResponse(body), credits.cost("read")


def modules(call: Call):
    call.require_scope("ZohoCRM.settings.modules", "read")
    return JsonResponse({"modules": [module_metadata(call.org, name) for name in MODULE_ORDER]}), 1


def module(call: Call):
    call.require_scope("ZohoCRM.settings.modules", "read")
    return JsonResponse({"modules": [module_metadata(call.org, call.module)]}), 1


def fields(call: Call):
    call.require_scope("ZohoCRM.settings.fields", "read")
    module_name = call.params.get("module")
    if not module_name:
        raise required_param("module")
    if module_name not in MODULES:
        raise ApiError(400, "INVALID_MODULE", "the module name given seems to be invalid", {"param_name": "module"})
    definitions = field_defs(call.org, module_name).values()
    return JsonResponse({"fields": [field_metadata(call.org, module_name, f) for f in definitions]}), 1


def layouts(call: Call):
    call.require_scope("ZohoCRM.settings.layouts", "read")
    module_name = call.params.get("module")
    if not module_name:
        raise required_param("module")
    if module_name not in MODULES:
        raise ApiError(400, "INVALID_MODULE", "the module name given seems to be invalid", {"param_name": "module"})
    return JsonResponse({"layouts": [layout_metadata(call.org, module_name)]}), 1


# --- Reads -------------------------------------------------------------------------------------------------

def _if_modified_since(call: Call) -> datetime | None:
    header = call.request.headers.get("If-Modified-Since")
    if not header:
        return None
    try:
        since = datetime.fromisoformat(header.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"param_name": "If-Modified-Since"})
    if since.tzinfo is None:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"param_name": "If-Modified-Since"})
    return since


def _int_param(call: Call, name: str, default: int, maximum: int | None = None) -> int:
    raw = call.params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_param(name)
    return min(int(raw), maximum) if maximum else int(raw)


def _requested_fields(call: Call, required: bool) -> list[str] | None:
    raw = call.params.get("fields")
    if not raw:
        if required:
            raise required_param("fields")
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if len(names) > MAX_FIELDS:
        raise ApiError(400, "LIMIT_EXCEEDED", "limit exceeded", {"limit": MAX_FIELDS, "param_name": "fields"})
    known = field_defs(call.org, call.module)
    return [name for name in names if name in known or name == "id"]


def _sorting(call: Call) -> tuple[str, str]:
    sort_by = call.params.get("sort_by", "id")
    sort_order = call.params.get("sort_order", "desc")
    if sort_by not in SORT_COLUMNS:
        raise invalid_param("sort_by")
    if sort_order not in ("asc", "desc"):
        raise invalid_param("sort_order")
    return sort_by, sort_order


def _live_records(call: Call):
    records = Record.objects.filter(org=call.org, module=call.module, deleted_at=None)
    if call.module == "Leads":
        converted = call.params.get("converted", "false")
        if converted in ("true", "false"):
            records = records.filter(converted=converted == "true")
    return records.select_related("owner", "created_by", "modified_by")


def list_records(call: Call):
    call.module_scope("read")
    requested = _requested_fields(call, required=True)
    sort_by, sort_order = _sorting(call)
    per_page = _int_param(call, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    token = call.params.get("page_token")
    user_id = call.access.user.zoho_id
    if token:
        try:
            offset = paging.read_token(token, user_id, call.params.dict())
        except paging.PageTokenError as error:
            raise ApiError(400, error.code, error.message, error.details)
        if offset >= PAGE_TOKEN_LIMIT:
            raise ApiError(400, "PAGINATION_LIMIT_EXCEEDED", "You can only get upto 100000 records using "
                           "page_token param", {"param_name": "page_token"})
        page = offset // per_page + 1
    else:
        page = _int_param(call, "page", 1)
        offset = (page - 1) * per_page
        if offset >= DISCRETE_LIMIT:
            raise ApiError(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "You can only get the first 2000 records "
                           "without using page_token param", {"limit": DISCRETE_LIMIT})
    records = _live_records(call)
    if call.params.get("ids"):
        records = records.filter(zoho_id__in=call.params["ids"].split(","))
    since = _if_modified_since(call)
    if since:
        # Zoho renders times to the second; a record modified within the given second counts (inclusive).
        records = records.filter(modified_at__gte=since.replace(microsecond=0))
    column = SORT_COLUMNS[sort_by]
    prefix = "-" if sort_order == "desc" else ""
    window = list(records.order_by(f"{prefix}{column}", f"{prefix}zoho_id")[offset: offset + per_page + 1])
    if not window:
        return no_content(304 if since and not token else 204), 1
    more = len(window) > per_page
    page_records = window[:per_page]
    next_token = paging.make_token(user_id, call.params.dict(), offset + per_page) if more else None
    info = {
        "call": False, "per_page": per_page, "next_page_token": next_token, "count": len(page_records),
        "sort_by": sort_by, "page": page, "previous_page_token": token or None,
        "page_token_expiry": render_time(timezone.now() + timedelta(seconds=paging.LIFETIME_SECONDS), call.org)
        if next_token else None,
        "sort_order": sort_order, "email": False, "more_records": more,
    }
    data = [record_json(record, call.org, requested) for record in page_records]
    return JsonResponse({"data": data, "info": info}), 1


def get_record(call: Call):
    call.module_scope("read")
    requested = _requested_fields(call, required=False)
    record = Record.objects.filter(org=call.org, module=call.module, zoho_id=call.record_id,
                                   deleted_at=None).first()
    if record is None:
        return no_content(), 1
    return JsonResponse({"data": [record_json(record, call.org, requested)]}), 1


def _search_predicate(call: Call):
    """(predicate on a rendered record, a database pre-filter that keeps every record it may match or None)."""
    params, defs = call.params, field_defs(call.org, call.module)
    if params.get("criteria"):
        return criteria.parse(params["criteria"], defs), None
    for kind, data_types in (("email", {"email"}), ("phone", {"phone"}), ("word", {"text", "email", "textarea"})):
        value = params.get(kind)
        if value is None:
            continue
        if len(value.strip()) < 2:
            raise ApiError(400, "INVALID_DATA", "invalid data", {"param_name": kind})
        names = [name for name, f in defs.items() if f.data_type in data_types]
        wanted = value.strip().lower()
        prefilter = _email_prefilter(names, wanted) if kind == "email" else None
        return (lambda record, names=names, wanted=wanted: any(
            wanted in str(record.get(name) or "").lower() for name in names
        )), prefilter
    raise ApiError(400, "EXPECTED_PARAM_MISSING", "mandatory param missing",
                   {"param_names": ["criteria", "email", "phone", "word"]})


def _email_prefilter(names: list[str], wanted: str) -> Q:
    """Zoho's search is an index lookup: narrow the scan to records whose email fields contain the text (the
    indexed `email` column holds the lower-cased Email; other email fields are matched in the JSON)."""
    prefilter = Q(email__contains=wanted)
    for name in names:
        if name != "Email":
            prefilter |= Q(**{f"data__{name}__icontains": wanted})
    return prefilter


def search(call: Call):
    call.module_scope("read")
    predicate, prefilter = _search_predicate(call)
    requested = _requested_fields(call, required=False)
    per_page = _int_param(call, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    page = _int_param(call, "page", 1)
    offset = (page - 1) * per_page
    if offset >= SEARCH_LIMIT:
        raise ApiError(400, "LIMIT_REACHED", "maximum response iteration limit reached", {"limit": "2000"})
    sort_by, sort_order = _sorting(call)
    records = _live_records(call)
    if prefilter is not None:
        records = records.filter(prefilter)
    if call.org.search_index_delay:
        # Freshly written records are not in Zoho's search index yet.
        indexed_before = timezone.now() - timedelta(seconds=call.org.search_index_delay)
        records = records.filter(modified_at__lte=indexed_before)
    column = SORT_COLUMNS[sort_by]
    prefix = "-" if sort_order == "desc" else ""
    matches = [r for r in records.order_by(f"{prefix}{column}", f"{prefix}zoho_id")
               if predicate(record_json(r, call.org))][:SEARCH_LIMIT]
    page_records = matches[offset: offset + per_page]
    if not page_records:
        return no_content(), 1
    info = {"per_page": per_page, "count": len(page_records), "page": page, "sort_by": sort_by,
            "sort_order": sort_order, "more_records": len(matches) > offset + per_page}
    return JsonResponse({"data": [record_json(r, call.org, requested) for r in page_records], "info": info}), 1


def deleted(call: Call):
    call.module_scope("read")
    kind = call.params.get("type", "all")
    if kind not in ("all", "recycle", "permanent"):
        raise ApiError(400, "PATTERN_NOT_MATCHED", "Please check whether the input values are correct",
                       {"param_name": "type"})
    per_page = _int_param(call, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    page = _int_param(call, "page", 1)
    records = Record.objects.filter(org=call.org, module=call.module, deleted_at__isnull=False)
    if kind == "permanent":
        records = records.none()  # the sandbox only deletes to the recycle bin
    since = _if_modified_since(call)
    if since:
        records = records.filter(deleted_at__gte=since.replace(microsecond=0))
    offset = (page - 1) * per_page
    window = list(records.select_related("deleted_by", "created_by").order_by("-deleted_at", "-zoho_id")
                  [offset: offset + per_page + 1])
    if not window:
        return no_content(), credits.cost("deleted")
    data = [{
        "deleted_by": record.deleted_by.minified() if record.deleted_by else None, "id": record.zoho_id,
        "display_name": display_name(record), "type": "recycle",
        "created_by": record.created_by.minified() if record.created_by else None,
        "deleted_time": render_time(record.deleted_at, call.org),
    } for record in window[:per_page]]
    info = {"per_page": per_page, "count": len(data), "page": page, "more_records": len(window) > per_page}
    return JsonResponse({"data": data, "info": info}), credits.cost("deleted")


# --- Writes ------------------------------------------------------------------------------------------------

def _rows(call: Call) -> list:
    body = call.body
    if not isinstance(body, dict) or "data" not in body:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "data",
                                                                                "json_path": "$.data"})
    rows = body["data"]
    if not isinstance(rows, list) or not rows:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"expected_data_type": "jsonarray", "api_name": "data",
                                                             "json_path": "$.data"})
    if len(rows) > MAX_RECORDS_PER_WRITE:
        raise ApiError(400, "LIMIT_EXCEEDED", "Record count exceeded",
                       {"limit": MAX_RECORDS_PER_WRITE, "api_name": "data", "json_path": "$.data"})
    return rows


def _batch_status(entries: list[dict], all_ok_status: int) -> int:
    ok = sum(entry["status"] == "success" for entry in entries)
    if ok == len(entries):
        return all_ok_status
    return 207 if ok else 400


def _write(call: Call, operation: str, all_ok_status: int, write_one):
    rows = _rows(call)
    partial = len(rows) > 1 and faults.take_partial(call.org)
    entries = []
    with atomic():
        writer = ModuleWriter(call.org, call.module, call.access.user)
        for index, row in enumerate(rows):
            if partial and index == len(rows) - 1:
                entries.append({"code": "CANNOT_PROCESS", "details": {}, "status": "error",
                                "message": "Please check whether the input values are correct"})
                continue
            try:
                entries.append(write_one(writer, row, index))
            except RecordError as error:
                entries.append(error.entry)
    return JsonResponse({"data": entries}, status=_batch_status(entries, all_ok_status)), credits.cost(
        operation, len(rows))


def insert(call: Call):
    call.module_scope("create")

    def insert_one(writer, row, index):
        record = writer.insert(writer.clean(row, index, creating=True), index)
        return success(record, call.org, "record added")

    return _write(call, "insert", 201, insert_one)


def _update_one(call: Call, record_id=None):
    def update_one(writer, row, index):
        wanted = record_id or (row.get("id") if isinstance(row, dict) else None)
        if not wanted:
            raise mandatory_missing("id", index)
        record = writer.live_record(wanted)
        if record is None:
            raise RecordError("INVALID_DATA", "the id given seems to be invalid",
                              {"api_name": "id", "json_path": f"$.data[{index}].id", "id": str(wanted)})
        record = writer.update(record, writer.clean(row, index, creating=False), index)
        return success(record, call.org, "record updated")

    return update_one


def update(call: Call):
    call.module_scope("update")
    return _write(call, "update", 200, _update_one(call))


def update_one(call: Call):
    call.module_scope("update")
    return _write(call, "update", 200, _update_one(call, call.record_id))


def _duplicate_check_fields(call: Call) -> list[str]:
    given = call.body.get("duplicate_check_fields") if isinstance(call.body, dict) else None
    if given is None:
        return default_duplicate_check_fields(call.org, call.module)
    defs = field_defs(call.org, call.module)
    system_field = MODULES[call.module][3]
    for position, name in enumerate(given if isinstance(given, list) else [given]):
        field = defs.get(name)
        if field is None or not (field.unique or name == system_field):
            raise ApiError(400, "INVALID_DATA", "invalid data", {
                "api_name": "duplicate_check_fields", "json_path": f"$.duplicate_check_fields[{position}]",
            })
    return list(given)


def upsert(call: Call):
    call.module_scope("create", "update")
    check_fields = _duplicate_check_fields(call) if isinstance(call.body, dict) else []

    def upsert_one(writer, row, index):
        match, matched_on = None, None
        if isinstance(row, dict) and row.get("id"):
            match = writer.live_record(row["id"])
        for name in check_fields if match is None and isinstance(row, dict) else ():
            found = writer.find(name, row.get(name))
            if found:
                match, matched_on = found[0], name
                break
        if match is not None:
            record = writer.update(match, writer.clean(row, index, creating=False), index)
            return success(record, call.org, "record updated", duplicate_field=matched_on, action="update")
        record = writer.insert(writer.clean(row, index, creating=True), index)
        return success(record, call.org, "record added", duplicate_field=None, action="insert")

    return _write(call, "upsert", 200, upsert_one)


def _delete(call: Call, ids: list[str]):
    call.module_scope("delete")
    entries = []
    with atomic():
        for record_id in ids:
            count = Record.objects.filter(org=call.org, module=call.module, zoho_id=record_id,
                                          deleted_at=None).update(deleted_at=timezone.now(),
                                                                  deleted_by=call.access.user)
            if count:
                entries.append({"code": "SUCCESS", "details": {"id": record_id}, "message": "record deleted",
                                "status": "success"})
            else:
                entries.append({"code": "INVALID_DATA", "details": {"id": record_id},
                                "message": "the id given seems to be invalid", "status": "error"})
    return JsonResponse({"data": entries}, status=_batch_status(entries, 200)), 1


def delete(call: Call):
    raw = call.params.get("ids", "")
    ids = [value.strip() for value in raw.split(",") if value.strip()]
    if not ids:
        raise required_param("ids")
    if len(ids) > MAX_RECORDS_PER_WRITE:
        raise ApiError(400, "LIMIT_EXCEEDED", "Record count exceeded", {"limit": MAX_RECORDS_PER_WRITE,
                                                                        "param_name": "ids"})
    return _delete(call, ids)


def delete_one(call: Call):
    return _delete(call, [call.record_id])


# --- Lead conversion ---------------------------------------------------------------------------------------

def _mapped(lead: Record, target: str) -> dict:
    mapping = {f.api_name: f.convert_mapping.get(target) for f in field_defs(lead.org, "Leads").values()}
    return {mapping[name]: value for name, value in lead.data.items() if mapping.get(name) and value is not None}


def convert(call: Call):
    call.require_scope("ZohoCRM.modules.leads", "update")
    call.require_scope("ZohoCRM.modules.contacts", "create")
    rows = _rows(call)
    options = rows[0] if isinstance(rows[0], dict) else {}
    lead = Record.objects.filter(org=call.org, module="Leads", zoho_id=call.record_id, deleted_at=None).first()
    if lead is None:
        raise ApiError(400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": 1})
    if lead.converted:
        entry = {"code": "ID_ALREADY_CONVERTED", "details": {"id": lead.zoho_id}, "message": "id already converted",
                 "status": "error"}
        return JsonResponse({"data": [entry]}, status=400), credits.cost("convert")
    user = call.access.user
    with atomic():
        try:
            account = _convert_account(call, lead, options, user)
            contact = _convert_contact(call, lead, options, user, account)
            deal = _convert_deal(call, options, user, account, contact)
        except RecordError as error:
            return JsonResponse({"data": [error.entry]}, status=400), credits.cost("convert")
        lead.converted = True
        lead.data = {**lead.data, "Converted__s": True, "Converted_Date_Time": render_time(timezone.now(), call.org)}
        lead.modified_at = timezone.now()
        lead.save()

    def ref(record):
        return {"name": display_name(record), "id": record.zoho_id} if record else None

    entry = {"code": "SUCCESS", "details": {"Contacts": ref(contact), "Deals": ref(deal), "Accounts": ref(account)},
             "message": "The record has been converted successfully", "status": "success"}
    return JsonResponse({"data": [entry]}), credits.cost("convert")


def _convert_account(call, lead, options, user):
    writer = ModuleWriter(call.org, "Accounts", user)
    chosen = (options.get("Accounts") or {}).get("id") if isinstance(options.get("Accounts"), dict) else None
    if chosen:
        return writer.live_record(chosen)
    values = _mapped(lead, "Accounts")
    if not values.get("Account_Name"):
        return None
    existing = writer.find("Account_Name", values["Account_Name"])
    return existing[0] if existing else writer.insert(writer.clean(values, 0, creating=True), 0)


def _convert_contact(call, lead, options, user, account):
    writer = ModuleWriter(call.org, "Contacts", user)
    values = _mapped(lead, "Contacts")
    if account:
        values["Account_Name"] = {"id": account.zoho_id}
    chosen = (options.get("Contacts") or {}).get("id") if isinstance(options.get("Contacts"), dict) else None
    if chosen and writer.live_record(chosen):
        contact = writer.live_record(chosen)
        if options.get("overwrite"):
            writer.update(contact, writer.clean(values, 0, creating=False), 0)
        return contact
    return writer.insert(writer.clean(values, 0, creating=True), 0)


def _convert_deal(call, options, user, account, contact):
    if not isinstance(options.get("Deals"), dict):
        return None
    writer = ModuleWriter(call.org, "Deals", user)
    values = {**options["Deals"], "Contact_Name": {"id": contact.zoho_id}}
    if account:
        values["Account_Name"] = {"id": account.zoho_id}
    return writer.insert(writer.clean(values, 0, creating=True), 0)


HANDLERS = {
    "org": org_details, "users": users, "modules": modules, "module": module, "fields": fields, "layouts": layouts,
    "list": list_records, "get": get_record, "search": search, "deleted": deleted, "insert": insert,
    "update": update, "update_one": update_one, "upsert": upsert, "delete": delete, "delete_one": delete_one,
    "convert": convert,
}

"""Per-record checks of a write, against the org's field metadata: data types, lengths, picklists, lookups
and mandatory fields. Failures become the per-record error entries of zoho-crm-api.md §6.4."""

import re
from datetime import date, datetime

from .fields import FieldDef

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()\-.\s/xX#*]*$")
DIGITS = re.compile(r"^-?[0-9]+$")
ID = re.compile(r"^[0-9]{1,19}$")
# Keys that are not fields: Zoho accepts them on writes (zoho-crm-api.md §6.2).
NON_FIELD_KEYS = {"id", "$append_values", "Layout", "$approved", "$wizard_connection_path", "Tag"}
DIGIT_LIMITS = {"integer": 9, "bigint": 18}


class RecordError(Exception):
    def __init__(self, code: str, message: str, details: dict):
        super().__init__(message)
        self.entry = {"code": code, "details": details, "message": message, "status": "error"}


def _invalid(field: FieldDef, index: int, **extra) -> RecordError:
    details = {**extra, "api_name": field.api_name, "json_path": f"$.data[{index}].{field.api_name}"}
    return RecordError("INVALID_DATA", "invalid data", details)


def mandatory_missing(api_name: str, index: int) -> RecordError:
    return RecordError("MANDATORY_NOT_FOUND", "required field not found",
                       {"api_name": api_name, "json_path": f"$.data[{index}].{api_name}"})


def _is_blank(value) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _expected_type(field: FieldDef) -> str:
    return {"ownerlookup": "jsonobject", "lookup": "jsonobject", "multiselectpicklist": "jsonarray"}.get(
        field.data_type, field.data_type
    )


def _check_length(field, value, index, limit=None):
    limit = limit or field.length
    if len(value) > limit:
        raise _invalid(field, index, maximum_length=limit)


def _clean_value(field: FieldDef, value, index: int, lookup_exists, line_items=None):
    """The value to store, or RecordError."""
    if value is None:
        return None
    data_type = field.data_type
    if data_type == "lineitem":
        return line_items(value, index)
    wrong_type = _invalid(field, index, expected_data_type=_expected_type(field))
    if data_type in ("text", "textarea", "website", "email", "phone", "picklist", "profileimage"):
        if not isinstance(value, str):
            raise wrong_type
        _check_length(field, value, index)
        if data_type == "email" and value and not EMAIL.match(value):
            raise wrong_type
        if data_type == "phone" and not PHONE.match(value):
            raise wrong_type
        if data_type == "picklist" and field.allowed_values is not None and value not in field.allowed_values:
            raise _invalid(field, index, expected_data_type="picklist")
        return value
    if data_type == "multiselectpicklist":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise wrong_type
        if field.allowed_values is not None and any(item not in field.allowed_values for item in value):
            raise _invalid(field, index, expected_data_type="multiselectpicklist")
        return value
    if data_type in ("integer", "bigint"):
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and DIGITS.match(value))):
            raise wrong_type
        if len(str(abs(int(value)))) > min(field.length, DIGIT_LIMITS[data_type]):
            raise _invalid(field, index, maximum_length=min(field.length, DIGIT_LIMITS[data_type]))
        return int(value) if data_type == "integer" else str(value)
    if data_type in ("double", "currency", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong_type
        if len(str(int(abs(value)))) > field.length:
            raise _invalid(field, index, maximum_length=field.length)
        return value
    if data_type == "boolean":
        if not isinstance(value, bool):
            raise wrong_type
        return value
    if data_type == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise wrong_type
        if len(value) != 10:
            raise wrong_type
        return value
    if data_type == "datetime":
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise wrong_type
        if parsed.tzinfo is None:
            raise wrong_type
        return parsed.isoformat(timespec="seconds")
    if data_type in ("lookup", "ownerlookup"):
        if not isinstance(value, dict) or not ID.match(str(value.get("id", ""))):
            raise wrong_type
        if not lookup_exists(field, str(value["id"])):
            raise _invalid(field, index, expected_data_type=_expected_type(field))
        return {"id": str(value["id"])}
    # Other types (multi-module lookups, layouts…) are stored as given.
    return value


def clean_record(fields: dict[str, FieldDef], row, index: int, *, creating: bool, lookup_exists,
                 line_items=None) -> dict:
    """Validated field values of one input row (unknown and read-only keys are dropped, as Zoho does).
    `line_items(value, index)` checks an inventory record's lines (see line_items.py)."""
    if not isinstance(row, dict):
        raise RecordError("INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject",
                                                             "api_name": "data", "json_path": f"$.data[{index}]"})
    clean = {}
    for api_name, value in row.items():
        field = fields.get(api_name)
        if field is None or api_name in NON_FIELD_KEYS or not field.writable:
            continue
        clean[api_name] = _clean_value(field, value, index, lookup_exists, line_items)
    if "Tag" in row and isinstance(row["Tag"], list):
        clean["Tag"] = [{"name": tag["name"]} for tag in row["Tag"] if isinstance(tag, dict) and "name" in tag]
    for field in fields.values():
        if not field.system_mandatory:
            continue
        if (creating and _is_blank(clean.get(field.api_name))) or (
            field.api_name in clean and _is_blank(clean[field.api_name])
        ):
            raise mandatory_missing(field.api_name, index)
    return clean

"""Checking mappings and records against a Zoho org's live field metadata (`ZohoCRM.fields(module)`).

Two levels: `validate_mappings` checks the mapping window once (types, read-only, mandatory, duplicates);
`validate_record` checks one payload before it is sent (lengths, picklist values, numbers, emails), so a
record Zoho would refuse goes to the error inbox without spending a call.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from syncs.mapping import BOOLEAN, DATE, INTEGER, NUMBER, TEXT, Mapping, field_kinds
from syncs.models import PERSON_MODULES

TEXT_TYPES = {"text", "textarea", "email", "phone", "website", "picklist", "autonumber"}
INTEGER_TYPES = {"integer", "bigint"}
NUMBER_TYPES = {"double", "currency", "percent", "decimal"} | INTEGER_TYPES
# Which store field kinds each Zoho type accepts; types missing here cannot be mapped at all.
ACCEPTS = {
    **{t: {TEXT, NUMBER, INTEGER, BOOLEAN} for t in TEXT_TYPES},
    **{t: {NUMBER, INTEGER} for t in NUMBER_TYPES},
    "boolean": {BOOLEAN},
    "date": {DATE},
    "datetime": {DATE},
}
# Fields the engine fills itself (links and line items), never from a mapping row; the mandatory ones among
# them need no row. (Other modules' links are lookups, which no row can fill anyway.)
ENGINE_FIELDS = {
    "Sales_Orders": ("Account_Name", "Contact_Name", "Deal_Name", "Product_Details"),
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FieldSpec:
    api_name: str
    data_type: str
    length: int | None = None
    writable: bool = True
    mandatory: bool = False
    picklist: frozenset = field(default_factory=frozenset)

    @classmethod
    def from_metadata(cls, meta: dict) -> "FieldSpec":
        """Accepts Zoho's shape (`pick_list_values` of objects, `operation_type`) and the compact one of
        zoho-standard-fields.json (`pick_list_values` of strings, `api_writable`)."""
        operation = meta.get("operation_type") or {}
        writable = not (
            meta.get("read_only") or meta.get("field_read_only") or meta.get("api_writable") is False
            or operation.get("api_create") is False or operation.get("api_update") is False
        )
        values = set()
        for option in meta.get("pick_list_values") or []:
            if isinstance(option, dict):  # Zoho takes the actual value, and the display value where it differs
                values.update(v for v in (option.get("actual_value"), option.get("display_value")) if v is not None)
            else:
                values.add(option)
        return cls(
            api_name=meta["api_name"], data_type=meta.get("data_type", "text"), length=meta.get("length"),
            writable=writable, mandatory=bool(meta.get("system_mandatory")), picklist=frozenset(values),
        )

    def to_json(self) -> dict:
        return {"api_name": self.api_name, "data_type": self.data_type, "length": self.length,
                "read_only": not self.writable, "system_mandatory": self.mandatory,
                "pick_list_values": sorted(self.picklist)}


def field_specs(metadata: list[dict]) -> dict[str, FieldSpec]:
    return {meta["api_name"]: FieldSpec.from_metadata(meta) for meta in metadata}


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message: str


def validate_mappings(module: str, mappings: list[Mapping], specs: dict[str, FieldSpec],
                      last_name_fallback: str = "", custom_kinds: dict[str, str] | None = None) -> list[Problem]:
    """What is wrong with a module's mapping rows, for the mapping window; empty when it is fine. A fixed value
    is checked against its field like a value the sync sends (syncs.fixed_values); `custom_kinds` are the
    stores' own fields the rows may read (syncs.store_fields)."""
    from syncs.fixed_values import FixedValueError, typed_value

    problems = []
    seen = set()
    kinds = field_kinds(module, custom_kinds)
    for row in mappings:
        kind = None if row.is_fixed else kinds.get(row.store_field)
        spec = specs.get(row.zoho_field)
        if kind is None and not row.is_fixed:
            problems.append(Problem("UNKNOWN_STORE_FIELD", row.zoho_field, f"{row.store_field} is not a store field."))
        if spec is None:
            problems.append(Problem("UNKNOWN_FIELD", row.zoho_field, f"{module} has no field {row.zoho_field}."))
            continue
        if row.zoho_field in seen:
            problems.append(Problem("DUPLICATE_MAPPING", row.zoho_field, f"{row.zoho_field} is mapped twice."))
        seen.add(row.zoho_field)
        if row.zoho_field in ENGINE_FIELDS.get(module, ()):
            problems.append(Problem("SET_BY_SYNC", row.zoho_field, f"{row.zoho_field} is filled by the sync itself."))
            continue
        if row.is_fixed:
            try:
                typed_value(row.value, spec)
            except FixedValueError as exc:
                problems.append(Problem("INVALID_FIXED_VALUE", row.zoho_field, str(exc)))
            continue
        if not spec.writable:
            problems.append(Problem("READ_ONLY", row.zoho_field, f"{row.zoho_field} is read-only in Zoho."))
        accepted = ACCEPTS.get(spec.data_type)
        if accepted is None:
            problems.append(Problem(
                "UNSUPPORTED_TYPE", row.zoho_field, f"{row.zoho_field} is a {spec.data_type} field, which cannot "
                "be filled from a store field."))
        elif kind and kind not in accepted and row.transform != "text":
            problems.append(Problem(
                "TYPE_MISMATCH", row.zoho_field, f"{row.store_field} ({kind}) does not fit {row.zoho_field} "
                f"({spec.data_type})."))
        if row.zoho_field == "Email" and row.store_field != "email" and module in PERSON_MODULES:
            problems.append(Problem("EMAIL_IS_THE_KEY", "Email", "Email is the match key: map it from email."))
    for spec in specs.values():
        if spec.api_name in ENGINE_FIELDS.get(module, ()):
            continue
        if spec.mandatory and spec.api_name not in seen and not (spec.api_name == "Last_Name" and last_name_fallback):
            problems.append(Problem("MANDATORY_NOT_MAPPED", spec.api_name, f"{spec.api_name} is required by Zoho."))
    return problems


def fit_to_field_types(payload: dict, specs: dict[str, FieldSpec]) -> dict:
    """Numbers and yes/no values mapped into Zoho text fields are sent as text: Zoho refuses a JSON number
    or boolean in a text field (INVALID_DATA, "expected a string")."""
    for name, value in payload.items():
        spec = specs.get(name)
        if spec and spec.data_type in TEXT_TYPES and isinstance(value, bool | int | float):
            payload[name] = _as_text(value)
    return payload


def _as_text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(Decimal(str(value)).normalize(), "f")  # 1234.50 → "1234.5", 100.0 → "100", never 1E+2


def validate_record(payload: dict, specs: dict[str, FieldSpec]) -> Problem | None:
    """The first reason Zoho would refuse this payload, or None."""
    for name, spec in specs.items():
        if spec.mandatory and payload.get(name) in (None, "") and (name in payload or name == "Last_Name"):
            return Problem("MANDATORY_NOT_FOUND", name, f"{name} is required but the customer has none.")
    for name, value in payload.items():
        spec = specs.get(name)
        if spec is None or value is None:
            continue
        problem = check_value(spec, value)
        if problem:
            return Problem("INVALID_DATA", name, problem)
    return None


def check_value(spec: FieldSpec, value) -> str | None:
    if spec.data_type in ("lookup", "ownerlookup", "lineitem"):
        return None  # set by the engine ({"id": …}, Sales Orders' lines), never from a mapping row
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.data_type in INTEGER_TYPES:
        return None if is_number and float(value).is_integer() else f"expected a whole number, got {value!r}"
    if spec.data_type in NUMBER_TYPES:
        return None if is_number else f"expected a number, got {value!r}"
    if spec.data_type == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if spec.data_type in ("date", "datetime"):
        return None if DATE_RE.match(str(value)) else f"expected a date, got {value!r}"
    text = str(value)
    if spec.length and len(text) > spec.length:
        return f"longer than {spec.length} characters"
    if spec.data_type == "email" and not EMAIL_RE.match(text):
        return "not a valid email address"
    if spec.data_type == "picklist" and spec.picklist and text not in spec.picklist:
        return f"{text!r} is not one of the picklist values"
    return None

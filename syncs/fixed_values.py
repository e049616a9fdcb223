"""Fixed values in a mapping: a row may send a constant instead of a store field (e.g. `Lead_Source` =
"Online Store", a tag, the store's name).

A constant is typed once, when the mapping is saved (editor or `sync_config import`), as the Zoho field takes
it: numbers as numbers, yes/no as booleans, a multi-select as a list; then it is checked like any value the
engine sends (length, picklist, date…). The stored value is the typed one, so the engine only copies it.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from syncs.validation import INTEGER_TYPES, NUMBER_TYPES, FieldSpec, check_value

TRUE, FALSE = {"true", "yes", "y", "1", "on"}, {"false", "no", "n", "0", "off"}
# Zoho types a constant can fill: everything a store field can, and multi-select picklists.
FIXABLE = {"text", "textarea", "email", "phone", "website", "picklist", "multiselectpicklist", "boolean", "date",
           "datetime", *NUMBER_TYPES}


class FixedValueError(ValueError):
    pass


def typed_value(raw, spec: FieldSpec):
    """The constant as `spec`'s field takes it, or FixedValueError saying why it does not fit."""
    if spec.data_type not in FIXABLE:
        raise FixedValueError(f"{spec.api_name} is a {spec.data_type} field: it cannot hold a fixed value.")
    if not spec.writable:
        raise FixedValueError(f"{spec.api_name} is read-only in Zoho.")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise FixedValueError(f"The fixed value for {spec.api_name} is empty.")
    value = _coerce(raw, spec)
    items = value if isinstance(value, list) else [value]
    for item in items:
        problem = check_value(spec, item)
        if problem:
            raise FixedValueError(f"{spec.api_name}: {problem}.")
    return value


def _coerce(raw, spec: FieldSpec):
    data_type = spec.data_type
    if data_type in NUMBER_TYPES:
        if isinstance(raw, bool):
            raise FixedValueError(f"{spec.api_name} takes a number, not {raw!r}.")
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise FixedValueError(f"{spec.api_name} takes a number, not {raw!r}.")
        if not number.is_finite():
            raise FixedValueError(f"{spec.api_name} takes a number, not {raw!r}.")
        if data_type in INTEGER_TYPES:
            if number != number.to_integral_value():
                raise FixedValueError(f"{spec.api_name} takes a whole number, not {raw!r}.")
            return int(number)
        return float(number)
    if data_type == "boolean":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE | FALSE:
            return word in TRUE
        raise FixedValueError(f"{spec.api_name} takes true or false, not {raw!r}.")
    if data_type == "multiselectpicklist":
        values = raw if isinstance(raw, list) else str(raw).split(";")
        values = [str(v).strip() for v in values if str(v).strip()]
        if spec.picklist and any(v not in spec.picklist for v in values):
            wrong = next(v for v in values if v not in spec.picklist)
            raise FixedValueError(f"{spec.api_name}: {wrong!r} is not one of the picklist values.")
        return values
    if isinstance(raw, dict | list):
        raise FixedValueError(f"{spec.api_name} takes text, not {type(raw).__name__}.")
    text = str(raw).strip()
    if data_type in ("date", "datetime"):
        try:
            parsed = date.fromisoformat(text) if data_type == "date" else datetime.fromisoformat(text)
        except ValueError:
            raise FixedValueError(f"{spec.api_name}: expected a date as YYYY-MM-DD, got {raw!r}.")
        if data_type == "datetime" and parsed.tzinfo is None:
            raise FixedValueError(f"{spec.api_name}: expected a date and time with its offset, got {raw!r}.")
    return text

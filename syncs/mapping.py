"""Field mappings: DecoNetwork's store fields, their defaults per Zoho module, transforms, and turning a
merged person into a Zoho payload.

Validation against Zoho's live field metadata lives in `syncs.validation`.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from syncs.models import CONTACTS, LEADS, FieldMapping

TEXT, NUMBER, INTEGER, BOOLEAN = "text", "number", "integer", "boolean"

# DecoNetwork's mappable customer fields (plus the email, the match key) and the kind of value each holds.
STORE_FIELD_KINDS = {
    "email": TEXT,
    "company": TEXT,
    "full_name": TEXT,
    "firstname": TEXT,
    "lastname": TEXT,
    "salutation": TEXT,
    "address": TEXT,
    "city": TEXT,
    "state": TEXT,
    "zip": TEXT,
    "country_name": TEXT,
    "phone_number": TEXT,
    "store": TEXT,
    "store_url": TEXT,
    "order_count": INTEGER,
    "balance": NUMBER,
    "total_order_value": NUMBER,
    "newsletter": BOOLEAN,
    "deleted": BOOLEAN,
}
SUMMED_FIELDS = ("order_count", "balance", "total_order_value")

# Prefilled rows of the mapping window (store field, Zoho field), as DecoNetwork suggests them. Free-text
# fields are cut to the Zoho field's length, so an over-long name still syncs (pre-validation would refuse it).
DEFAULT_MAPPINGS = {
    CONTACTS: [
        ("email", "Email"),
        ("firstname", "First_Name"),
        ("lastname", "Last_Name"),
        ("phone_number", "Phone"),
        ("address", "Mailing_Street"),
        ("city", "Mailing_City"),
        ("state", "Mailing_State"),
        ("zip", "Mailing_Zip"),
        ("country_name", "Mailing_Country"),
    ],
    LEADS: [
        ("email", "Email"),
        ("firstname", "First_Name"),
        ("lastname", "Last_Name"),
        ("company", "Company"),
        ("phone_number", "Phone"),
        ("address", "Street"),
        ("city", "City"),
        ("state", "State"),
        ("zip", "Zip_Code"),
        ("country_name", "Country"),
    ],
}


@dataclass(frozen=True)
class Mapping:
    """A mapping row detached from the database (the engine builds these once per run)."""

    store_field: str
    zoho_field: str
    transform: str = ""


TRUNCATED_BY_DEFAULT = {"firstname", "lastname", "company", "address", "city", "zip"}


def default_mappings(module: str) -> list[Mapping]:
    return [
        Mapping(store_field, zoho_field, "truncate" if store_field in TRUNCATED_BY_DEFAULT else "")
        for store_field, zoho_field in DEFAULT_MAPPINGS[module]
    ]


def create_default_mappings(sync_settings, modules=(CONTACTS, LEADS)) -> None:
    """Prefill the mapping rows of modules that have none yet (idempotent)."""
    for module in modules:
        if sync_settings.mappings.filter(module=module).exists():
            continue
        FieldMapping.objects.bulk_create(
            FieldMapping(settings=sync_settings, module=module, position=i, store_field=m.store_field,
                         zoho_field=m.zoho_field, transform=m.transform)
            for i, m in enumerate(default_mappings(module))
        )


def mappings_by_module(sync_settings) -> dict[str, list[Mapping]]:
    rows = {CONTACTS: [], LEADS: []}
    for row in sync_settings.mappings.order_by("position", "id"):
        rows.setdefault(row.module, []).append(Mapping(row.store_field, row.zoho_field, row.transform))
    return rows


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


def apply_transform(value, transform: str, length: int | None = None):
    if value is None:
        return None
    if transform == "strip":
        return str(value).strip()
    if transform == "lower":
        return str(value).lower()
    if transform == "upper":
        return str(value).upper()
    if transform == "title":
        return str(value).title()
    if transform == "truncate":
        text = str(value)
        return text[:length] if length else text
    if transform == "not":
        return not _as_bool(value)
    if transform == "text":
        return str(value)
    return value


def json_value(value):
    """Values as Zoho's JSON wants them: numbers as numbers, empty strings as null (which clears a field)."""
    if isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else None  # JSON has no NaN or Infinity
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


def to_number(value):
    if value in (None, ""):
        return 0
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return 0
    return number if number.is_finite() else 0


def build_payload(person: dict, mappings: list[Mapping], lengths: dict[str, int] | None = None,
                  last_name_fallback: str = "") -> dict:
    """The Zoho record for a merged person. `Email` is always the normalised email (the match key)."""
    lengths = lengths or {}
    payload = {}
    for mapping in mappings:
        value = apply_transform(person.get(mapping.store_field), mapping.transform, lengths.get(mapping.zoho_field))
        payload[mapping.zoho_field] = json_value(value)
    payload["Email"] = person["email"]
    if not payload.get("Last_Name") and last_name_fallback:
        payload["Last_Name"] = last_name_fallback
    return payload

"""Field mappings: DecoNetwork's store fields (and the order fields Deals are filled from), their defaults per
Zoho module, transforms, and turning a merged person or an order into a Zoho payload.

Validation against Zoho's live field metadata lives in `syncs.validation`.
"""

import json
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from syncs.models import ACCOUNTS, CONTACTS, DEALS, LEADS, MODULES, ORDER_MODULES, SALES_ORDERS, FieldMapping

TEXT, NUMBER, INTEGER, BOOLEAN, DATE = "text", "number", "integer", "boolean", "date"

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

# What an order offers a Deal (syncs.orders.order_data builds these values).
ORDER_FIELD_KINDS = {
    "deal_name": TEXT,  # "<store name> #<order number>": display only, never a key
    "number": TEXT,
    "order_id": TEXT,
    "status": TEXT,
    "stage": TEXT,  # Zoho's Deal stage for the order's status
    "total": NUMBER,
    "currency": TEXT,
    "is_paid": BOOLEAN,
    "closing_date": DATE,  # paid, else created, else modified
    "date_created": DATE,
    "email": TEXT,
    "customer_name": TEXT,
    "line_summary": TEXT,
    "store": TEXT,
    "store_url": TEXT,
    "so_status": TEXT,  # Zoho's Sales Order status for the order's status (Cancelled for cancelled/refunded)
    "company": TEXT,  # the buyer's
}


def field_kinds(module: str, custom: dict[str, str] | None = None) -> dict[str, str]:
    """The fields a module's mapping rows may read from: the order's for Deals and Sales Orders, the
    customer's otherwise, with the stores' own fields (`custom`: `custom:<key>` → kind, syncs.store_fields)."""
    if module in ORDER_MODULES:
        return ORDER_FIELD_KINDS
    return {**STORE_FIELD_KINDS, **(custom or {})}

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
    ACCOUNTS: [
        ("company", "Account_Name"),
        ("phone_number", "Phone"),
        ("address", "Billing_Street"),
        ("city", "Billing_City"),
        ("state", "Billing_State"),
        ("zip", "Billing_Code"),
        ("country_name", "Billing_Country"),
    ],
    DEALS: [
        ("deal_name", "Deal_Name"),
        ("total", "Amount"),
        ("stage", "Stage"),
        ("closing_date", "Closing_Date"),
    ],
    SALES_ORDERS: [
        ("deal_name", "Subject"),
        ("so_status", "Status"),
    ],
}


@dataclass(frozen=True)
class Mapping:
    """A mapping row detached from the database (the engine builds these once per run)."""

    store_field: str
    zoho_field: str
    transform: str = ""
    value: object = None  # a fixed value (then store_field is "")

    @property
    def is_fixed(self) -> bool:
        return self.value is not None


TRUNCATED_BY_DEFAULT = {"firstname", "lastname", "company", "address", "city", "zip", "deal_name"}
# Accounts' address fields are short (30 characters): every text row is cut to fit.
TRUNCATED_IN = {ACCOUNTS: {"company", "address", "city", "state", "zip", "country_name"}}


def default_mappings(module: str) -> list[Mapping]:
    truncated = TRUNCATED_IN.get(module, TRUNCATED_BY_DEFAULT)
    return [
        Mapping(store_field, zoho_field, "truncate" if store_field in truncated else "")
        for store_field, zoho_field in DEFAULT_MAPPINGS[module]
    ]


def create_default_mappings(sync_settings, modules=MODULES) -> None:
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
    rows = {module: [] for module in MODULES}
    for row in sync_settings.mappings.order_by("position", "id"):
        rows.setdefault(row.module, []).append(Mapping(row.store_field, row.zoho_field, row.transform, row.value))
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


def map_fields(values: dict, mappings: list[Mapping], lengths: dict[str, int] | None = None) -> dict:
    """Each mapping row's store value, adjusted, under its Zoho field."""
    lengths = lengths or {}
    return {
        mapping.zoho_field: mapping.value if mapping.is_fixed else json_value(apply_transform(
            values.get(mapping.store_field), mapping.transform, lengths.get(mapping.zoho_field)))
        for mapping in mappings
    }


def build_payload(person: dict, mappings: list[Mapping], lengths: dict[str, int] | None = None,
                  last_name_fallback: str = "") -> dict:
    """The Zoho record for a merged person. `Email` is always the normalised email (the match key)."""
    payload = map_fields(person, mappings, lengths)
    payload["Email"] = person["email"] or None  # a record from another org may have none
    if not payload.get("Last_Name") and last_name_fallback:
        payload["Last_Name"] = last_name_fallback
    return payload


def mapping_fingerprint(mappings: list[Mapping]) -> str:
    """The mapping rows as text, part of every record's change hash: a changed mapping resends its records."""
    return "|".join(f"{m.store_field}>{m.zoho_field}:{m.transform}" + (f"={json.dumps(m.value)}" if m.is_fixed else "")
                    for m in mappings)

"""The stores' own customer fields: which ones a store has, what kind of value each holds, and each
customer's values.

WooCommerce keeps them as user meta (`meta_data` of `[{"id", "key", "value"}]`); keys starting with "_" are
private to plugins and never offered. Meta has no types, so the kind is inferred from the values seen.
Magento 2 lists the merchant's customer attributes with their input type (`GET
/V1/attributeMetadata/customer/custom`); a customer carries `custom_attributes` of `{"attribute_code",
"value"}`, select values being option ids.
"""

import re

from integrations.stores.sources.base import CustomField, text

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^-?\d{1,18}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Magento's frontend input → our kind (select values are turned into their labels: text).
MAGENTO_KINDS = {"boolean": "boolean", "date": "date", "datetime": "date"}


def label_for(key: str) -> str:
    """"loyalty_tier" → "Loyalty tier"."""
    words = re.sub(r"[_\-]+", " ", key).strip()
    return words[:1].upper() + words[1:] if words else key


def is_private(key) -> bool:
    return not isinstance(key, str) or not key.strip() or key.startswith("_")


def _scalar(value) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return text(value)
    return None  # arrays and objects (serialized plugin data) are not a field value


def woo_values(meta_data, skip=()) -> tuple[tuple[str, str], ...]:
    """A customer's public meta values that are not empty, by key."""
    values = {}
    for item in meta_data or []:
        if not isinstance(item, dict) or is_private(item.get("key")) or item["key"] in skip:
            continue
        value = _scalar(item.get("value"))
        if value:
            values[item["key"]] = value
    return tuple(sorted(values.items()))


def infer_kind(values: list[str]) -> str:
    """The narrowest kind every value fits: integer, number, date, else text."""
    if not values:
        return "text"
    for kind, pattern in (("integer", INTEGER), ("number", NUMBER), ("date", ISO_DATE)):
        if all(pattern.match(value) for value in values):
            return kind
    return "text"


def woo_fields(customers_json: list, skip=()) -> list[CustomField]:
    """The public meta keys found on these customers, each with the kind its values fit."""
    seen: dict[str, list[str]] = {}
    for customer in customers_json:
        if not isinstance(customer, dict):
            continue
        for key, value in woo_values(customer.get("meta_data"), skip):
            seen.setdefault(key, []).append(value)
    return [CustomField(key, label_for(key), infer_kind(values)) for key, values in sorted(seen.items())]


def magento_kind(attribute: dict) -> str:
    kind = MAGENTO_KINDS.get(text(attribute.get("frontend_input")))
    if kind:
        return kind
    if attribute.get("frontend_input") in ("select", "multiselect"):
        return "text"
    return {"int": "integer", "decimal": "number"}.get(text(attribute.get("backend_type")), "text")


def magento_fields(metadata) -> list[CustomField]:
    """The merchant's customer attributes (system ones are left out)."""
    fields = []
    for attribute in metadata if isinstance(metadata, list) else []:
        if not isinstance(attribute, dict) or not text(attribute.get("attribute_code")) or attribute.get("system"):
            continue
        code = text(attribute["attribute_code"])
        label = text(attribute.get("frontend_label")) or text(attribute.get("store_label")) or label_for(code)
        fields.append(CustomField(code, label, magento_kind(attribute)))
    return fields


def magento_values(custom_attributes, metadata: dict[str, dict]) -> tuple[tuple[str, object], ...]:
    """A customer's custom attribute values, as their kind: option ids as labels, booleans as bool, dates
    as YYYY-MM-DD. Attributes not in `metadata` (by code) are left out: they are not the merchant's own."""
    values = {}
    for item in custom_attributes or []:
        if not isinstance(item, dict):
            continue
        attribute = metadata.get(text(item.get("attribute_code")))
        if attribute is None:
            continue
        value = _magento_value(item.get("value"), attribute)
        if value not in (None, ""):
            values[attribute["attribute_code"]] = value
    return tuple(sorted(values.items()))


def _magento_value(raw, attribute: dict):
    kind = magento_kind(attribute)
    value = ",".join(text(v) for v in raw) if isinstance(raw, list) else _scalar(raw)
    if value is None:
        return None
    if attribute.get("frontend_input") in ("select", "multiselect"):
        labels = {text(o.get("value")): text(o.get("label")) for o in attribute.get("options") or []
                  if isinstance(o, dict)}
        return ", ".join(labels.get(part, part) for part in value.split(",") if part)
    if kind == "boolean":
        return value.lower() in ("1", "true", "yes")
    if kind == "date":
        return value[:10] if ISO_DATE.match(value[:10]) else None
    return value

"""The stores' own customer fields in the mapping: which a connection may map, named with their stores, and
their values converted to the kind the mapping checks.

Discovering a store's fields costs a read or two (`Source.custom_fields()`), so it happens when someone asks
(the mapping editor's "Refresh store fields", the wizard) and the result is kept in the store's config
(`custom_fields`: [{"key", "label", "kind"}]); the editor, the validation and the engine read that list. A
field is mapped as `custom:<key>`: the same key in two stores is one field, filled from whichever store
the person was last updated in (the merge rule of every field).
"""

from decimal import Decimal

from integrations.stores.sources import get_source
from integrations.stores.sources.base import CUSTOM_KINDS, CUSTOM_PREFIX, CustomField
from syncs.mapping import to_number
from syncs.selection import included_stores

CONFIG_KEY = "custom_fields"
TEXT, NUMBER, INTEGER, BOOLEAN, DATE = CUSTOM_KINDS  # the mapping's kinds (syncs.mapping)


def refresh(store) -> list[CustomField]:
    """Ask the store for its own fields and keep them; raises the source's SourceError when it cannot."""
    fields = get_source(store).custom_fields()
    store.config = {**(store.config or {}), CONFIG_KEY: [
        {"key": f.key, "label": f.label, "kind": f.kind} for f in fields]}
    store.save(update_fields=["config"])
    return fields


def known(store) -> list[CustomField]:
    """The fields found the last time the store was asked (none before)."""
    fields = []
    for item in (store.config or {}).get(CONFIG_KEY) or []:
        if isinstance(item, dict) and item.get("key"):
            kind = item.get("kind") if item.get("kind") in CUSTOM_KINDS else TEXT
            fields.append(CustomField(str(item["key"]), str(item.get("label") or item["key"]), kind))
    return fields


def offered(stores) -> dict[str, tuple[str, str]]:
    """`custom:<key>` → (label naming the stores it comes from, kind) over these stores. A key whose kind
    differs between stores is text, which every Zoho text field takes."""
    found: dict[str, dict] = {}
    for store in stores:
        for field in known(store):
            entry = found.setdefault(field.name, {"label": field.label, "kinds": set(), "stores": []})
            entry["kinds"].add(field.kind)
            entry["stores"].append(store.name)
    return {
        name: (f"{entry['label']} ({', '.join(entry['stores'])})",
               entry["kinds"].pop() if len(entry["kinds"]) == 1 else TEXT)
        for name, entry in sorted(found.items())
    }


def offered_for(sync_settings) -> dict[str, tuple[str, str]]:
    return offered(included_stores(sync_settings))


def kinds_for(sync_settings) -> dict[str, str]:
    return {name: kind for name, (_, kind) in offered_for(sync_settings).items()}


def typed(value, kind: str):
    """A custom value (text as the store keeps it) as its kind, for the mapping: None when it cannot be."""
    if value in (None, ""):
        return None
    if kind in (NUMBER, INTEGER):
        number = to_number(value)
        if number == 0 and str(value).strip() not in ("0", "0.0", "-0"):
            return None  # not a number: leave the Zoho field alone rather than send 0
        return int(number) if kind == INTEGER else Decimal(number)
    if kind == BOOLEAN:
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "y", "on")
    if kind == DATE:
        return str(value)[:10]
    return value if isinstance(value, str) else str(value)


def typed_person(person: dict, kinds: dict[str, str]) -> dict:
    """The person with their custom values converted (keys starting with `custom:`)."""
    return {name: typed(value, kinds.get(name, TEXT)) if name.startswith(CUSTOM_PREFIX) else value
            for name, value in person.items()}

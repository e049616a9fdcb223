"""A connection's sync settings as one JSON document (no secrets), for backups, staging → production and scripts.

`export_document` writes it; `plan_import` reads one, checks it against the org's live Zoho fields exactly as
the mapping editor does (`syncs.forms.validate_rows`, so the messages are the same) and says what would change;
`apply_import` applies such a plan in one transaction. Exporting and importing the same document changes nothing.

    {"connection": "demo", "sync_option": "all", "allow_affiliates": false,
     "modules": {"Contacts": {"enabled": true, "mapping": [{"from": "email", "to": "Email", "adjust": ""}, …]},
                 "Leads": {"enabled": true, "mapping": [{"value": "Online Store", "to": "Lead_Source"}, …]},
                 "Accounts": {…}, "Deals": {…}, "Sales_Orders": {…}},
     "stores": ["My Store", …],             (informational: which stores the sync option includes today)
     "policies": {"deleted_in_zoho": "skip", "deleted_in_store": "ignore", …}}
"""

from dataclasses import dataclass, field

from django.db import transaction

from integrations.zoho.crm import ZohoCRM
from syncs import store_fields
from syncs.forms import FIXED, Row, rows_from_db, save_rows, validate_rows
from syncs.models import ACCOUNTS, CONTACTS, DEALS, LEADS, MODULES, SALES_ORDERS, SyncSettings
from syncs.resend import mark_for_resend
from syncs.selection import included_stores
from syncs.validation import field_specs

ENABLED_FIELDS = {CONTACTS: "sync_contacts", LEADS: "sync_leads", ACCOUNTS: "sync_accounts", DEALS: "sync_deals",
                  SALES_ORDERS: "sync_sales_orders"}
# policy name in the document → SyncSettings field
POLICIES = {
    "deleted_in_zoho": "deleted_in_zoho_policy",
    "deleted_in_store": "deleted_in_store_policy",
    "deleted_in_store_field": "deleted_in_store_field",
    "deleted_in_store_value": "deleted_in_store_value",
    "last_name_fallback": "last_name_fallback",
    "deal_key_field": "deal_key_field",
    "account_key_field": "account_key_field",
    "sales_order_tax_name": "sales_order_tax_name",
    "interval_minutes": "interval_minutes",
}
TOP_LEVEL = {"connection", "sync_option", "allow_affiliates", "modules", "stores", "policies"}
ROW_KEYS = {"from", "to", "adjust"}
FIXED_ROW_KEYS = {"value", "to", "adjust"}


class InvalidDocument(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def export_document(sync_settings: SyncSettings) -> dict:
    return {
        "connection": sync_settings.connection.name,
        "sync_option": sync_settings.sync_option,
        "allow_affiliates": sync_settings.allow_affiliate_integrations,
        "modules": {
            module: {
                "enabled": getattr(sync_settings, ENABLED_FIELDS[module]),
                "mapping": [_row_json(r) for r in rows_from_db(sync_settings, module)],
            }
            for module in MODULES
        },
        "stores": list(included_stores(sync_settings).values_list("name", flat=True)),
        "policies": {name: getattr(sync_settings, attr) for name, attr in POLICIES.items()},
    }


@dataclass
class ImportPlan:
    settings_changes: dict = field(default_factory=dict)  # SyncSettings field → (old, new)
    mappings: dict = field(default_factory=dict)  # module → list[Row], only modules whose rows change
    mapping_changes: dict = field(default_factory=dict)  # module → {"added": [...], "removed": [...]}
    notes: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.settings_changes or self.mappings)

    def summary(self) -> dict:
        return {
            "changed": self.changed,
            "settings": {name: {"from": old, "to": new} for name, (old, new) in self.settings_changes.items()},
            "mappings": self.mapping_changes,
            **({"notes": self.notes} if self.notes else {}),
        }


def plan_import(sync_settings: SyncSettings, document, crm: ZohoCRM | None = None) -> ImportPlan:
    """What importing `document` would change; InvalidDocument lists every reason it cannot be imported."""
    errors: list[str] = []
    if not isinstance(document, dict):
        raise InvalidDocument(["The document must be a JSON object."])
    errors += [f"Unknown key {key!r}." for key in sorted(set(document) - TOP_LEVEL)]
    plan = ImportPlan()
    wanted = {}
    if "sync_option" in document:
        if document["sync_option"] not in SyncSettings.SyncOption.values:
            errors.append(f"sync_option must be one of {', '.join(SyncSettings.SyncOption.values)}.")
        wanted["sync_option"] = document["sync_option"]
    if "allow_affiliates" in document:
        if not isinstance(document["allow_affiliates"], bool):
            errors.append("allow_affiliates must be true or false.")
        wanted["allow_affiliate_integrations"] = document["allow_affiliates"]
    errors += _read_policies(document.get("policies", {}), wanted)
    modules = document.get("modules", {})
    if not isinstance(modules, dict):
        errors.append(f"modules must be an object of {', '.join(MODULES)}.")
        modules = {}
    errors += [f"Unknown module {name!r}: use {', '.join(MODULES)}." for name in sorted(set(modules) - set(MODULES))]
    fallback = wanted.get("last_name_fallback", sync_settings.last_name_fallback)
    crm = crm or ZohoCRM(sync_settings.connection)
    custom_kinds = store_fields.kinds_for(sync_settings)
    specs_by_module = {}
    for module in MODULES:
        entry = modules.get(module)
        if entry is None:
            continue
        if not isinstance(entry, dict) or set(entry) - {"enabled", "mapping"}:
            errors.append(f"{module}: give an object with \"enabled\" and \"mapping\".")
            continue
        if "enabled" in entry:
            if not isinstance(entry["enabled"], bool):
                errors.append(f"{module}: enabled must be true or false.")
            wanted[ENABLED_FIELDS[module]] = entry["enabled"]
        if "mapping" in entry:
            rows, problems = _read_rows(module, entry["mapping"])
            errors += problems
            if problems:
                continue
            specs_by_module[module] = specs = field_specs(crm.fields(module))
            general = validate_rows(module, rows, specs, fallback, custom_kinds)
            errors += [f"{module}: {message}" for message in general]
            errors += [f"{module} row {i} ({_row_source(row)} → {row.zoho_field}): {message}"
                       for i, row in enumerate(rows, start=1) for message in row.errors]
            current = rows_from_db(sync_settings, module)
            if _as_tuples(current) != _as_tuples(rows):
                plan.mappings[module] = rows
                plan.mapping_changes[module] = {
                    "added": [_row_json(r) for r in rows if _as_tuple(r) not in _as_tuples(current)],
                    "removed": [_row_json(r) for r in current if _as_tuple(r) not in _as_tuples(rows)],
                }
    for policy, module in (("deal_key_field", DEALS), ("account_key_field", ACCOUNTS)):
        key_field = wanted.get(policy)
        if key_field:
            specs = specs_by_module.get(module) or field_specs(crm.fields(module))
            if key_field not in specs:
                errors.append(f"policies.{policy}: {module} has no field {key_field}.")
    stores = document.get("stores")
    if stores is not None and not (isinstance(stores, list) and all(isinstance(n, str) for n in stores)):
        errors.append("stores must be a list of store names.")
    if errors:
        raise InvalidDocument(errors)
    if stores is not None:
        here = set(included_stores(sync_settings).values_list("name", flat=True))
        if set(stores) != here:
            plan.notes.append(
                "stores are not imported: they follow sync_option and each store's “My store” flag. Listed but "
                f"not included here: {sorted(set(stores) - here) or 'none'}; included here but not listed: "
                f"{sorted(here - set(stores)) or 'none'}.")
    for name, new in wanted.items():
        old = getattr(sync_settings, name)
        if old != new:
            plan.settings_changes[name] = (old, new)
    return plan


def apply_import(sync_settings: SyncSettings, plan: ImportPlan) -> None:
    """All of the plan or nothing; records the changes touch are marked for the next run."""
    with transaction.atomic():
        before = set(sync_settings.modules)
        for name, (_old, new) in plan.settings_changes.items():
            setattr(sync_settings, name, new)
        if plan.settings_changes:
            sync_settings.save()
        for module, rows in plan.mappings.items():
            save_rows(sync_settings, module, rows)
        ticked = set(sync_settings.modules) - before
        if ticked:
            mark_for_resend(sync_settings, ticked)


def _read_policies(policies, wanted: dict) -> list[str]:
    if not isinstance(policies, dict):
        return ["policies must be an object."]
    errors = [f"policies: unknown key {key!r}." for key in sorted(set(policies) - set(POLICIES))]
    choices = {"deleted_in_zoho": SyncSettings.DeletedInZoho.values,
               "deleted_in_store": SyncSettings.DeletedInStore.values}
    for name, value in policies.items():
        if name not in POLICIES:
            continue
        if name in choices and value not in choices[name]:
            errors.append(f"policies.{name} must be one of {', '.join(choices[name])}.")
        elif name == "interval_minutes" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            errors.append("policies.interval_minutes must be a whole number of minutes, at least 1.")
        elif name != "interval_minutes" and not isinstance(value, str):
            errors.append(f"policies.{name} must be text.")
        wanted[POLICIES[name]] = value
    return errors


def _read_rows(module: str, mapping) -> tuple[list[Row], list[str]]:
    if not isinstance(mapping, list):
        return [], [f"{module}: mapping must be a list of rows."]
    rows, errors = [], []
    for i, item in enumerate(mapping, start=1):
        if isinstance(item, dict) and "value" in item and not set(item) - FIXED_ROW_KEYS and "to" in item:
            if not isinstance(item["to"], str) or not isinstance(item.get("adjust") or "", str):
                errors.append(f"{module} row {i}: to and adjust must be text.")
            elif item["value"] is None or isinstance(item["value"], dict):
                errors.append(f"{module} row {i}: value must be text, a number, true/false or a list.")
            else:
                rows.append(Row(FIXED, item["to"].strip(), (item.get("adjust") or "").strip(), item["value"]))
            continue
        if not isinstance(item, dict) or set(item) - ROW_KEYS or not {"from", "to"} <= set(item):
            errors.append(f"{module} row {i}: give {{\"from\": store field, \"to\": Zoho field, \"adjust\": "
                          "transform}, or {\"value\": fixed value, \"to\": Zoho field}.")
            continue
        values = [item.get("from"), item.get("to"), item.get("adjust") or ""]
        if not all(isinstance(v, str) for v in values):
            errors.append(f"{module} row {i}: from, to and adjust must be text.")
            continue
        rows.append(Row(*(v.strip() for v in values)))
    return rows, errors


def _as_tuple(row: Row) -> tuple:
    value = row.typed if row.typed is not None else row.value
    return row.store_field, row.zoho_field, row.transform, value if row.is_fixed else None


def _as_tuples(rows) -> list[tuple]:
    return [_as_tuple(r) for r in rows]


def _row_source(row: Row) -> str:
    return f"fixed value {row.value!r}" if row.is_fixed else row.store_field


def _row_json(row: Row) -> dict:
    if row.is_fixed:
        value = row.typed if row.typed is not None else row.value
        return {"value": value, "to": row.zoho_field, "adjust": row.transform}
    return {"from": row.store_field, "to": row.zoho_field, "adjust": row.transform}

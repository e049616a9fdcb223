"""Module, field and layout metadata: Zoho's stock fields for Contacts, Leads, Deals, Accounts, Products and
Sales_Orders (copied into data/standard_fields.json from the project's research) plus each org's custom fields.
Nested objects carry what Zoho sends: real ids (numeric strings) or null, the org's own user, profiles, "All …"
view and Standard layout."""

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import people
from .clock import render_time

DATA_DIR = Path(__file__).parent / "data"

MODULES = {
    # api_name: (singular label, plural label, field that names a record, system duplicate-check field)
    "Leads": ("Lead", "Leads", "Full_Name", "Email"),
    "Contacts": ("Contact", "Contacts", "Full_Name", "Email"),
    "Accounts": ("Account", "Accounts", "Account_Name", "Account_Name"),
    "Deals": ("Deal", "Deals", "Deal_Name", "Deal_Name"),
    "Products": ("Product", "Products", "Product_Name", "Product_Name"),
    "Sales_Orders": ("Sales Order", "Sales Orders", "Subject", "Subject"),
}
MODULE_ORDER = list(MODULES)

JSON_TYPE_BY_DATA_TYPE = {
    "integer": "integer", "double": "double", "currency": "double", "percent": "double", "boolean": "boolean",
    "lookup": "jsonobject", "ownerlookup": "jsonobject", "layout": "jsonobject",
    "multiselectpicklist": "jsonarray", "multi_module_lookup": "jsonobject", "lineitem": "jsonarray",
}
CUSTOM_FIELD_TYPES = ["text", "textarea", "email", "phone", "picklist", "multiselectpicklist", "integer", "bigint",
                      "double", "currency", "boolean", "date", "datetime", "website"]


@dataclass(frozen=True)
class FieldDef:
    api_name: str
    field_label: str
    data_type: str
    json_type: str
    length: int
    system_mandatory: bool = False
    writable: bool = True
    unique: bool = False
    unique_case_sensitive: bool = False
    # Values a write may use (actual values, and display values where they differ); None = not restricted.
    allowed_values: tuple | None = None
    pick_list: tuple = ()  # (display_value, actual_value) pairs, in order
    lookup_module: str | None = None
    decimal_place: int | None = None
    read_only: bool = False
    field_read_only: bool = False
    custom: bool = False
    field_id: str = ""
    convert_mapping: dict = field(default_factory=dict, hash=False, compare=False)


@cache
def _standard_data():
    return json.loads((DATA_DIR / "standard_fields.json").read_text())


@cache
def templates():
    return json.loads((DATA_DIR / "metadata_templates.json").read_text())


@cache
def _overrides_by_field() -> dict:
    """Display → actual picklist values by field name. The research notes that Contacts' Lead_Source stores
    the same actual values as Leads' though its export lacks them, so a field borrows a same-named one's."""
    overrides = {}
    for raw_fields in _standard_data()["modules"].values():
        for raw in raw_fields:
            overrides.setdefault(raw["api_name"], {}).update(raw.get("actual_value_overrides", {}))
    return overrides


def _pick_list(raw: dict) -> tuple:
    overrides = raw.get("actual_value_overrides") or _overrides_by_field().get(raw["api_name"], {})
    return tuple((display, overrides.get(display, display)) for display in raw.get("pick_list_values", []))


def _standard_field(module_index: int, index: int, raw: dict) -> FieldDef:
    pick_list = _pick_list(raw)
    allowed = None
    if pick_list:
        allowed = tuple({value for pair in pick_list for value in pair})
    return FieldDef(
        api_name=raw["api_name"],
        field_label=raw["field_label"],
        data_type=raw["data_type"],
        json_type=raw["json_type"],
        length=raw["length"],
        system_mandatory=raw["system_mandatory"],
        writable=raw["api_writable"] and not raw.get("field_read_only", False),
        unique=raw["unique"],
        unique_case_sensitive=raw.get("unique_case_sensitive", False),
        allowed_values=allowed,
        pick_list=pick_list,
        lookup_module=raw.get("lookup_module") or ({"ownerlookup": "users"}.get(raw["data_type"])),
        decimal_place=raw.get("decimal_place"),
        read_only=raw["read_only"],
        field_read_only=raw.get("field_read_only", False),
        field_id=f"{module_index + 1:02d}{index:09d}",
        convert_mapping=raw.get("convert_mapping", {}),
    )


@cache
def standard_fields(module: str) -> tuple[FieldDef, ...]:
    raw_fields = _standard_data()["modules"][module]
    module_index = MODULE_ORDER.index(module)
    return tuple(
        _standard_field(module_index, index, raw)
        for index, raw in enumerate(raw_fields)
        # Fields that only exist when a feature (territories, SalesIQ, several layouts) is on are left out.
        if raw.get("availability") != "conditional"
    )


def custom_field_def(custom) -> FieldDef:
    values = tuple(custom.pick_list_values or ())
    has_list = custom.data_type in ("picklist", "multiselectpicklist")
    return FieldDef(
        api_name=custom.api_name,
        field_label=custom.field_label,
        data_type=custom.data_type,
        json_type=JSON_TYPE_BY_DATA_TYPE.get(custom.data_type, "string"),
        length=custom.length,
        unique=custom.unique,
        allowed_values=(("-None-", *values) if has_list else None),
        pick_list=tuple((v, v) for v in ("-None-", *values)) if has_list else (),
        custom=True,
        field_id=custom.zoho_id,
    )


def field_defs(org, module: str) -> dict[str, FieldDef]:
    """The org's fields for a module, by api name, in Zoho's order (standard fields, then custom ones)."""
    fields = {f.api_name: f for f in standard_fields(module)}
    for custom in org.custom_fields.filter(module=module):
        fields[custom.api_name] = custom_field_def(custom)
    return fields


def field_id(org, definition: FieldDef) -> str:
    return definition.field_id if definition.custom else f"{org.id_prefix}9{definition.field_id}"


def module_id(org, module: str) -> str:
    return f"{org.id_prefix}8{MODULE_ORDER.index(module) + 1:011d}"


# Settings ids (people.setting_id) of each module's "All …" view, Standard layout and its one section.
VIEW_NUMBER, LAYOUT_NUMBER, SECTION_NUMBER = 100, 200, 300


def _setting(org, base: int, module: str) -> str:
    return people.setting_id(org, base + MODULE_ORDER.index(module) + 1)


def layout_association(org, module: str) -> dict:
    return {"api_name": "Standard__s", "name": "Standard", "id": _setting(org, LAYOUT_NUMBER, module)}


def _field_profiles(org, definition: FieldDef) -> list[dict]:
    permission = "read_write" if definition.writable else "read_only"
    return [{**profile, "permission_type": permission} for profile in people.profiles(org)]


def field_metadata(org, module: str, definition: FieldDef) -> dict:
    """One entry of GET /settings/fields, in Zoho's shape."""
    meta = copy.deepcopy(templates()["field"])
    meta.update({
        "api_name": definition.api_name,
        "field_label": definition.field_label,
        "display_label": definition.field_label,
        "column_name": definition.api_name.upper(),
        "id": field_id(org, definition),
        "data_type": definition.data_type,
        "json_type": definition.json_type,
        "length": definition.length,
        "decimal_place": definition.decimal_place,
        "system_mandatory": definition.system_mandatory,
        "custom_field": definition.custom,
        "created_source": "crm" if definition.custom else "default",
        "read_only": definition.read_only,
        "field_read_only": definition.field_read_only,
        "operation_type": {
            "web_update": definition.writable, "api_create": definition.writable,
            "web_create": definition.writable, "api_update": definition.writable,
        },
        "unique": {"case_sensitive": definition.unique_case_sensitive} if definition.unique else {},
        "profiles": _field_profiles(org, definition),
        "layout_associations": [layout_association(org, module)],
        "pick_list_values": [
            {"display_value": display, "sequence_number": number, "reference_value": display,
             "colour_code": None, "actual_value": actual, "id": f"{field_id(org, definition)[:-3]}{number:03d}",
             "type": "used"}
            for number, (display, actual) in enumerate(definition.pick_list, start=1)
        ],
        "convert_mapping": dict(definition.convert_mapping),
    })
    if definition.lookup_module and definition.data_type == "lookup":
        meta["lookup"] = {
            "display_label": definition.field_label,
            "api_name": definition.api_name,
            "module": {"api_name": definition.lookup_module, "id": _lookup_module_id(org, definition.lookup_module)},
            "id": field_id(org, definition),
            "query_details": {},
            "revalidate_filter_during_edit": False,
            "show_fields": [],
        }
    return meta


def _lookup_module_id(org, module: str) -> str | None:
    return module_id(org, module) if module in MODULES else None


def _sort_field(org, module: str) -> dict:
    created = field_defs(org, module)["Created_Time"]
    return {"api_name": created.api_name, "id": field_id(org, created)}


def custom_view(org, module: str) -> dict:
    """The module's default view, "All Contacts", as GET /settings/modules nests it."""
    _, plural, _, _ = MODULES[module]
    owner, created = people.minified_owner(org), render_time(org.created_at, org)
    view = copy.deepcopy(templates()["module"]["custom_view"])
    view.update({
        "display_value": f"All {plural}", "system_name": "ALLVIEWS", "category": "public_views",
        "created_time": created, "modified_time": created, "last_accessed_time": None, "name": f"All {plural}",
        "created_by": owner, "modified_by": owner,
        "module": {"api_name": module, "name": module, "id": module_id(org, module)},
        "default": True, "system_defined": True, "locked": False, "favorite": None, "offline": True,
        "access_type": "public", "shared_to": [], "fields": [], "sort_by": _sort_field(org, module),
        "sort_order": "desc", "id": _setting(org, VIEW_NUMBER, module),
    })
    return view


def module_metadata(org, module: str) -> dict:
    singular, plural, _, _ = MODULES[module]
    meta = copy.deepcopy(templates()["module"])
    meta.update({
        "modified_by": people.minified_owner(org), "modified_time": render_time(org.created_at, org),
        "profiles": people.profiles(org), "custom_view": custom_view(org, module),
        "api_name": module, "module_name": plural, "singular_label": singular, "plural_label": plural,
        "id": module_id(org, module), "sequence_number": MODULE_ORDER.index(module) + 2,
        "api_supported": True, "creatable": True, "editable": True, "deletable": True, "viewable": True,
        "visible": True, "show_as_tab": True, "quick_create": True, "global_search_supported": True,
        "common.search_supported": True, "recycle_bin_on_delete": True, "convertable": module == "Leads",
        "triggers_supported": True, "filter_supported": True, "visibility": 1, "generated_type": "default",
        "profile_count": len(people.PROFILES), "per_page": 200, "business_card_field_limit": 5,
    })
    return meta


def layout_metadata(org, module: str) -> dict:
    """The module's one layout, "Standard", with one section holding every field (GET /settings/layouts)."""
    singular, _, _, _ = MODULES[module]
    owner, created = people.minified_owner(org), render_time(org.created_at, org)
    layout, section = _setting(org, LAYOUT_NUMBER, module), f"{singular} Information"
    fields = [
        {**field_metadata(org, module, definition), "sequence_number": number,
         "required": definition.system_mandatory}
        for number, definition in enumerate(field_defs(org, module).values(), start=1)
    ]
    return {
        "id": layout, "name": "Standard", "display_label": "Standard",
        "api_name": "Standard__s", "source": "crm", "status": "active", "visible": True, "mode": "default",
        "generated_type": "default", "display_type": -1, "show_business_card": False, "has_more_profiles": False,
        "created_time": created, "modified_time": created, "created_by": owner, "modified_by": owner,
        "created_for": None, "subform_properties": {"pinned_column": None},
        "convert_mapping": {},
        "profiles": [{**profile, "default": True, "_default_view": {"name": "Standard", "id": layout, "type": "layout"}}
                     for profile in people.profiles(org)],
        "actions_allowed": {"edit": True, "rename": True, "clone": True, "downgrade": False, "delete": False,
                            "deactivate": False, "set_layout_permissions": True},
        "sections": [{
            "display_label": section, "sequence_number": 1, "isSubformSection": False,
            "tab_traversal": "left_to_right", "api_name": section, "column_count": 2, "name": section,
            "generated_type": "default", "id": _setting(org, SECTION_NUMBER, module), "type": "used",
            "fields": fields, "properties": None,
        }],
    }

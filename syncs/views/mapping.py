"""Map Fields: the mapping window. Rows of "Map This Customer Data" → "To This Zoho Field" (the org's live
fields, with their type and a required marker), "Add new field", "Delete" per row and "OK". Rows are
checked against Zoho's field metadata and each problem is explained on its row; nothing is saved until
every row is valid. Works without JavaScript (Add and Delete re-render the window); with it they are instant.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from integrations import audit
from integrations.stores.sources.errors import SourceError
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.errors import ZohoError
from syncs import services, store_fields
from syncs.forms import TRANSFORMS, Row, rows_from_db, rows_from_post, save_rows, validate_rows
from syncs.mapping import STORE_FIELD_KINDS, field_kinds
from syncs.models import MODULES, ORDER_MODULES
from syncs.selection import included_stores
from syncs.validation import field_specs
from syncs.views import access

PICKLIST_SHOWN = 8


def zoho_fields(connection, module) -> tuple[list[dict], str]:
    """The module's field metadata (cached by the CRM client for an hour), or an explanation of why not."""
    try:
        return ZohoCRM(connection).fields(module), ""
    except ZohoError as exc:
        return [], f"Could not fetch the {module} fields from Zoho. {exc.explanation}"


def field_options(metadata: list[dict], rows: list[Row]) -> dict:
    """Select options: writable fields, then read-only ones in their own group, plus any mapped field Zoho
    no longer has (so nothing is lost and its row can say why)."""
    specs = field_specs(metadata)
    writable, read_only = [], []
    for meta in sorted(metadata, key=lambda m: (not specs[m["api_name"]].mandatory, m.get("field_label", ""))):
        spec = specs[meta["api_name"]]
        text = f"{meta.get('field_label') or spec.api_name} ({spec.api_name}) · {spec.data_type}"
        if spec.mandatory:
            text += " · required *"
        (writable if spec.writable else read_only).append({"value": spec.api_name, "text": text})
    known = set(specs)
    missing = sorted({r.zoho_field for r in rows if r.zoho_field and r.zoho_field not in known})
    return {"writable": writable, "read_only": read_only,
            "missing": [{"value": name, "text": f"{name} (not in Zoho)"} for name in missing]}


def row_hints(rows: list[Row], specs) -> None:
    for row in rows:
        spec = specs.get(row.zoho_field)
        row.hint = ""
        if spec and spec.picklist:
            values = sorted(spec.picklist)
            shown = ", ".join(values[:PICKLIST_SHOWN]) + (" …" if len(values) > PICKLIST_SHOWN else "")
            row.hint = f"Picklist: a customer whose value is not one of {shown} is rejected (see the error inbox)."
        elif spec and spec.length and spec.data_type in ("text", "textarea"):
            row.hint = f"Up to {spec.length} characters."


def refresh_store_fields(request, sync_settings) -> None:
    """Ask every included store for its own customer fields (a read or two each), saying what was found."""
    for store in included_stores(sync_settings):
        try:
            found = store_fields.refresh(store)
        except SourceError as exc:
            messages.error(request, f"{store.name}: its own fields could not be read. {exc.message}")
            continue
        names = ", ".join(f.label for f in found) or "none"
        messages.info(request, f"{store.name}: {len(found)} own customer fields ({names}).")


def store_field_choices(module: str, custom: dict) -> list[tuple[str, str]]:
    """(value, text) of "Map This Data": the store's standard fields, then the stores' own ones by label."""
    standard = [(name, f"{name} ({kind})") for name, kind in field_kinds(module).items()]
    if module in ORDER_MODULES:
        return standard
    return standard + [(name, f"{label} · {kind}") for name, (label, kind) in custom.items()
                       if name not in STORE_FIELD_KINDS]


def mapping(request, pk, module):
    if module not in MODULES:
        raise Http404("Unknown module")
    connection = access.connection_or_404(request.user, pk)
    access.require_configure(request.user)
    sync_settings = services.settings_for(connection)
    metadata, fields_error = zoho_fields(connection, module)
    specs = field_specs(metadata)
    general, status = [], 200
    if request.method == "POST" and request.POST.get("action") == "refresh-store-fields":
        refresh_store_fields(request, sync_settings)
    custom = {} if module in ORDER_MODULES else store_fields.offered_for(sync_settings)
    custom_kinds = {name: kind for name, (_, kind) in custom.items()}
    if request.method != "POST":
        rows = rows_from_db(sync_settings, module) or [Row()]
    else:
        rows = rows_from_post(request.POST)
        action = request.POST.get("action", "ok")
        if action == "refresh-store-fields":
            pass
        elif action == "add":
            rows.append(Row())
        elif action.startswith("delete-") and action[7:].isdigit() and int(action[7:]) < len(rows):
            del rows[int(action[7:])]
        elif fields_error:
            general, status = [f"Nothing was saved: {fields_error}"], 400
        else:
            general = validate_rows(module, rows, specs, sync_settings.last_name_fallback, custom_kinds)
            if general or any(row.errors for row in rows):
                status = 400
            else:
                count = save_rows(sync_settings, module, rows)
                audit.record(audit.Action.SETTINGS, f"Saved the {module} field mapping ({count} fields).",
                             user=request.user, connection=connection)
                messages.success(request, f"{module} field mapping saved ({count} fields).")
                return redirect(access.wizard_url(connection, "record-mapping"))
    row_hints(rows, specs)
    return render(request, "syncs/mapping.html", {
        "connection": connection, "sync_settings": sync_settings, "module": module, "modules": MODULES,
        "data_label": "Order Data" if module in ORDER_MODULES else "Customer Data",
        "rows": rows, "blank_row": Row(), "general_errors": general,
        "has_row_errors": any(row.errors for row in rows), "fields_error": fields_error,
        "options": field_options(metadata, rows), "transforms": TRANSFORMS,
        "store_fields": store_field_choices(module, custom), "offers_store_fields": module not in ORDER_MODULES,
    }, status=status)

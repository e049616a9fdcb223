"""The naive per-record sync the original scripts use, as the baseline: for each store customer, search Zoho by
email, then create or update that one record (one call each, so 2 calls and 2 credits per customer). It uses the
real Zoho client and the same payloads as the engine (same routing, mapping, truncation), keeps no state, and
so sends every customer on every run."""

from dataclasses import dataclass, field
from types import SimpleNamespace

from integrations.stores.sources import get_source
from integrations.zoho.crm import ZohoCRM
from syncs.mapping import build_payload, mappings_by_module
from syncs.merge import merge, normalise_email, route, snapshot_data
from syncs.models import PERSON_MODULES
from syncs.validation import EMAIL_RE, field_specs


@dataclass
class NaiveResult:
    customers: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    skipped: int = 0
    by_module: dict = field(default_factory=dict)


def naive_sync(sync_settings, store, limit: int | None = None, progress=lambda message: None) -> NaiveResult:
    """One pass over the store's customers (the first `limit` only, when given)."""
    crm = ZohoCRM(sync_settings.connection)
    mappings = mappings_by_module(sync_settings)
    lengths = {module: {name: spec.length for name, spec in field_specs(crm.fields(module)).items() if spec.length}
               for module in PERSON_MODULES}
    result = NaiveResult()
    for customer in get_source(store).customers(None):
        if limit is not None and result.customers >= limit:
            break
        result.customers += 1
        email = normalise_email(customer.email)
        person = merge([SimpleNamespace(data=snapshot_data(customer), updated_at=customer.updated_at, store_id=0)])
        module = route(person, sync_settings.sync_contacts, sync_settings.sync_leads)
        if not EMAIL_RE.match(email) or module is None:
            result.skipped += 1
            continue
        payload = build_payload(person, mappings.get(module, []), lengths[module], sync_settings.last_name_fallback)
        found = crm.search_by_email(module, email)
        if found:
            outcome = crm.update(module, [{**payload, "id": found[0]["id"]}])[0]
        else:
            outcome = crm.insert(module, [payload])[0]
        if not outcome.ok:
            result.failed += 1
        elif found:
            result.updated += 1
        else:
            result.created += 1
        result.by_module[module] = result.by_module.get(module, 0) + 1
        if result.customers % 1000 == 0:
            progress(f"naive: {result.customers} customers")
    return result

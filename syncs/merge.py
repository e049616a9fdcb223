"""One person per email across stores, and which Zoho module that person belongs in.

Merge rule (recorded so it stays deterministic, fault F24): order counts and money totals are summed over
every store; `has_purchased` and `newsletter` are true if true anywhere; `deleted` only if deleted in every
store; any other field comes from the most recently updated store that has a value for it. A store where the
person was deleted no longer speaks for them: while another store still has them, only the stores that do are
merged (so a customer deleted in one store but present in another is not deleted, and loses that store's orders).
"""

from datetime import datetime

from integrations.stores.sources.base import CUSTOM_PREFIX
from syncs.mapping import STORE_FIELD_KINDS, SUMMED_FIELDS, to_number
from syncs.models import CONTACTS, LEADS

FLAGS_ANY = ("has_purchased", "newsletter")
EXTRA_FIELDS = ("has_purchased", "registered_at", "last_order_date")


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _json_safe(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal and friends: exact as text, summed with Decimal later


def snapshot_data(customer) -> dict:
    """What a snapshot keeps of a store customer: every mappable field plus what routing needs."""
    data = {name: _json_safe(getattr(customer, name, None)) for name in STORE_FIELD_KINDS}
    data.update({name: _json_safe(getattr(customer, name, None)) for name in EXTRA_FIELDS})
    data["email"] = normalise_email(customer.email)
    # The store's own fields, by their mapping name (custom:<key>); merged like any other field.
    data.update({CUSTOM_PREFIX + key: _json_safe(value) for key, value in getattr(customer, "custom", ())})
    return data


def is_deleted(snapshot) -> bool:
    """Deleted in its store: the store said so (`data["deleted"]`), or an id scan found it gone (`.deleted`)."""
    return bool(snapshot.data.get("deleted")) or bool(getattr(snapshot, "deleted", False))


def merge(snapshots: list) -> dict:
    """The merged person from one email's snapshots (objects with `.data`, `.updated_at`, `.store_id`, and
    optionally `.deleted`)."""
    present = [s for s in snapshots if not is_deleted(s)]
    ordered = sorted(present or snapshots, key=lambda s: (s.updated_at is not None, s.updated_at, s.store_id),
                     reverse=True)
    person = {}
    for snapshot in ordered:  # newest first: the first non-empty value wins
        for name, value in snapshot.data.items():
            if person.get(name) in (None, "") and value not in (None, ""):
                person[name] = value
    for name in SUMMED_FIELDS:
        total = sum((to_number(s.data.get(name)) for s in ordered), start=to_number(0))
        person[name] = int(total) if name == "order_count" else total
    for name in FLAGS_ANY:
        person[name] = any(bool(s.data.get(name)) for s in ordered)
    person["deleted"] = not present
    person["has_purchased"] = person["has_purchased"] or person["order_count"] > 0
    person["email"] = ordered[0].data["email"]
    return person


def route(person: dict, sync_contacts: bool, sync_leads: bool) -> str | None:
    """Contacts for customers who purchased; Leads for the registered-only and newsletter subscribers."""
    if person["has_purchased"]:
        return CONTACTS if sync_contacts else None
    return LEADS if sync_leads else None

"""The Accounts planner: one Zoho Account per company the changed customers name, written before the people so
their Contacts (and the Deals and Sales Orders of their orders) link to it in the same run.

Off unless `SyncSettings.sync_accounts`. The Accounts mapping (customer fields → Account fields) builds the
payload (a customer without a company gets no Account, unless Sales Orders are synced: Zoho requires one, so
it is named after them); its match field is `Account_Name`, or the unique field chosen in `account_key_field`. The
Account's key in the record map is that field's value, trimmed and lower-cased, so two customers of one
company share one Account, and a run that stops midway rewrites nothing the next time (same change hash).
Leads keep their own `Company` field and never link.
"""

import hashlib
from collections import defaultdict

from syncs.merge import merge
from syncs.models import ACCOUNTS, CustomerSnapshot, SyncedRecord
from syncs.outcomes import Outcome
from syncs.planning import plan_record, walk_in_key_order
from syncs.selection import included_stores

Status = SyncedRecord.Status
ACCOUNT_NAME = "Account_Name"
LINKABLE = (Status.SYNCED, Status.FAILED, Status.PENDING)
KEY_LENGTH = SyncedRecord._meta.get_field("key").max_length
PLANNED = "planned"  # a Preview's stand-in id for an Account this run would create


def match_field(sync_settings) -> str:
    return sync_settings.account_key_field or ACCOUNT_NAME


def account_payload(fields, person: dict, sync_settings) -> dict:
    """The Accounts mapping applied to a person. Zoho requires an Account on a Sales Order: when those are synced
    and the customer has no company, the Account is named after them (full name, else email)."""
    payload = fields.mapped(person, ACCOUNTS)
    if (sync_settings.sync_sales_orders and not sync_settings.account_key_field
            and payload.get(ACCOUNT_NAME) in (None, "")):
        payload[ACCOUNT_NAME] = person.get("full_name") or " ".join(
            p for p in (person.get("firstname"), person.get("lastname")) if p) or person.get("email") or None
    return payload


def account_key(payload: dict, sync_settings) -> str:
    """The Account's key in the record map: its match value, normalised ("" when the customer has none)."""
    value = payload.get(match_field(sync_settings))
    key = " ".join(str(value).split()).lower() if value not in (None, "") else ""
    if len(key) > KEY_LENGTH:  # a long company name still gets a stable, distinct key that fits the record map
        key = f"{key[:KEY_LENGTH - 17]}#{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    return key


class AccountLinks:
    """Zoho ids of the Accounts people belong to, for the `Account_Name` lookup of Contacts, Deals and Sales
    Orders (two bulk reads per chunk of emails)."""

    def __init__(self, ctx, fields):
        self.ctx, self.fields = ctx, fields
        self.on = ctx.sync_settings.sync_accounts

    def key_of(self, person: dict) -> str:
        if not self.on:
            return ""
        return account_key(account_payload(self.fields, person, self.ctx.sync_settings), self.ctx.sync_settings)

    def ids_for_keys(self, keys) -> dict[str, str]:
        keys = {k for k in keys if k}
        if not keys:
            return {}
        ids = dict(SyncedRecord.objects.filter(
            settings=self.ctx.sync_settings, module=ACCOUNTS, key__in=keys, zoho_id__gt="", status__in=LINKABLE,
        ).values_list("key", "zoho_id"))
        if self.ctx.dry_run:  # a Preview writes no Account: the ones it would create count as there
            ids = {key: ids.get(key, PLANNED) for key in keys}
        return ids

    def ids_for_emails(self, emails) -> dict[str, str]:
        """email → its person's Account id, from their snapshots in every store."""
        if not self.on or not emails:
            return {}
        snapshots = defaultdict(list)
        stores = list(included_stores(self.ctx.sync_settings).values_list("id", flat=True))
        for snapshot in CustomerSnapshot.objects.filter(settings=self.ctx.sync_settings, email__in=set(emails),
                                                        store_id__in=stores).only(
                "email", "store_id", "data", "updated_at", "deleted"):
            snapshots[snapshot.email].append(snapshot)
        keys = {email: self.key_of(merge(found)) for email, found in snapshots.items()}
        ids = self.ids_for_keys(keys.values())
        return {email: ids[key] for email, key in keys.items() if key in ids}


class AccountPlanner:
    def __init__(self, ctx, fields, writer):
        self.ctx = ctx
        self.sync_settings = ctx.sync_settings
        self.fields = fields
        self.writer = writer
        self.store_ids = list(included_stores(self.sync_settings).values_list("id", flat=True))
        self.planned: set[str] = set()  # one Account per company per run

    def dirty(self):
        return CustomerSnapshot.objects.filter(settings=self.sync_settings, dirty=True, store_id__in=self.store_ids)

    def run(self) -> None:
        walk_in_key_order(self.dirty().values_list("email", flat=True).distinct(), "email", self.plan_chunk)
        self.writer.flush_all([ACCOUNTS])

    def plan_chunk(self, emails: list[str]) -> None:
        snapshots = defaultdict(list)
        for snapshot in CustomerSnapshot.objects.filter(
            settings=self.sync_settings, email__in=emails, store_id__in=self.store_ids
        ).only("email", "store_id", "data", "updated_at", "deleted"):
            snapshots[snapshot.email].append(snapshot)
        payloads = {}
        for email in emails:
            person = merge(snapshots[email])
            if person["deleted"]:
                continue
            payload = account_payload(self.fields, person, self.sync_settings)
            key = account_key(payload, self.sync_settings)
            if key and key not in self.planned:
                payloads[key] = payload
        self.planned |= set(payloads)
        records = {r.key: r for r in SyncedRecord.objects.filter(settings=self.sync_settings, module=ACCOUNTS,
                                                                 key__in=list(payloads))}
        self.ctx.run.progress_total += len(payloads)
        outcome = Outcome()
        done = sum(not self.plan_account(key, payload, records.get(key), outcome) for key, payload in payloads.items())
        self.writer.record(outcome)
        self.ctx.count_progress(done)

    def plan_account(self, key: str, payload: dict, record, outcome) -> bool:
        """True when queued for the writer (which counts its progress), False when decided now."""
        ctx = self.ctx
        if record and record.status == Status.DELETED_IN_ZOHO and not ctx.full:
            record.zoho_id = ""  # an Account deleted in Zoho is recreated: people still name the company
        return not plan_record(ctx, self.fields, self.writer, outcome, key, ACCOUNTS, payload, record)

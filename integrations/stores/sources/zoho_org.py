"""Another Zoho CRM org as a source (org A → org B, any data center), read through A's own connection.

Contacts or Leads (and, when the target syncs them, Deals as `orders()` and Accounts as `accounts()`) are read
with Get Records sorted by Modified_Time ascending, `If-Modified-Since` and `page_token` paging
(integrations.zoho.crm.ZohoCRM), so this source is sorted. Deletions come from the
deleted-records API (`deleted_ids(since)`), or by comparing `all_ids()`. The source id is A's record
id: the engine's per-record state maps it to B's record, so B's records are updated, never duplicated.
An org is never synced into itself (`same_org_error`). Which orgs are sync targets is the sync app's knowledge:
it registers the question at start-up (`register_sync_target_check`, from syncs' AppConfig.ready). A store reads
only a connection of its own owner (`foreign_connection_error`): an affiliate never reads the platform's or
another affiliate's org.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from integrations.stores.sources.base import (
    CheckResult,
    Customer,
    Order,
    Source,
    join_name,
    parse_datetime_utc,
    parse_record,
    text,
    to_decimal,
)
from integrations.stores.sources.errors import SourceError

MODULE_FIELDS = {
    "Contacts": {
        "company": "Account_Name", "address": "Mailing_Street", "city": "Mailing_City",
        "state": "Mailing_State", "zip": "Mailing_Zip", "country_name": "Mailing_Country",
    },
    "Leads": {
        "company": "Company", "address": "Street", "city": "City", "state": "State", "zip": "Zip_Code",
        "country_name": "Country",
    },
}
_is_sync_target: Callable[[str], bool] | None = None  # registered by syncs at start-up


def register_sync_target_check(is_sync_target: Callable[[str], bool]) -> None:
    """`is_sync_target(org_id)` says whether this app syncs into that Zoho org."""
    global _is_sync_target
    _is_sync_target = is_sync_target


DEAL_FIELDS = ["Deal_Name", "Stage", "Amount", "Closing_Date", "Contact_Name", "Account_Name", "Created_Time",
               "Modified_Time"]
WON_STAGE = "Closed Won"
# Zoho's standard Account fields, copied under the same API names into the target org.
ACCOUNT_FIELDS = ["Account_Name", "Phone", "Fax", "Website", "Account_Number", "Industry", "Employees",
                  "Billing_Street", "Billing_City", "Billing_State", "Billing_Code", "Billing_Country",
                  "Shipping_Street", "Shipping_City", "Shipping_State", "Shipping_Code", "Shipping_Country",
                  "Description", "Modified_Time"]


@dataclass(frozen=True, slots=True)
class SourceAccount:
    """An Account of the source org: its record id, when it last changed, its values by API name."""

    source_id: str
    updated_at: datetime
    values: dict
COMMON_FIELDS = ["Email", "First_Name", "Last_Name", "Salutation", "Phone", "Created_Time", "Modified_Time"]


def same_org_error(connection, target_connection=None) -> str:
    """Why reading `connection`'s org would sync an org into itself ("" when it would not)."""
    if not connection.org_id:
        return "This Zoho connection is not authorized yet: connect it first so its org is known."
    if target_connection is not None and target_connection.org_id == connection.org_id:
        return f"“{connection}” is the org this store would sync into: an org cannot be synced into itself."
    if _is_sync_target is not None and _is_sync_target(connection.org_id):
        return (f"The org of “{connection}” ({connection.org_id}) is a sync target of this app: an org "
                "cannot be synced into itself.")
    return ""


def foreign_connection_error(store, connection) -> str:
    """Why `store` may not read through `connection` ("" when it may): the connection must belong to the
    store's owner (a platform store, without owner, reads only platform connections)."""
    if connection.owner_id == store.owner_id:
        return ""
    return ("The chosen Zoho connection belongs to another account than this store: a store may read only its "
            "own owner's Zoho connections. Choose one of yours.")  # no name: it is someone else's


def ensure_not_same_org(store, target_connection) -> None:
    """For the engine: refuse (permanently) to sync a Zoho-org store into its own org."""
    if store.kind == "zoho" and store.zoho_connection_id and (
        store.zoho_connection.org_id == target_connection.org_id
    ):
        raise SourceError(same_org_error(store.zoho_connection, target_connection), permanent=True)


class ZohoOrgSource(Source):
    kind = "zoho"
    is_sorted = True  # Modified_Time ascending
    reports_deletions = True  # the deleted-records API (store-apis §3.3)
    has_orders = True  # the org's Deals, read when the target syncs Deals
    reads_accounts = True  # the org's Accounts, read when the target syncs Accounts

    def __init__(self, store, crm=None):
        super().__init__(store)
        self._crm = crm  # a ZohoCRM for the store's connection; built on first use when not given
        config = store.config or {}
        self.module = config.get("module") if config.get("module") in MODULE_FIELDS else "Contacts"
        self.newsletter_field = config.get("newsletter_field") or ""
        self.page_size = max(1, min(200, int(config.get("page_size") or 200)))

    @property
    def crm(self):
        """The ZohoCRM of the store's connection, once the store is allowed to read through it."""
        connection = self.store.zoho_connection
        if connection is None:
            raise SourceError("No Zoho connection is chosen for this store.", permanent=True)
        refusal = foreign_connection_error(self.store, connection)
        if refusal:
            raise SourceError(refusal, permanent=True)
        if self._crm is None:
            from integrations.zoho.crm import ZohoCRM

            self._crm = ZohoCRM(connection)
        return self._crm

    @property
    def fields(self) -> list[str]:
        extra = [self.newsletter_field] if self.newsletter_field else []
        return [*COMMON_FIELDS, *MODULE_FIELDS[self.module].values(), *extra]

    def _zoho(self, operation):
        """Runs a Zoho call, turning the Zoho error taxonomy into SourceError."""
        from integrations.zoho.errors import ConfigurationError, ReauthorizationRequired, ZohoError

        try:
            return operation()
        except ZohoError as exc:
            permanent = isinstance(exc, (ConfigurationError, ReauthorizationRequired))
            raise SourceError(f"{exc.message} {exc.hint}".strip(), permanent=permanent)

    def _stream(self, make_iterator):
        iterator = self._zoho(make_iterator)
        while True:
            try:
                item = self._zoho(lambda: next(iterator))
            except StopIteration:
                return
            yield item

    def check(self) -> CheckResult:
        def probe():
            org = self._zoho(self.crm.org)
            name = org.get("company_name") or self.store.zoho_connection
            return f"Connected to the Zoho CRM org {name} ({org.get('id', '?')}); reading {self.module}."

        return self.safe_check(probe)

    def customers(self, since: datetime | None = None) -> Iterator[Customer]:
        records = self._stream(lambda: self.crm.get_records(
            self.module, self.fields, modified_since=since, per_page=self.page_size))
        for record in records:
            customer = self.parse_or_skip(self._customer, record)
            if customer is not None and (since is None or customer.updated_at >= since):
                yield customer

    def all_ids(self) -> Iterator[str]:
        for record in self._stream(lambda: self.crm.get_records(
            self.module, ["Modified_Time"], per_page=self.page_size)):
            yield str(record["id"])

    def deleted_ids(self, since: datetime | None = None) -> Iterator[str]:
        """Ids of records deleted (recycle bin or permanently) since then; Zoho keeps them 60/120 days."""
        for record in self._stream(lambda: self.crm.deleted_records(self.module, since=since)):
            yield str(record["id"])

    def customer(self, source_id: str) -> Customer | None:
        record = self._zoho(lambda: self.crm.get_record(self.module, source_id))
        return parse_record(self.label, self._customer, record) if record else None

    def _customer(self, record: dict) -> Customer:
        names = MODULE_FIELDS[self.module]
        first, last = text(record.get("First_Name")), text(record.get("Last_Name"))
        company = record.get(names["company"])
        if isinstance(company, dict):  # Account_Name is a lookup: {"name": …, "id": …}
            company = company.get("name")
        newsletter = record.get(self.newsletter_field) if self.newsletter_field else False
        return Customer(
            source_id=str(record["id"]),
            email=text(record.get("Email")),
            updated_at=parse_datetime_utc(record.get("Modified_Time")) or parse_datetime_utc("1970-01-01"),
            company=text(company),
            full_name=join_name(first, last),
            firstname=first,
            lastname=last,
            salutation=text(record.get("Salutation")),
            address=text(record.get(names["address"])),
            city=text(record.get(names["city"])),
            state=text(record.get(names["state"])),
            zip=text(record.get(names["zip"])),
            country_name=text(record.get(names["country_name"])),
            phone_number=text(record.get("Phone")),
            store=self.store_name,
            store_url=self.store_url,
            newsletter=newsletter is True,
            # Contacts in the source org are customers (DecoNetwork routes purchasers to Contacts).
            has_purchased=self.module == "Contacts",
            registered_at=parse_datetime_utc(record.get("Created_Time")),
        )

    def orders(self, since: datetime | None = None) -> Iterator[Order]:
        """The org's Deals changed since then, read like its people (Modified_Time, `page_token`)."""
        records = self._stream(lambda: self.crm.get_records(
            "Deals", DEAL_FIELDS, modified_since=since, per_page=self.page_size))
        for record in records:
            order = self.parse_or_skip(self._deal, record)
            if order is not None and (since is None or order.date_modified >= since):
                yield order

    def _deal(self, record: dict) -> Order:
        """A Deal as an order: its own name, stage, amount and closing date; its buyer is its Contact, known by
        that Contact's record id here (the engine's key for people from an org), with its Account's name."""
        contact, account = record.get("Contact_Name") or {}, record.get("Account_Name") or {}
        modified = parse_datetime_utc(record.get("Modified_Time")) or parse_datetime_utc("1970-01-01")
        closing = parse_datetime_utc(record.get("Closing_Date"))
        stage = text(record.get("Stage"))
        return Order(
            store=self.store_name, source_id=str(record["id"]), number=str(record["id"]), status=stage,
            is_paid=stage == WON_STAGE, total=to_decimal(record.get("Amount") or 0), currency="",
            date_created=parse_datetime_utc(record.get("Created_Time")), date_modified=modified, date_paid=None,
            customer=Customer(source_id=text(contact.get("id")) if isinstance(contact, dict) else "", email="",
                              updated_at=modified,
                              company=text(account.get("name")) if isinstance(account, dict) else "",
                              full_name=text(contact.get("name")) if isinstance(contact, dict) else "",
                              store=self.store_name, store_url=self.store_url),
            name=text(record.get("Deal_Name")), stage=stage, closing_date=closing.date() if closing else None,
        )

    def accounts(self, since: datetime | None = None) -> Iterator[SourceAccount]:
        """The org's Accounts changed since then, read like its people (Modified_Time, `page_token`)."""
        records = self._stream(lambda: self.crm.get_records(
            "Accounts", ACCOUNT_FIELDS, modified_since=since, per_page=self.page_size))
        for record in records:
            account = self.parse_or_skip(self._account, record)
            if account is not None and (since is None or account.updated_at >= since):
                yield account

    def _account(self, record: dict) -> SourceAccount:
        values = {name: record.get(name) for name in ACCOUNT_FIELDS if name != "Modified_Time"}
        return SourceAccount(
            source_id=str(record["id"]),
            updated_at=parse_datetime_utc(record.get("Modified_Time")) or parse_datetime_utc("1970-01-01"),
            values={name: value for name, value in values.items() if value not in (None, "")},
        )

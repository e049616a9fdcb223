"""What every source yields and promises (Airbyte/Singer vocabulary, kept small).

A `Source` reads one store: `check()` is the "Test connection" button, `customers(since)` streams
`Customer`s page by page (a generator: the next page is requested only when the previous one is used
up). For deletion detection, `all_ids()` lists the id of every registered customer (guest buyers, who exist
only on orders, are not listed, and their ids start with `guest_id_prefix`), `exists(source_id)` confirms one,
and a source that keeps a list of its deletions (`reports_deletions`) gives it with `deleted_ids(since)`.
A store that takes orders (`has_orders`) streams the orders changed since a moment with `orders(since)`,
guest orders included.
A store with a catalogue (`sells_products`) streams it with `products()`; `custom_fields()` discovers the
store's own customer fields, whose values customers carry in `custom` (mapped as `custom:<key>`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from integrations.stores.kinds import KINDS
from integrations.stores.sources.errors import InvalidRecord, SourceError

# DecoNetwork's mappable customer fields, in the order of its guide.
MAPPABLE_FIELDS = (
    "company",
    "full_name",
    "firstname",
    "lastname",
    "salutation",
    "address",
    "city",
    "state",
    "zip",
    "country_name",
    "phone_number",
    "store",
    "store_url",
    "order_count",
    "balance",
    "total_order_value",
    "newsletter",
    "deleted",
)
# Also available for mapping and routing (Contacts vs Leads), beyond DecoNetwork's list.
EXTRA_FIELDS = ("email", "has_purchased", "registered_at", "updated_at", "last_order_date", "source_id")
# A mapping's name for a store's own customer field: "custom:" and the field's key in the store.
CUSTOM_PREFIX = "custom:"
# What a custom field holds, in the mapping's vocabulary (syncs.mapping: text, number, integer, boolean, date).
CUSTOM_KINDS = ("text", "number", "integer", "boolean", "date")


@dataclass(frozen=True, slots=True)
class Customer:
    """One customer in one shape for every source. Strings are "" when unknown, never None."""

    source_id: str
    email: str
    updated_at: datetime  # aware UTC: the later of the profile's and its orders' last change
    company: str = ""
    full_name: str = ""
    firstname: str = ""
    lastname: str = ""
    salutation: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country_name: str = ""
    phone_number: str = ""
    store: str = ""
    store_url: str = ""
    order_count: int = 0
    balance: Decimal = Decimal("0")
    total_order_value: Decimal = Decimal("0")
    newsletter: bool = False
    deleted: bool = False
    has_purchased: bool = False
    registered_at: datetime | None = None
    last_order_date: datetime | None = None
    #: The store's own fields (`CustomField.key`, value) that have a value, e.g. (("loyalty_tier", "Gold"),).
    custom: tuple[tuple[str, object], ...] = ()

    def field(self, name: str):
        """The value of a mappable (or extra) field by name, or of a custom one as `custom:<key>` (None when
        this customer has no value); KeyError for anything else."""
        if name.startswith(CUSTOM_PREFIX):
            return dict(self.custom).get(name[len(CUSTOM_PREFIX):])
        if name not in MAPPABLE_FIELDS and name not in EXTRA_FIELDS:
            raise KeyError(f"Unknown customer field {name!r}")
        return getattr(self, name)

    def replace(self, **changes) -> Customer:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order. `total` is what the line costs after discounts, before tax; `unit_price` the
    price of one before discounts (the list price), `discount` the line's discount amount, `tax` its tax
    amount; `product_id` the store's id of what was bought (a variation's own id in WooCommerce)."""

    name: str
    sku: str
    quantity: Decimal
    total: Decimal
    product_id: str = ""
    unit_price: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class CustomField:
    """A store's own customer field, discovered from the store (WooCommerce customer meta, Magento 2 custom
    attributes): `key` as the store names it, a `label` for people, the `kind` of value it holds."""

    key: str
    label: str
    kind: str = "text"

    @property
    def name(self) -> str:
        return CUSTOM_PREFIX + self.key


@dataclass(frozen=True, slots=True)
class Product:
    """A product the store sells, as Zoho's Products module wants it: the SKU is the key."""

    source_id: str
    sku: str
    name: str
    price: Decimal
    active: bool


@dataclass(frozen=True, slots=True)
class Order:
    """A store order, for the Deal the engine creates. `customer` carries the buyer's identity and
    contact fields from the order itself; its rollups (order_count, total_order_value, last_order_date)
    cover this order only — ask the source's `customer(source_id)` for the full history."""

    store: str
    source_id: str
    number: str
    status: str
    is_paid: bool
    total: Decimal
    currency: str
    date_created: datetime | None
    date_modified: datetime
    date_paid: datetime | None
    customer: Customer
    lines: tuple[OrderLine, ...] = ()
    # A Deal read from another Zoho org carries its own name, stage and closing date (a shop order has none:
    # the engine derives them from its number and status).
    name: str = ""
    stage: str = ""
    closing_date: date | None = None

    @property
    def line_summary(self) -> str:
        """e.g. "Product A (x1), Product B (x2)"."""
        return ", ".join(f"{line.name} (x{line.quantity.normalize():f})" for line in self.lines)


@dataclass
class CheckResult:
    ok: bool
    message: str


class Source(ABC):
    """A store to read customers from. Subclasses set `kind` (a key of the registry, kinds.py) and `is_sorted`."""

    kind: str = ""
    #: True when customers() yields in ascending updated_at order (a checkpoint may be saved mid-stream).
    is_sorted: bool = False
    #: True when the store lists its deleted customers (`deleted_ids`); else deletions are found with `all_ids`.
    reports_deletions: bool = False
    #: The start of the ids of customers who exist only on orders (never listed by `all_ids`); "" when none.
    guest_id_prefix: str = ""
    #: True when the store takes orders (`orders(since)`), which become Deals.
    has_orders: bool = False
    #: True when the long streams continue after their last page read to the end: `customers(since,
    #: resume=position)`, `orders(since, resume=position)` (when it `has_orders`) and `all_ids(resume=position)`;
    #: `position` (JSON) says where the stream being read stands. The reader may set `page_done(position)`:
    #: called after each page of the stream was read to the end, before the next is requested (it may raise to
    #: stop the stream there). Each stream reports its own positions; resume a stream only with one of its own.
    resumable: bool = False
    position: dict | None = None
    page_done = None
    reads_accounts: bool = False  # a Zoho org: its Accounts, with `accounts(since)`

    @property
    def label(self) -> str:
        """The kind's name for people ("WooCommerce"), from the registry."""
        return KINDS[self.kind].label

    def __init__(self, store):
        self.store = store
        #: Records skipped by `parse_or_skip` since the last `take_rejected()` (bounded by the page size).
        self.rejected: list[InvalidRecord] = []

    def parse_or_skip(self, parse, data, *args):
        """`parse(data, *args)`, or None when the record is malformed: it is kept in `rejected` for the
        engine to report, and the stream goes on."""
        try:
            return parse_record(self.label, parse, data, *args)
        except InvalidRecord as exc:
            self.rejected.append(exc)
            return None

    def take_rejected(self) -> list[InvalidRecord]:
        rejected, self.rejected = self.rejected, []
        return rejected

    @abstractmethod
    def check(self) -> CheckResult:
        """Credentials and reachability, as one readable sentence. Never raises."""

    @abstractmethod
    def customers(self, since: datetime | None = None) -> Iterator[Customer]:
        """Customers changed at or after `since` (everything when None), streamed page by page."""

    @abstractmethod
    def all_ids(self) -> Iterator[str]:
        """Every current registered customer's source_id, streamed (for deletion detection; may repeat an id).
        Guest buyers are not listed: they cannot be deleted, only their orders can."""

    @abstractmethod
    def customer(self, source_id: str) -> Customer | None:
        """One customer with full rollups, or None when it no longer exists."""

    def exists(self, source_id: str) -> bool:
        """Whether the store still has this customer (a single read; sources may make it cheaper)."""
        return self.customer(source_id) is not None

    def deleted_ids(self, since: datetime | None = None) -> Iterator[str]:
        """Ids deleted since then, for sources that `reports_deletions`."""
        raise NotImplementedError

    def orders(self, since: datetime | None = None) -> Iterator[Order]:
        """Orders changed at or after `since` (every order when None), guests' too, streamed page by page; a
        malformed one is skipped into `rejected`. Only for sources that `has_orders`."""
        raise NotImplementedError

    #: True when the store has a catalogue (`products()`), for Zoho's Products module.
    sells_products: bool = False

    def products(self) -> Iterator[Product]:
        """Every product that has a SKU (variations as products of their own), streamed page by page; a
        malformed one is skipped into `rejected`. Only for sources that `sells_products`."""
        raise NotImplementedError

    def custom_fields(self) -> list[CustomField]:
        """The store's own customer fields, for the mapping editor (a few reads); none by default."""
        return []

    # Helpers shared by the sources.

    @property
    def store_name(self) -> str:
        return self.store.name

    @property
    def store_url(self) -> str:
        return (self.store.base_url or "").rstrip("/")

    def safe_check(self, probe) -> CheckResult:
        try:
            return CheckResult(True, probe())
        except SourceError as exc:
            return CheckResult(False, exc.message)
        except Exception as exc:  # noqa: BLE001 — check() never raises; say what broke
            return CheckResult(False, f"Unexpected error: {type(exc).__name__}: {exc}")


PARSE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


def record_id(data) -> str:
    """The id of a raw store record, for messages ("" when there is none)."""
    value = data.get("id", data.get("entity_id", "")) if isinstance(data, dict) else data
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)[:64]
    return ""


def parse_record(label: str, parse, data, *args):
    """`parse(data, *args)`; anything the store sent that the parser cannot read becomes one InvalidRecord
    with a clear message, never a crash of the whole read."""
    try:
        return parse(data, *args)
    except InvalidRecord:
        raise
    except PARSE_ERRORS as exc:
        source_id = record_id(data)
        name = f" {source_id!r}" if source_id else " without an id"
        detail = str(exc)[:120]
        raise InvalidRecord(
            f"The {label} record{name} is malformed and was skipped ({type(exc).__name__}: {detail}). "
            "Fix the record in the store; it is read again when it changes.",
            source_id=source_id,
        )


MAX_STEP_BACKS = 20  # a store deleting faster than we read gets read with (harmless) repeats, not forever


def shift_back(page: int, total: int | None, now_total: int | None, page_size: int, step_backs: int):
    """Offset paging over a list that shrank while it was read: (page to read, total, whether to re-read).

    When the list's total went down by d since the previous page, up to d items moved from this page onto
    pages already read; re-reading from ceil(d / page_size) pages back covers them."""
    if total is None or now_total is None or now_total >= total or page == 1 or step_backs >= MAX_STEP_BACKS:
        return page, now_total if now_total is not None else total, False
    back = -(-(total - now_total) // page_size)
    return max(1, page - back), now_total, True


def parse_datetime_utc(value) -> datetime | None:
    """An ISO-8601 or "YYYY-MM-DD HH:MM:SS" string as an aware UTC datetime (naive values are UTC)."""
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except (ValueError, OverflowError):
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. year 1 with a negative offset, year 9999 with a positive one
        return None


def to_decimal(value) -> Decimal:
    """A finite Decimal; anything else (None, "", "NaN", "Infinity", garbage) is 0."""
    if isinstance(value, bool) or value in (None, ""):
        return Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return Decimal("0")
    return number if number.is_finite() else Decimal("0")


def text(value) -> str:
    """A stripped string; "" for None."""
    return "" if value is None else str(value).strip()


def join_name(*parts) -> str:
    return " ".join(p for p in (text(x) for x in parts) if p)

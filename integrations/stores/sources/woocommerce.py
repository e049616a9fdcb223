"""WooCommerce REST v3 (`/wp-json/wc/v3/…`), keys sent as HTTP Basic over HTTPS (or in the query string
for hosts that strip the Authorization header).

Facts this source is built on (docs/store-apis.md §2): pages of at most 100 with `X-WP-TotalPages`;
`/customers` has no "modified since" filter, so it is scanned in full and compared on
`date_modified_gmt`; orders are read incrementally with `modified_after` + `dates_are_gmt=true`;
guest buyers exist only on orders (`customer_id: 0`) and become customers keyed by lower-cased
billing email; v3 dropped `orders_count`/`total_spent`, so rollups are computed from paid orders.

Streaming without remembering customers: a customer met several times (on several order pages) is
yielded only where its "canonical" order is met — its latest order within the window — which is known
after reading that one customer's orders, not by keeping a set of everyone seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from integrations.stores.sources import custom_fields
from integrations.stores.sources.base import (
    CheckResult,
    Customer,
    CustomField,
    Order,
    OrderLine,
    Product,
    Source,
    join_name,
    parse_datetime_utc,
    parse_record,
    shift_back,
    text,
    to_decimal,
)
from integrations.stores.sources.countries import country_name
from integrations.stores.sources.errors import InvalidRecord, SourceError, json_object, unexplained_http_error
from integrations.stores.sources.http import StoreHTTP

API = "/wp-json/wc/v3"
PAGE_SIZE = 100  # WordPress refuses per_page > 100 with 400 rest_invalid_param
PAID_STATUSES = ("processing", "completed")
ROLLUP_FIELDS = "id,number,status,customer_id,billing,total,currency,date_created_gmt,date_modified_gmt,date_paid_gmt"
DEFAULT_NEWSLETTER_META_KEY = "newsletter_subscribed"
TRUTHY = {"1", "yes", "true", "on", "subscribed", "y"}
GUEST_PREFIX = "guest:"


@dataclass(frozen=True, slots=True)
class Rollup:
    order_count: int = 0
    total_order_value: Decimal = Decimal("0")
    last_order_date: datetime | None = None
    last_change: datetime | None = None  # latest date_modified over all the customer's orders


class WooCommerceSource(Source):
    kind = "woocommerce"
    is_sorted = False  # registered customers come in id order, then buyers in order-modified order
    guest_id_prefix = GUEST_PREFIX
    has_orders = True
    resumable = True  # position: {"stream": "registered" | "buyers" | "orders" | "ids", "page": the next page}
    sells_products = True

    def __init__(self, store):
        super().__init__(store)
        credentials = store.get_credentials()
        self.consumer_key = credentials.get("consumer_key", "")
        self.consumer_secret = credentials.get("consumer_secret", "")
        config = store.config or {}
        self.keys_in_query = bool(config.get("auth_in_query"))
        self.newsletter_meta_key = config.get("newsletter_meta_key") or DEFAULT_NEWSLETTER_META_KEY
        self.customer_role = config.get("customer_role") or "all"
        self.page_size = max(1, min(PAGE_SIZE, int(config.get("page_size") or PAGE_SIZE)))
        self._http = None

    # HTTP

    @property
    def http(self) -> StoreHTTP:
        if self._http is None:
            if not self.consumer_key or not self.consumer_secret:
                raise SourceError("The WooCommerce consumer key and secret are not set.", permanent=True)
            auth = None if self.keys_in_query else (self.consumer_key, self.consumer_secret)
            self._http = StoreHTTP(self.store.base_url, auth=auth)
        return self._http

    def _get(self, path: str, params: dict | None = None):
        params = dict(params or {})
        if self.keys_in_query:
            params.update(consumer_key=self.consumer_key, consumer_secret=self.consumer_secret)
        response = self.http.get(API + path, params=params)
        if response.status_code >= 400:
            raise woocommerce_error(response, API + path)
        try:
            return response.json(), response
        except ValueError:
            raise SourceError(
                f"The store answered {API + path} with something that is not JSON (HTTP {response.status_code}, "
                f"{response.headers.get('Content-Type', 'no content type')}): is the URL the WordPress site's address?",
                permanent=True,
            )

    def _pages(self, path: str, params: dict, start: int = 1, stream: str = "") -> Iterator[list[dict]]:
        """Each page's items, requesting the next page only when asked for it.

        Pages are offsets: when items were deleted while we read (X-WP-Total shrank), later items moved
        onto pages already read, so we step back as many pages as needed and read them again (an item met
        twice is harmless; one skipped would be lost)."""
        page, total, step_backs = start, None, 0
        while True:
            items, response = self._get(path, {**params, "per_page": self.page_size, "page": page})
            if not isinstance(items, list):
                raise SourceError(f"WooCommerce returned an unexpected body for {API + path} (not a list).")
            now_total = _int(response.headers.get("X-WP-Total"))
            page, total, stepped = shift_back(page, total, now_total, self.page_size, step_backs)
            if stepped:
                step_backs += 1
                continue
            if items:
                yield items
                if stream:  # the page was read to the end: a resumed stream starts after it
                    self.position = {"stream": stream, "page": page + 1}
                    if self.page_done:
                        self.page_done(self.position)
            total_pages = _int(response.headers.get("X-WP-TotalPages"))
            if not items or total_pages is None or page >= total_pages:
                return
            page += 1

    # Source

    def check(self) -> CheckResult:
        def probe():
            _, customers = self._get("/customers", {"per_page": 1, "role": self.customer_role, "_fields": "id"})
            _, orders = self._get("/orders", {"per_page": 1, "_fields": "id"})
            return (
                f"Connected to WooCommerce at {self.store_url}: {customers.headers.get('X-WP-Total', '?')} customers, "
                f"{orders.headers.get('X-WP-Total', '?')} orders readable."
            )

        return self.safe_check(probe)

    def customers(self, since: datetime | None = None, resume: dict | None = None) -> Iterator[Customer]:
        resume = resume or {"stream": "registered", "page": 1}
        start = resume.get("page", 1)
        if resume.get("stream") == "registered":
            yield from self._registered_customers(since, start)
            start = 1
            self.position = {"stream": "buyers", "page": 1}
        if since is None:
            yield from self._buyers(since, {"customer": 0, "orderby": "id", "order": "asc"}, start)
        else:
            yield from self._buyers(since, {**_modified_since(since), "orderby": "modified", "order": "asc"}, start)

    def all_ids(self, resume: dict | None = None) -> Iterator[str]:
        """Registered customers only (/customers, ids alone): guests never appear there (store-apis §2.4)."""
        for page in self._pages("/customers", {"role": self.customer_role, "orderby": "id", "order": "asc",
                                               "_fields": "id"}, (resume or {}).get("page", 1), stream="ids"):
            for item in page:
                if isinstance(item, dict) and item.get("id") is not None:
                    yield str(item["id"])

    def exists(self, source_id: str) -> bool:
        if source_id.startswith(GUEST_PREFIX):
            return self.customer(source_id) is not None
        return self._customer_json(int(source_id)) is not None

    def customer(self, source_id: str) -> Customer | None:
        if source_id.startswith(GUEST_PREFIX):
            email = source_id[len(GUEST_PREFIX):]
            orders = list(self._guest_orders(email))
            if not orders:
                return None
            latest = max(orders, key=_order_sort_key)
            return self._guest_customer(latest, _rollup(orders))
        data = self._customer_json(int(source_id))
        if data is None:
            return None
        return parse_record(self.label, lambda d: self._registered_customer(d, self._rollup_for(d)), data)

    def orders(self, since: datetime | None = None, resume: dict | None = None) -> Iterator[Order]:
        # By id, which never changes: sorted by modification, an order changed while we read would jump to the
        # end and shift the others back onto a page already read (and be skipped).
        params = {"orderby": "id", "order": "asc"}
        if since is not None:
            params.update(_modified_since(since))
        for page in self._pages("/orders", params, (resume or {}).get("page", 1), stream="orders"):
            for data in page:
                if not isinstance(data, dict) or since is None or _modified(data) >= since:
                    order = self.parse_or_skip(self.order_from_json, data)
                    if order is not None:
                        yield order

    # Catalogue and custom fields

    def products(self) -> Iterator[Product]:
        """/products by id; a variable product's variations (/products/<id>/variations) are the products
        sold, each with its own SKU and price, active while both it and its parent are published."""
        for page in self._pages("/products", {"orderby": "id", "order": "asc"}):
            for data in page:
                if isinstance(data, dict) and data.get("type") == "variable" and _is_id(data.get("id")):
                    yield from self._variations(data)
                    continue
                product = self.parse_or_skip(_product, data)
                if product is not None:
                    yield product

    def _variations(self, parent: dict) -> Iterator[Product]:
        for page in self._pages(f"/products/{int(parent['id'])}/variations", {"orderby": "id", "order": "asc"}):
            for data in page:
                product = self.parse_or_skip(_variation, data, parent)
                if product is not None:
                    yield product

    def custom_fields(self) -> list[CustomField]:
        """Public meta keys of the newest page of customers (one read)."""
        items, _ = self._get("/customers", {"per_page": self.page_size, "role": self.customer_role,
                                            "orderby": "id", "order": "desc", "_fields": "id,meta_data"})
        if not isinstance(items, list):
            raise SourceError(f"WooCommerce returned an unexpected body for {API}/customers (not a list).")
        return custom_fields.woo_fields(items, skip=(self.newsletter_meta_key,))

    # Registered customers

    def _registered_customers(self, since, start: int = 1):
        params = {"role": self.customer_role, "orderby": "id", "order": "asc"}
        for page in self._pages("/customers", params, start, stream="registered"):
            for data in page:
                customer = self.parse_or_skip(self._registered_if_changed, data, since)
                if customer is not None:
                    yield customer

    def _registered_if_changed(self, data: dict, since) -> Customer | None:
        if since is not None and _profile_changed_at(data) < since:
            return None
        return self._registered_customer(data, self._rollup_for(data))

    def _rollup_for(self, customer_json: dict) -> Rollup:
        if not customer_json.get("is_paying_customer"):
            return Rollup()  # WooCommerce sets this flag on the first paid order: no orders to read
        return _rollup(self._customer_orders(customer_json["id"]))

    def _customer_orders(self, customer_id: int) -> Iterator[dict]:
        for page in self._pages("/orders", {"customer": customer_id, "status": "any", "orderby": "id",
                                            "order": "asc", "_fields": ROLLUP_FIELDS}):
            yield from page

    def _guest_orders(self, email: str) -> Iterator[dict]:
        for page in self._pages("/orders", {"customer": 0, "search": email, "status": "any", "orderby": "id",
                                            "order": "asc", "_fields": ROLLUP_FIELDS}):
            yield from (order for order in page if not order.get("customer_id") and _email_key(order) == email)

    def _customer_json(self, customer_id: int) -> dict | None:
        try:
            data, _ = self._get(f"/customers/{customer_id}")
        except SourceError as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise
        return data

    # Buyers found through orders (guests always; registered ones whose orders changed)

    def _buyers(self, since, params, start: int = 1):
        for page in self._pages("/orders", {**params, "status": "any"}, start, stream="buyers"):
            by_buyer: dict[str, list[dict]] = {}  # per page only: bounded by the page size
            for order in page:
                key = _buyer_key(order) if isinstance(order, dict) else None
                if key is not None:
                    by_buyer.setdefault(key, []).append(order)
            for key, page_orders in by_buyer.items():
                customer = self.parse_or_skip(self._buyer_if_canonical, key, page_orders, since)
                if customer is not None:
                    yield customer

    def _buyer_if_canonical(self, key: str, page_orders: list[dict], since) -> Customer | None:
        """The buyer, if its latest order in the window is on this page (else it is yielded elsewhere)."""
        profile = None
        if key.startswith(GUEST_PREFIX):
            history = list(self._guest_orders(key[len(GUEST_PREFIX):]))
        else:
            profile = self._customer_json(int(key))
            if profile is None:
                return None  # the account was deleted; its orders stay, the customer is gone
            if not profile.get("is_paying_customer"):
                return None  # never paid: no rollup to update; the profile scan covers the account
            if since is not None and _profile_changed_at(profile) >= since:
                return None  # already yielded by the registered-customers scan
            history = list(self._customer_orders(int(key)))
        window = [o for o in history if since is None or _modified(o) >= since]
        if not window:
            return None
        canonical = max(window, key=_order_sort_key)
        if canonical["id"] not in {o["id"] for o in page_orders}:
            return None
        rollup = _rollup(history or page_orders)
        if profile is None:
            return self._guest_customer(canonical, rollup)
        return self._registered_customer(profile, rollup)

    # JSON → Customer / Order

    def _registered_customer(self, data: dict, rollup: Rollup) -> Customer:
        billing = data.get("billing") or {}
        first = text(data.get("first_name")) or text(billing.get("first_name"))
        last = text(data.get("last_name")) or text(billing.get("last_name"))
        profile_changed = _profile_changed_at(data)
        return self._with_rollup(
            Customer(
                source_id=str(data["id"]),
                email=text(data.get("email")) or text(billing.get("email")),
                updated_at=max(filter(None, [profile_changed, rollup.last_change])),
                firstname=first,
                lastname=last,
                full_name=join_name(first, last),
                registered_at=parse_datetime_utc(data.get("date_created_gmt")),
                newsletter=_meta_truthy(data.get("meta_data"), self.newsletter_meta_key),
                custom=custom_fields.woo_values(data.get("meta_data"), skip=(self.newsletter_meta_key,)),
                **self._address(billing),
            ),
            rollup,
        )

    def _guest_customer(self, order: dict, rollup: Rollup) -> Customer:
        billing = order.get("billing") or {}
        first, last = text(billing.get("first_name")), text(billing.get("last_name"))
        return self._with_rollup(
            Customer(
                source_id=GUEST_PREFIX + _email_key(order),
                email=text(billing.get("email")),
                updated_at=rollup.last_change or _modified(order),
                firstname=first,
                lastname=last,
                full_name=join_name(first, last),
                newsletter=_meta_truthy(order.get("meta_data"), self.newsletter_meta_key),
                **self._address(billing),
            ),
            rollup,
        )

    def _address(self, billing: dict) -> dict:
        return {
            "company": text(billing.get("company")),
            "address": ", ".join(p for p in (text(billing.get("address_1")), text(billing.get("address_2"))) if p),
            "city": text(billing.get("city")),
            "state": text(billing.get("state")),
            "zip": text(billing.get("postcode")),
            "country_name": country_name(billing.get("country")),
            "phone_number": text(billing.get("phone")),
            "store": self.store_name,
            "store_url": self.store_url,
        }

    @staticmethod
    def _with_rollup(customer: Customer, rollup: Rollup) -> Customer:
        return customer.replace(
            order_count=rollup.order_count,
            total_order_value=rollup.total_order_value,
            last_order_date=rollup.last_order_date,
            has_purchased=rollup.order_count > 0,
        )

    def order_from_json(self, data: dict) -> Order:
        """An order as WooCommerce sends it (REST list item or webhook body)."""
        if not isinstance(data, dict) or "id" not in data:
            raise InvalidRecord("The order body has no id: not a WooCommerce order.")
        return parse_record(self.label, self._order_from_json, data)

    def _order_from_json(self, data: dict) -> Order:
        customer_id = data.get("customer_id") or 0
        paid = _is_paid(data)
        billing = data.get("billing") or {}
        first, last = text(billing.get("first_name")), text(billing.get("last_name"))
        modified = _modified(data)
        total = to_decimal(data.get("total"))
        customer = Customer(
            source_id=str(customer_id) if customer_id else GUEST_PREFIX + _email_key(data),
            email=text(billing.get("email")),
            updated_at=modified,
            firstname=first,
            lastname=last,
            full_name=join_name(first, last),
            newsletter=_meta_truthy(data.get("meta_data"), self.newsletter_meta_key),
            order_count=1 if paid else 0,
            total_order_value=total if paid else Decimal("0"),
            last_order_date=_created(data) if paid else None,
            has_purchased=paid,
            **self._address(billing),
        )
        lines = tuple(order_line(line) for line in data.get("line_items") or [])
        return Order(
            store=self.store_name,
            source_id=str(data["id"]),
            number=text(data.get("number")) or str(data["id"]),
            status=text(data.get("status")),
            is_paid=paid,
            total=total,
            currency=text(data.get("currency")),
            date_created=_created(data),
            date_modified=modified,
            date_paid=parse_datetime_utc(data.get("date_paid_gmt")),
            customer=customer,
            lines=lines,
        )

    def customer_from_json(self, data: dict) -> Customer:
        """A customer as WooCommerce sends it (webhook body); rollups are not read (they need HTTP)."""
        if not isinstance(data, dict) or "id" not in data:
            raise InvalidRecord("The customer body has no id: not a WooCommerce customer.")
        return parse_record(self.label, self._registered_customer, data, Rollup())


# Webhook events (parsers for the sync engine)


def order_from_event(event) -> Order:
    """The Order in a stored `order.*` WebhookEvent."""
    return WooCommerceSource(event.store).order_from_json(_event_json(event))


def customer_from_event(event) -> Customer:
    """The Customer in a stored `customer.*` WebhookEvent (without rollups: use source.customer(id))."""
    return WooCommerceSource(event.store).customer_from_json(_event_json(event))


def _event_json(event) -> dict:
    try:
        return json.loads(event.body)
    except (ValueError, RecursionError):
        raise InvalidRecord("The stored webhook body is not JSON.")


# Errors


def woocommerce_error(response, path: str) -> SourceError:
    """WooCommerce's `{"code","message","data":{"status"}}` as one readable, actionable sentence."""
    status = response.status_code
    body = json_object(response)
    if body is None or "code" not in body:
        return unexplained_http_error(
            status, path, f"No WordPress REST API at {path} (HTTP 404, not a WordPress answer): check the store URL "
            "(the WordPress site address) and that pretty permalinks are on.")
    code, message = text(body.get("code")), text(body.get("message"))
    if code == "rest_no_route":
        readable = (
            f"The WooCommerce REST route {path} was not found (404 rest_no_route): check the store URL, that "
            "WooCommerce 3.5+ is active, and that WordPress permalinks are not 'Plain'."
        )
    elif status == 401 and "missing" in message.lower():
        readable = (
            f"WooCommerce says: {message} ({code}, HTTP 401). The host probably strips the Authorization header: "
            "tick 'Send keys in the query string'."
        )
    elif status == 401 and code == "woocommerce_rest_authentication_error":
        readable = (
            f"WooCommerce rejected the API keys: {message} ({code}, HTTP 401). Check the consumer key and "
            "secret (WooCommerce → Settings → Advanced → REST API)."
        )
    elif status in (401, 403):
        readable = (
            f"WooCommerce refused access: {message} ({code}, HTTP {status}). The key needs Read permission and "
            "a user who can manage WooCommerce; if the key is right, the host may strip the Authorization "
            "header: tick 'Send keys in the query string'."
        )
    else:
        readable = f"WooCommerce error on {path}: {message} ({code}, HTTP {status})."
    error = SourceError(readable, permanent=status in (400, 401, 403, 404))
    error.status = status
    return error


# Catalogue and order lines


def _is_id(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit()


def _product(data: dict) -> Product | None:
    """A simple (or grouped, external…) product; None without a SKU (Zoho's Products are keyed by it)."""
    sku = text(data.get("sku"))
    if not sku:
        return None
    return Product(source_id=str(data["id"]), sku=sku, name=text(data.get("name")) or sku,
                   price=to_decimal(data.get("regular_price") or data.get("price")),
                   active=data.get("status") == "publish")


def _variation(data: dict, parent: dict) -> Product | None:
    """A variation: its own SKU (else the parent's does not name it: skipped), its name (older WooCommerce
    versions send none: the parent's name and the variation's options, as WooCommerce titles it)."""
    sku = text(data.get("sku"))
    if not sku:
        return None
    options = ", ".join(text(a.get("option")) for a in data.get("attributes") or []
                        if isinstance(a, dict) and text(a.get("option")))
    name = text(data.get("name")) or " - ".join(p for p in (text(parent.get("name")), options) if p) or sku
    return Product(source_id=str(data["id"]), sku=sku, name=name,
                   price=to_decimal(data.get("regular_price") or data.get("price")),
                   active=data.get("status") == "publish" and parent.get("status") == "publish")


def order_line(line: dict) -> OrderLine:
    """`subtotal` is before discounts and `total` after, both without tax; `total_tax` the line's tax."""
    quantity = to_decimal(line.get("quantity"))
    subtotal, total = to_decimal(line.get("subtotal")), to_decimal(line.get("total"))
    return OrderLine(
        name=text(line.get("name")),
        sku=text(line.get("sku")),
        quantity=quantity,
        total=total,
        product_id=text(line.get("variation_id") or line.get("product_id") or ""),
        unit_price=(subtotal / quantity).quantize(Decimal("0.0001")).normalize() if quantity else subtotal,
        discount=max(subtotal - total, Decimal("0")),
        tax=to_decimal(line.get("total_tax")),
    )


# Small helpers


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _modified_since(since: datetime) -> dict:
    """WooCommerce's `modified_after` is exclusive and whole-second: ask from a second earlier and filter
    inclusively here. `dates_are_gmt` makes it compare GMT, not the site's local time."""
    start = since.astimezone(UTC).replace(microsecond=0) - timedelta(seconds=1)
    return {"modified_after": start.strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true"}


def _email_key(order: dict) -> str:
    return text((order.get("billing") or {}).get("email")).lower()


def _buyer_key(order: dict) -> str | None:
    if order.get("customer_id"):
        return str(order["customer_id"])
    email = _email_key(order)
    return GUEST_PREFIX + email if email else None


def _created(data: dict):
    return parse_datetime_utc(data.get("date_created_gmt"))


def _modified(data: dict) -> datetime:
    return parse_datetime_utc(data.get("date_modified_gmt")) or _created(data) or parse_datetime_utc("1970-01-01")


def _profile_changed_at(data: dict) -> datetime:
    return _modified(data)


def _order_sort_key(order: dict):
    return (_modified(order), order["id"])


def _is_paid(order: dict) -> bool:
    return text(order.get("status")) in PAID_STATUSES


def _rollup(orders) -> Rollup:
    count, total, last_order, last_change = 0, Decimal("0"), None, None
    for order in orders:
        modified = _modified(order)
        last_change = modified if last_change is None else max(last_change, modified)
        if _is_paid(order):
            count += 1
            total += to_decimal(order.get("total"))
            created = _created(order)
            if created and (last_order is None or created > last_order):
                last_order = created
    return Rollup(count, total, last_order, last_change)


def _meta_truthy(meta, key: str) -> bool:
    for item in meta or []:
        if isinstance(item, dict) and item.get("key") == key:
            value = item.get("value")
            return value is True or text(value).lower() in TRUTHY
    return False

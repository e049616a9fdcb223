"""Magento 2 / Adobe Commerce REST (`/rest/V1/…`) with an Integration's OAuth 1.0a credentials.

Facts this source is built on (docs/store-apis.md §1): `customers/search` takes `searchCriteria`
filters on `updated_at` (gteq) with sort orders; always send `pageSize` and stop on `total_count`
(old versions repeat the last page past the end); orders via `/V1/orders` with `fields=` for rollups
(no aggregate endpoint); `extension_attributes.is_subscribed` is the newsletter flag; deleted
customers simply vanish (compare `all_ids()`); the same email may exist once per website, so a store
can be limited to one website and every customer says which website it belongs to.

Admin tokens are blocked by 2FA on 2.4 and expire after 4 hours: an unattended sync uses an
Integration. Every request is signed with OAuth 1.0a (HMAC-SHA256, `requests-oauthlib`) with the integration's
consumer key/secret and access token/secret, as Adobe recommends; the signature covers the query string
(`searchCriteria[...]`). Since 2.4.4 the access token alone is refused as a Bearer token unless the merchant turns
on "Allow OAuth Access Tokens to be used as standalone Bearer tokens"; the Bearer mode (`config["auth"] ==
"bearer"`) is kept for stores set up that way.

The long streams (customers, orders, every id) are read by id with keyset paging: always the first page of the
items whose `entity_id` is above the last one read (`gt`), sorted by `entity_id`. Ids never change, so neither a
change nor a deletion while we read shifts an item onto a page already read, and the stream can resume after
any page read to the end: `position` is {"stream": …, "after_id": the last id of that page}, with "end": true
after the stream's last page (a resumed stream then asks for nothing more).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from requests_oauthlib import OAuth1

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

PAGE_SIZE = 100  # ≤ 300, the cap when Magento's web API input limits are on
COUNTED_STATES = ("processing", "complete")
ORDER_FIELDS = (
    "items[entity_id,customer_id,state,status,base_grand_total,total_refunded,created_at,updated_at],total_count"
)
OAUTH_HELP = (
    "In Magento: System → Extensions → Integrations → (your integration, with access to Customers and Sales → "
    "Operations → Orders) → Activate, then copy its Consumer Key, Consumer Secret, Access Token and Access Token "
    "Secret. Admin tokens are blocked by two-factor authentication."
)
BEARER_HELP = (
    "Since Magento 2.4.4 the access token alone is accepted as a Bearer token only when 'Allow OAuth Access Tokens "
    "to be used as standalone Bearer tokens' is Yes (Stores → Configuration → Services → OAuth → Consumer "
    "Settings), which Adobe advises against: prefer OAuth 1.0a signing with all four integration keys."
)
OAUTH_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


def auth_mode(config: dict, credentials: dict) -> str:
    """"oauth1" (the default) or "bearer" (chosen explicitly, or a store saved before OAuth 1.0a signing)."""
    mode = (config or {}).get("auth")
    if mode in ("oauth1", "bearer"):
        return mode
    return "bearer" if credentials.get("access_token") and not credentials.get("consumer_key") else "oauth1"


@dataclass(frozen=True, slots=True)
class Rollup:
    order_count: int = 0
    total_order_value: Decimal = Decimal("0")
    last_order_date: datetime | None = None
    last_change: datetime | None = None


def search_params(filters=(), sort=(), page_size=None, page=None, fields=None) -> dict:
    """searchCriteria query parameters: `filters` is a list of AND-ed groups, each [(field, value, condition)]
    OR-ed inside; `sort` is [(field, "ASC"|"DESC")]."""
    params = {}
    for g, group in enumerate(filters):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = value
            params[f"{prefix}[condition_type]"] = condition
    for i, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{i}][field]"] = field
        params[f"searchCriteria[sortOrders][{i}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = page_size
        params["searchCriteria[currentPage]"] = page or 1
    if fields:
        params["fields"] = fields
    return params


def magento_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class MagentoSource(Source):
    kind = "magento"
    is_sorted = False  # profiles come by id, then customers whose orders changed (by order id)
    has_orders = True
    resumable = True  # position: {"stream": "profiles" | "changed_orders" | "orders" | "ids", "after_id": n, "end"?}
    sells_products = True

    def __init__(self, store):
        super().__init__(store)
        self.credentials = store.get_credentials()
        config = store.config or {}
        self.auth = auth_mode(config, self.credentials)
        self.website_id = config.get("website_id") or None
        self.page_size = max(1, min(PAGE_SIZE, int(config.get("page_size") or PAGE_SIZE)))
        self._http = None
        self._websites = None
        self._attributes = None

    @property
    def help(self) -> str:
        return BEARER_HELP if self.auth == "bearer" else OAUTH_HELP

    @property
    def http(self) -> StoreHTTP:
        if self._http is None:
            if self.auth == "bearer":
                if not self.credentials.get("access_token"):
                    raise SourceError("The Magento access token is not set. " + BEARER_HELP, permanent=True)
                self._http = StoreHTTP(self.store.base_url,
                                       headers={"Authorization": f"Bearer {self.credentials['access_token']}"})
            else:
                missing = [name.replace("_", " ") for name in OAUTH_KEYS if not self.credentials.get(name)]
                if missing:
                    raise SourceError(f"Not set for this Magento store: {', '.join(missing)}. {OAUTH_HELP}",
                                      permanent=True)
                self._http = StoreHTTP(self.store.base_url, auth=OAuth1(
                    self.credentials["consumer_key"], self.credentials["consumer_secret"],
                    self.credentials["access_token"], self.credentials["access_token_secret"],
                    signature_method="HMAC-SHA256"))
        return self._http

    def _get(self, path: str, params: dict | None = None):
        response = self.http.get("/rest/V1" + path, params=params)
        if response.status_code >= 400:
            raise magento_error(response, "/rest/V1" + path, self.help)
        try:
            return response.json()
        except ValueError:
            raise SourceError(
                f"The store answered /rest/V1{path} with something that is not JSON (HTTP {response.status_code}): "
                "is the URL the Magento shop's address?",
                permanent=True,
            )

    def _search(self, path: str, filters, sort, fields=None) -> Iterator[list[dict]]:
        """Each page's items; stops on total_count (never on an empty or repeated page). When total_count
        shrank while we read (deletions), the pages already read are read again from where items moved."""
        page, total, step_backs = 1, None, 0
        while True:
            body = self._get(path, search_params(filters, sort, self.page_size, page, fields))
            if not isinstance(body, dict):
                raise SourceError(f"Magento returned an unexpected body for /rest/V1{path} (not an object).")
            items = body.get("items") or []
            now_total = _int(body.get("total_count")) or 0
            page, total, stepped = shift_back(page, total, now_total, self.page_size, step_backs)
            if stepped:
                step_backs += 1
                continue
            if items:
                yield items
            if not items or page * self.page_size >= total:
                return
            page += 1

    def _by_id(self, path: str, filters, stream: str, resume: dict | None = None, fields=None,
               id_key: str = "id") -> Iterator[list[dict]]:
        """Each page of the items whose entity_id is above `resume["after_id"]`, by id (keyset paging: each request
        is the first page of what is left). Once a page was read to the end, `position` says where the stream
        goes on (with "end" after its last page) and `page_done` (when set) is called, before the next request."""
        resume = resume or {}
        after_id = resume.get("after_id") or 0
        while not resume.get("end"):
            after = [[("entity_id", str(after_id), "gt")]] if after_id else []
            body = self._get(path, search_params([*filters, *after], [("entity_id", "ASC")], self.page_size, 1,
                                                 fields))
            if not isinstance(body, dict):
                raise SourceError(f"Magento returned an unexpected body for /rest/V1{path} (not an object).")
            items = body.get("items") or []
            if not items:
                return
            ids = [i for i in (_int(item.get(id_key)) for item in items if isinstance(item, dict)) if i is not None]
            if not ids:
                raise SourceError(f"Magento returned a page of /rest/V1{path} without any {id_key}: the stream "
                                  "cannot go on past it.")
            yield items
            after_id = max(after_id, *ids)
            total = _int(body.get("total_count"))
            resume = {"stream": stream, "after_id": after_id}
            if total is not None and total <= len(items):
                resume["end"] = True  # this was the last page: a resumed stream asks for nothing more
            self.position = resume
            if self.page_done:
                self.page_done(self.position)

    def _website_filter(self) -> list:
        return [[("website_id", str(self.website_id), "eq")]] if self.website_id else []

    # Source

    def check(self) -> CheckResult:
        def probe():
            customers = self._get("/customers/search", search_params(self._website_filter(), (), 1, 1,
                                                                     "total_count"))
            orders = self._get("/orders", search_params((), (), 1, 1, "total_count"))
            scope = f" on website {self.website_id}" if self.website_id else ""
            return (
                f"Connected to Magento at {self.store_url}: {customers.get('total_count', '?')} customers{scope}, "
                f"{orders.get('total_count', '?')} orders readable."
            )

        return self.safe_check(probe)

    def customers(self, since: datetime | None = None, resume: dict | None = None) -> Iterator[Customer]:
        """Registered customers changed since then (their profile or, incrementally, one of their orders).
        `resume` is a `position` an earlier read stopped at: it goes on after that page."""
        resume = resume or {"stream": "profiles"}
        if resume.get("stream") == "profiles":
            yield from self._profiles(since, resume)
            resume = self.position = {"stream": "changed_orders", "after_id": 0}
        if since is not None:
            yield from self._customers_with_changed_orders(since, resume)

    def _profiles(self, since, resume: dict):
        filters = self._website_filter()
        if since is not None:
            filters = [*filters, [("updated_at", magento_time(since), "gteq")]]
        # By id, which never changes: sorted by updated_at, a customer changed while we read would jump to the
        # end and shift everyone after it back onto a page already read (and be skipped).
        for page in self._by_id("/customers/search", filters, "profiles", resume):
            page = [c for c in page if not isinstance(c, dict) or _changed_since(c, since)]
            rollups = self._rollups([c["id"] for c in page if isinstance(c, dict) and _is_id(c.get("id"))])
            for data in page:
                customer = self.parse_or_skip(self._customer_with_rollups, data, rollups)
                if customer is not None:
                    yield customer

    def all_ids(self, resume: dict | None = None) -> Iterator[str]:
        for page in self._by_id("/customers/search", self._website_filter(), "ids", resume,
                                fields="items[id],total_count"):
            for item in page:
                if isinstance(item, dict) and _is_id(item.get("id")):
                    yield str(item["id"])

    def exists(self, source_id: str) -> bool:
        """GET /V1/customers/:id answers 404 for a deleted customer (store-apis §1.5)."""
        try:
            self._get(f"/customers/{int(source_id)}")
        except SourceError as exc:
            if getattr(exc, "status", None) == 404:
                return False
            raise
        return True

    def customer(self, source_id: str) -> Customer | None:
        try:
            data = self._get(f"/customers/{int(source_id)}")
        except SourceError as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise
        if not isinstance(data, dict) or not _is_id(data.get("id")):
            raise InvalidRecord(f"Magento sent a malformed customer for id {source_id}.", source_id=source_id)
        return parse_record(self.label, self._customer_with_rollups, data, self._rollups([data["id"]]))

    def orders(self, since: datetime | None = None, resume: dict | None = None) -> Iterator[Order]:
        """`/V1/orders` filtered on `updated_at` (gteq), by id (which never changes, so no order shifts onto a
        page already read); guest orders (no customer_id) included. `resume`: go on after that page."""
        filters = [[("updated_at", magento_time(since), "gteq")]] if since is not None else []
        filters += self._store_view_filter()
        for page in self._by_id("/orders", filters, "orders", resume, id_key="entity_id"):
            for data in page:
                if isinstance(data, dict) and not _changed_since(data, since):
                    continue
                order = self.parse_or_skip(self._order, data)
                if order is not None:
                    yield order

    def _store_view_filter(self) -> list:
        """A store limited to one website reads that website's orders only: those placed in its store views."""
        if not self.website_id:
            return []
        views = self._get("/store/storeViews")
        ids = [str(v["id"]) for v in views if isinstance(v, dict) and _is_id(v.get("id"))
               and str(v.get("website_id")) == str(self.website_id)]
        if not ids:
            raise SourceError(f"Magento has no store view on website {self.website_id}: check the store's website.",
                              permanent=True)
        return [[("store_id", ",".join(ids), "in")]]

    def _order(self, data: dict) -> Order:
        if not _is_id(data.get("entity_id")):
            raise InvalidRecord("The Magento order has no entity_id.")
        billing = data.get("billing_address") or {}
        first = text(data.get("customer_firstname")) or text(billing.get("firstname"))
        last = text(data.get("customer_lastname")) or text(billing.get("lastname"))
        modified = (parse_datetime_utc(data.get("updated_at")) or parse_datetime_utc(data.get("created_at"))
                    or parse_datetime_utc("1970-01-01"))
        paid = data.get("state") in COUNTED_STATES
        total = to_decimal(data.get("base_grand_total")) - to_decimal(data.get("total_refunded"))
        customer_id = data.get("customer_id")
        customer = Customer(
            source_id=str(customer_id) if _is_id(customer_id) else "",
            email=text(data.get("customer_email")) or text(billing.get("email")),
            updated_at=modified,
            firstname=first,
            lastname=last,
            full_name=join_name(first, last),
            city=text(billing.get("city")),
            zip=text(billing.get("postcode")),
            country_name=country_name(billing.get("country_id")),
            phone_number=text(billing.get("telephone")),
            store=self.store_name,
            store_url=self.store_url,
            order_count=1 if paid else 0,
            total_order_value=total if paid else Decimal("0"),
            has_purchased=paid,
            company=text(billing.get("company")),
        )
        lines = order_lines(data.get("items"))
        return Order(
            store=self.store_name,
            source_id=str(data["entity_id"]),
            number=text(data.get("increment_id")) or str(data["entity_id"]),
            status=text(data.get("status")) or text(data.get("state")),
            is_paid=paid,
            total=to_decimal(data.get("base_grand_total")),
            currency=text(data.get("order_currency_code")) or text(data.get("base_currency_code")),
            date_created=parse_datetime_utc(data.get("created_at")),
            date_modified=modified,
            date_paid=None,
            customer=customer,
            lines=lines,
        )
    # Catalogue and custom fields

    def products(self) -> Iterator[Product]:
        """/V1/products by id. Configurable, bundle and grouped products are containers: the simple (virtual,
        downloadable) products they offer are the ones sold, each listed on its own."""
        for page in self._search("/products", [], [("entity_id", "ASC")]):
            for data in page:
                if isinstance(data, dict) and data.get("type_id") in CONTAINER_TYPES:
                    continue
                product = self.parse_or_skip(_product, data)
                if product is not None:
                    yield product

    def custom_fields(self) -> list[CustomField]:
        return custom_fields.magento_fields(self._get("/attributeMetadata/customer/custom"))

    def _attribute_metadata(self) -> dict[str, dict]:
        """The merchant's customer attributes by code, read once per run and only when a customer has some. A
        store that refuses the read still syncs, without those values."""
        if self._attributes is None:
            try:
                metadata = self._get("/attributeMetadata/customer/custom")
            except SourceError:
                metadata = []
            self._attributes = {text(a.get("attribute_code")): a for a in metadata if isinstance(a, dict)
                                and not a.get("system")} if isinstance(metadata, list) else {}
        return self._attributes

    # Rollups and order-driven changes

    def _orders_of(self, customer_ids) -> Iterator[dict]:
        if not customer_ids:
            return
        ids = ",".join(str(i) for i in customer_ids)
        for page in self._search("/orders", [[("customer_id", ids, "in")]], [("entity_id", "ASC")], ORDER_FIELDS):
            yield from page

    def _rollups(self, customer_ids) -> dict[int, Rollup]:
        """One paged /V1/orders read for a whole page of customers."""
        return _rollups(self._orders_of(customer_ids)) if customer_ids else {}

    def _customers_with_changed_orders(self, since: datetime, resume: dict | None = None):
        filters = [[("updated_at", magento_time(since), "gteq")], [("customer_id", "", "notnull")]]
        for page in self._by_id("/orders", filters, "changed_orders", resume, ORDER_FIELDS, id_key="entity_id"):
            changed = [o for o in page if isinstance(o, dict) and _is_id(o.get("customer_id"))
                       and _is_id(o.get("entity_id")) and _changed_since(o, since)]
            on_page = {o["customer_id"] for o in changed}
            if not on_page:
                continue
            profiles = {}
            id_list = ",".join(str(i) for i in sorted(on_page, key=str))
            in_page = [*self._website_filter(), [("entity_id", id_list, "in")]]
            for customers in self._search("/customers/search", in_page, [("entity_id", "ASC")]):
                profiles.update({c["id"]: c for c in customers if isinstance(c, dict) and _is_id(c.get("id"))})
            # Skip those already yielded by the profile scan, and those whose latest order in the window is
            # on a later page (each customer is yielded once, without remembering who was seen).
            candidates = [cid for cid, p in profiles.items() if not _changed_since(p, since)]
            orders_by_customer: dict[int, list[dict]] = {}
            for order in self._orders_of(candidates):
                if isinstance(order, dict) and _is_id(order.get("customer_id")) and _is_id(order.get("entity_id")):
                    orders_by_customer.setdefault(order["customer_id"], []).append(order)
            rollups = _rollups(o for orders in orders_by_customer.values() for o in orders)
            page_ids = {o["entity_id"] for o in changed}
            for cid in candidates:
                window = [o for o in orders_by_customer.get(cid, [])
                          if parse_datetime_utc(o.get("updated_at")) and _changed_since(o, since)]
                if not window:
                    continue
                latest = max(window, key=lambda o: (parse_datetime_utc(o.get("updated_at")), str(o["entity_id"])))
                if latest["entity_id"] in page_ids:
                    customer = self.parse_or_skip(self._customer, profiles[cid], rollups.get(cid, Rollup()))
                    if customer is not None:
                        yield customer

    # JSON → Customer

    def _website_names(self) -> dict[int, str]:
        if self._websites is None:
            sites = self._get("/store/websites")
            self._websites = {s["id"]: text(s.get("name")) for s in sites if s.get("id")}
        return self._websites

    def _store_label(self, website_id) -> str:
        if self.website_id:
            return self.store_name
        names = self._website_names()
        if len(names) <= 1:
            return self.store_name
        return f"{self.store_name} ({names.get(website_id, f'website {website_id}')})"

    def _customer_with_rollups(self, data: dict, rollups: dict) -> Customer:
        return self._customer(data, rollups.get(data["id"], Rollup()))

    def _customer(self, data: dict, rollup: Rollup) -> Customer:
        address = _billing_address(data)
        region = address.get("region") or {}
        first, last = text(data.get("firstname")), text(data.get("lastname"))
        profile_changed = parse_datetime_utc(data.get("updated_at")) or parse_datetime_utc(data.get("created_at"))
        subscribed = (data.get("extension_attributes") or {}).get("is_subscribed")
        return Customer(
            source_id=str(data["id"]),
            email=text(data.get("email")),
            updated_at=max(filter(None, [profile_changed, rollup.last_change])),
            company=text(address.get("company")),
            full_name=join_name(data.get("prefix"), first, data.get("middlename"), last, data.get("suffix")),
            firstname=first,
            lastname=last,
            salutation=text(data.get("prefix")),
            address=", ".join(text(line) for line in address.get("street") or [] if text(line)),
            city=text(address.get("city")),
            state=text(region.get("region_code")) or text(region.get("region")),
            zip=text(address.get("postcode")),
            country_name=country_name(address.get("country_id")),
            phone_number=text(address.get("telephone")),
            store=self._store_label(data.get("website_id")),
            store_url=self.store_url,
            order_count=rollup.order_count,
            total_order_value=rollup.total_order_value,
            newsletter=subscribed is True or text(subscribed).lower() in ("1", "true"),
            has_purchased=rollup.order_count > 0,
            registered_at=parse_datetime_utc(data.get("created_at")),
            last_order_date=rollup.last_order_date,
            custom=custom_fields.magento_values(data.get("custom_attributes"), self._attribute_metadata())
            if data.get("custom_attributes") else (),
        )


CONTAINER_TYPES = ("configurable", "bundle", "grouped")


def _product(data: dict) -> Product | None:
    sku = text(data.get("sku"))
    if not _is_id(data.get("id")) or not sku:
        return None
    return Product(source_id=str(data["id"]), sku=sku, name=text(data.get("name")) or sku,
                   price=to_decimal(data.get("price")), active=str(data.get("status")) == "1")


def order_lines(items) -> tuple[OrderLine, ...]:
    """An order's lines: Magento lists a configurable product's choice twice, the parent line (with the
    chosen product's SKU and the price) and the child (`parent_item_id`, no price): the child is skipped."""
    return tuple(order_line(item) for item in items or [] if isinstance(item, dict) and not item.get("parent_item_id"))


def order_line(item: dict) -> OrderLine:
    quantity = to_decimal(item.get("qty_ordered"))
    row_total = to_decimal(item.get("base_row_total") or item.get("row_total"))
    discount = abs(to_decimal(item.get("base_discount_amount") or item.get("discount_amount")))
    return OrderLine(
        name=text(item.get("name")),
        sku=text(item.get("sku")),
        quantity=quantity,
        total=row_total - discount,
        product_id=text(item.get("product_id")),
        unit_price=to_decimal(item.get("base_price") or item.get("price")),
        discount=discount,
        tax=to_decimal(item.get("base_tax_amount") or item.get("tax_amount")),
    )


def _rollups(orders) -> dict[int, Rollup]:
    """Per customer id: paid order count, value (grand total minus refunds), last order and last change."""
    counts: dict[int, list] = {}
    for order in orders:
        if not isinstance(order, dict) or not _is_id(order.get("customer_id")):
            continue  # a malformed order cannot be attributed to anyone
        entry = counts.setdefault(order["customer_id"], [0, Decimal("0"), None, None])
        changed = parse_datetime_utc(order.get("updated_at"))
        if changed and (entry[3] is None or changed > entry[3]):
            entry[3] = changed
        if order.get("state") in COUNTED_STATES:
            entry[0] += 1
            entry[1] += to_decimal(order.get("base_grand_total")) - to_decimal(order.get("total_refunded"))
            created = parse_datetime_utc(order.get("created_at"))
            if created and (entry[2] is None or created > entry[2]):
                entry[2] = created
    return {cid: Rollup(*entry) for cid, entry in counts.items()}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_id(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value) != ""


def _changed_since(item: dict, since: datetime | None) -> bool:
    """Changed at or after `since` (inclusive); an item without a readable date counts as changed."""
    if since is None:
        return True
    changed = parse_datetime_utc(item.get("updated_at"))
    return changed is None or changed >= since


def _billing_address(data: dict) -> dict:
    addresses = data.get("addresses") or []
    for address in addresses:
        if address.get("default_billing") is True or str(address.get("id")) == str(data.get("default_billing")):
            return address
    return addresses[0] if addresses else {}


def magento_error(response, path: str, help_text: str = OAUTH_HELP) -> SourceError:
    """Magento's `{"message": "… %placeholders …", "parameters": …}` as one readable sentence."""
    status = response.status_code
    body = json_object(response)
    if body is None or "message" not in body:
        return unexplained_http_error(status, path, f"No Magento REST API at {path} (HTTP 404): check the store URL "
                                                    "(the shop's address, without /rest).")
    message = interpolate(text(body.get("message")), body.get("parameters"))
    if status == 401:
        readable = f"Magento rejected the integration's credentials (HTTP 401: {message}). {help_text}"
    elif status == 404 and "route" in message.lower():
        readable = f"The Magento REST route {path} was not found (404: {message}): check the store URL."
    elif status == 404:
        readable = f"Magento: {message} (HTTP 404)."
    else:
        readable = f"Magento error on {path}: {message} (HTTP {status})."
    error = SourceError(readable, permanent=status in (400, 401, 403, 404))
    error.status = status
    return error


def interpolate(message: str, parameters) -> str:
    """Fills Magento's %name (dict parameters) and %1, %2… (list parameters) placeholders."""
    if isinstance(parameters, dict):
        return re.sub(r"%(\w+)", lambda m: str(parameters.get(m.group(1), m.group(0))), message)
    if isinstance(parameters, list):
        return re.sub(r"%(\d+)", lambda m: str(parameters[int(m.group(1)) - 1])
                      if 0 < int(m.group(1)) <= len(parameters) else m.group(0), message)
    return message

"""What happens inside the sandbox shops: creating stores, customers and orders, and delivering
WooCommerce webhooks after the change is committed (never inside a database transaction).

This module is the sandbox's service API; the app's demo step may call it (demo is a sandbox-only
tool), the app's sources never do: they talk HTTP.
"""

import base64
import hashlib
import hmac
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sandbox.routers import SANDBOX_DB
from sandbox.stores import payloads
from sandbox.stores.models import (
    SandboxCustomer,
    SandboxDelivery,
    SandboxOrder,
    SandboxProduct,
    SandboxStore,
    SandboxWebhook,
    SandboxWebsite,
)

log = logging.getLogger(__name__)

MAX_DELIVERY_FAILURES = 5  # WooCommerce disables a webhook when failure_count exceeds this
WEBHOOK_TOPICS = ("order.created", "order.updated", "customer.created", "customer.updated")


def sandbox_base_url(store: SandboxStore, site_url: str | None = None) -> str:
    """The address a store's API lives under, as an outside client would type it."""
    site = (site_url or settings.SITE_URL).rstrip("/")
    return f"{site}/sandbox/{store.kind}/{store.slug}"


def get_or_create_store(kind: str, slug: str, name: str, **fields) -> tuple[SandboxStore, bool]:
    store, created = SandboxStore.objects.get_or_create(slug=slug, defaults={"kind": kind, "name": name, **fields})
    if kind == SandboxStore.Kind.MAGENTO and created:
        SandboxWebsite.objects.create(store=store, website_id=1, code="base", name="Main Website")
        SandboxWebsite.objects.create(store=store, website_id=2, code="eu", name="EU Website")
    return store, created


def add_webhook(store: SandboxStore, topic: str, delivery_url: str, secret: str, name: str = "") -> SandboxWebhook:
    webhook, _ = SandboxWebhook.objects.update_or_create(
        store=store, topic=topic, delivery_url=delivery_url,
        defaults={"secret": secret, "name": name or topic, "status": "active", "failure_count": 0},
    )
    return webhook


# Changes that fire webhooks


def create_customer(store: SandboxStore, **fields) -> SandboxCustomer:
    with transaction.atomic(using=SANDBOX_DB):
        customer = SandboxCustomer.objects.create(store=store, **fields)
        _after_commit(store, "customer.created", customer.pk)
    return customer


def update_customer(customer: SandboxCustomer, **changes) -> SandboxCustomer:
    with transaction.atomic(using=SANDBOX_DB):
        for name, value in changes.items():
            setattr(customer, name, value)
        customer.date_modified = _later(customer.date_modified)
        customer.save()
        _after_commit(customer.store, "customer.updated", customer.pk)
    return customer


def delete_customer(customer: SandboxCustomer) -> None:
    """An admin deletes the account in the shop, behind the app's back. As in both platforms, the row is gone and
    the customer stops being listed; their orders stay, without a customer (WooCommerce resets `customer_id` to
    0). No webhook fires: the app subscribes to no deletion topic."""
    with transaction.atomic(using=SANDBOX_DB):
        customer.delete()


def create_order(store: SandboxStore, customer: SandboxCustomer | None = None, *, billing: dict | None = None,
                 line_items: list | None = None, status: str = "processing", when: datetime | None = None,
                 newsletter: bool = False) -> SandboxOrder:
    """An order by a registered customer (billing copied from the account) or a guest (billing given)."""
    when = when or timezone.now()
    line_items = line_items or [{"name": "Sandbox T-shirt", "sku": "SBX-TEE", "quantity": 1, "price": "19.90"}]
    total = payloads.order_total(line_items)
    if customer is not None:
        billing = payloads._customer_billing(customer)
    with transaction.atomic(using=SANDBOX_DB):
        order = SandboxOrder.objects.create(
            store=store, customer=customer, status=status, currency=store.currency, total=total,
            billing=billing or {}, line_items=line_items, newsletter=newsletter,
            date_created=when, date_modified=when, date_paid=when if status in payloads.WOO_PAID else None,
        )
        _after_commit(store, "order.created", order.pk)
    return order


def update_order(order: SandboxOrder, **changes) -> SandboxOrder:
    with transaction.atomic(using=SANDBOX_DB):
        for name, value in changes.items():
            setattr(order, name, value)
        order.date_modified = _later(order.date_modified)
        if order.status in payloads.WOO_PAID and order.date_paid is None:
            order.date_paid = order.date_modified
        order.save()
        _after_commit(order.store, "order.updated", order.pk)
    return order


def add_product(store: SandboxStore, name: str, sku: str, price, *, active: bool = True,
                parent: SandboxProduct | None = None, attributes: dict | None = None) -> SandboxProduct:
    return SandboxProduct.objects.create(store=store, name=name, sku=sku, price=Decimal(str(price)), active=active,
                                         parent=parent, attributes=attributes or {})


def update_product(product: SandboxProduct, **changes) -> SandboxProduct:
    for name, value in changes.items():
        setattr(product, name, value)
    product.date_modified = _later(product.date_modified)
    product.save()
    return product


def line_item(product: SandboxProduct, quantity: int = 1, *, discount="0", tax="0") -> dict:
    """An order line for a catalogue product (a variation's name is its parent's and its options)."""
    name = product.name
    if product.parent_id:
        name = f"{product.parent.name} - {', '.join(product.attributes.values())}"
    item = {"name": name, "sku": product.sku, "quantity": quantity, "price": f"{product.price:.2f}",
            "product_id": product.pk, "discount": str(discount), "tax": str(tax)}
    if product.parent_id:
        item["parent_id"] = product.parent_id
    return item


def _later(previous: datetime) -> datetime:
    """Now, but strictly after the previous modification time (whole seconds, like WordPress)."""
    now = timezone.now().replace(microsecond=0)
    return max(now, previous.replace(microsecond=0) + timedelta(seconds=1))


def _after_commit(store, topic, resource_id):
    if store.kind == SandboxStore.Kind.WOOCOMMERCE:
        transaction.on_commit(lambda: deliver_webhooks(store.pk, topic, resource_id), using=SANDBOX_DB)


# Webhook delivery, shaped like WooCommerce's WC_Webhook::deliver()


def webhook_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_payload(store: SandboxStore, resource: str, resource_id: int) -> dict | None:
    base_url = sandbox_base_url(store)
    if resource == "order":
        order = SandboxOrder.objects.filter(store=store, pk=resource_id).first()
        return payloads.woo_order(order, base_url) if order else None
    customer = SandboxCustomer.objects.filter(store=store, pk=resource_id).first()
    return payloads.woo_customer(customer, base_url) if customer else None


def deliver_webhooks(store_id: int, topic: str, resource_id: int) -> list[SandboxDelivery]:
    """POSTs the resource's current state to every active webhook on the topic. Called after commit."""
    store = SandboxStore.objects.get(pk=store_id)
    resource, event = topic.split(".")
    deliveries = []
    for webhook in SandboxWebhook.objects.filter(store=store, topic=topic, status="active"):
        payload = webhook_payload(store, resource, resource_id)
        if payload is None:
            continue
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery_id = hashlib.sha256(f"{webhook.pk}{timezone.now().timestamp()}".encode()).hexdigest()[:32]
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
            "X-WC-Webhook-Source": sandbox_base_url(store) + "/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": webhook_signature(webhook.secret, body),
            "X-WC-Webhook-ID": str(webhook.pk),
            "X-WC-Webhook-Delivery-ID": delivery_id,
        }
        deliveries.append(_post(webhook, body, headers, delivery_id, resource_id))
    return deliveries


def redeliver(delivery: SandboxDelivery) -> SandboxDelivery:
    """The same resource state again, as a new attempt (new delivery id): a replay for demos."""
    webhook = delivery.webhook
    return deliver_webhooks(webhook.store_id, webhook.topic, delivery.resource_id)[0]


def ping(webhook: SandboxWebhook) -> SandboxDelivery:
    """WooCommerce's creation ping: form body `webhook_id=N`, no X-WC headers, no signature."""
    body = f"webhook_id={webhook.pk}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "WooCommerce Hookshot"}
    return _post(webhook, body, headers, "", 0)


def _post(webhook, body, headers, delivery_id, resource_id) -> SandboxDelivery:
    try:
        response = requests.post(webhook.delivery_url, data=body, headers=headers, timeout=(5, 60),
                                 allow_redirects=False)
        code, text = response.status_code, response.text[:300]
    except requests.RequestException as exc:
        code, text = None, f"{type(exc).__name__}: {exc}"[:300]
    if code is not None and 200 <= code < 303:
        webhook.failure_count = 0
    elif webhook.failure_count >= MAX_DELIVERY_FAILURES:
        webhook.status = "disabled"
    else:
        webhook.failure_count += 1
    webhook.last_response = f"{code or 'error'}: {text}"[:300]
    webhook.save(update_fields=["failure_count", "status", "last_response"])
    return SandboxDelivery.objects.create(
        webhook=webhook, delivery_id=delivery_id, resource_id=resource_id, response_code=code, response_body=text
    )


# Deterministic, realistic data

FIRST_NAMES = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo", "Amelia",
               "Hiro", "Chloé", "Jürgen", "Aoife", "Sean", "Priya", "Arjun", "Fatima", "Omar", "Ingrid", "Lars",
               "Zoë", "Kwame", "Ngozi", "Wei", "Mei", "Diego", "Lucía", "Isabella", "Ethan", "Harper", "Mason",
               "Evelyn", "Logan", "Abigail", "James", "Charlotte", "Benjamin", "Grace"]
LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
              "Müller", "Schmidt", "O'Brien", "Murphy", "Tanaka", "Suzuki", "Patel", "Sharma", "Nguyen", "Kim",
              "Dubois", "Rossi", "Kowalski", "Novak", "Andersson", "Okafor", "Mensah", "Chen", "Wang", "Silva",
              "Costa", "van der Berg", "Fernández", "López", "Wilson", "Taylor", "Thomas", "Moore", "Clark"]
PLACES = [
    ("San Francisco", "CA", "94103", "US", "+1 415 555 01{:02d}"),
    ("New York", "NY", "10001", "US", "+1 212 555 01{:02d}"),
    ("Austin", "TX", "78701", "US", "+1 512 555 01{:02d}"),
    ("Seattle", "WA", "98101", "US", "+1 206 555 01{:02d}"),
    ("Calder", "MI", "49628-7978", "US", "(555) 229-33{:02d}"),
    ("Toronto", "ON", "M5V 2T6", "CA", "+1 416 555 01{:02d}"),
    ("London", "", "EC1A 1BB", "GB", "+44 20 7946 09{:02d}"),
    ("Manchester", "", "M1 1AE", "GB", "+44 161 496 09{:02d}"),
    ("Berlin", "", "10115", "DE", "+49 30 901820{:02d}"),
    ("München", "BY", "80331", "DE", "+49 89 2333{:02d}"),
    ("Paris", "", "75001", "FR", "+33 1 44 55 66 {:02d}"),
    ("Dublin", "", "D02 X285", "IE", "+353 1 555 01{:02d}"),
    ("Sydney", "NSW", "2000", "AU", "+61 2 5550 01{:02d}"),
    ("Melbourne", "VIC", "3000", "AU", "+61 3 5550 01{:02d}"),
    ("Tokyo", "", "100-0001", "JP", "+81 3-5555-01{:02d}"),
    ("Lagos", "", "100001", "NG", "+234 1 555 01{:02d}"),
    ("São Paulo", "SP", "01000-000", "BR", "+55 11 5555-01{:02d}"),
    ("Mumbai", "MH", "400001", "IN", "+91 22 5555 01{:02d}"),
]
STREETS = ["Market St", "Main Street", "High Street", "Oak Avenue", "Hauptstraße", "Rue de Rivoli", "King St W",
           "George St", "Honey Bluff Parkway", "Elm Road"]
COMPANIES = ["", "", "", "Acme Corp", "Globex", "Initech", "Umbrella Prints", "Stark Uniforms", "Wayne Sports Club",
             "Hooli", "Blue Sky Events", "Riverside School", "Northwind Traders", "Contoso Ltd", "Bäckerei Schulz"]
PRODUCTS = [("Embroidered Polo", "POLO-EMB", "24.50"), ("Printed T-shirt", "TEE-PRN", "14.90"),
            ("Team Hoodie", "HOOD-TM", "39.00"), ("Logo Cap", "CAP-LGO", "12.00"), ("Tote Bag", "BAG-TOT", "9.50"),
            ("Softshell Jacket", "JKT-SFT", "79.00"), ("Ceramic Mug", "MUG-CER", "8.25"),
            ("Hi-vis Vest", "VST-HIV", "18.75"), ("Apron", "APR-STD", "16.40"), ("Beanie", "BEA-KNT", "11.30")]
SHARED_EMAILS = [f"shared.buyer{n}@example.com" for n in range(1, 9)]  # the same people in both demo stores
INVALID_EMAILS = ["not-an-email", "jane@@example.com", "bob@example", " spaced out@example.com"]
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def populate(store: SandboxStore, customers: int = 300, seed: str = "", *, shared_emails=SHARED_EMAILS,
             invalid_emails=INVALID_EMAILS) -> dict:
    """Creates `customers` deterministic customers (and guests) with orders. Idempotent: a store that
    already has customers is left as it is. Returns counts by kind. No webhooks fire (bulk load)."""
    catalogue = ensure_catalogue(store)
    if store.customers.exists():
        return {"customers": store.customers.count(), "orders": store.orders.count(), "created": False}
    rng = random.Random(f"{store.slug}:{seed}")
    # Custom fields and line discounts/taxes draw from their own generator, so the people and orders above stay
    # the same as before these existed.
    extras = random.Random(f"{store.slug}:{seed}:extras")
    counts = {"buyers": 0, "registered_non_buyers": 0, "newsletter_only": 0, "guests": 0, "invalid_emails": 0,
              "over_long": 0, "shared_emails": 0, "second_website_duplicates": 0}
    orders = []
    with transaction.atomic(using=SANDBOX_DB):
        for n in range(customers):
            person = _person(rng, n, store.slug)
            kind = rng.choices(["buyer", "registered", "newsletter", "guest"], weights=[50, 20, 12, 18])[0]
            if n < len(shared_emails):
                person["email"], kind = shared_emails[n], "buyer"
                counts["shared_emails"] += 1
            elif n - len(shared_emails) < len(invalid_emails):
                person["email"] = invalid_emails[n - len(shared_emails)]
                counts["invalid_emails"] += 1
            elif n - len(shared_emails) - len(invalid_emails) < 2:
                person["company"] = ("Extremely Long Company Name Holdings International " * 8).strip()
                person["address_1"] = "Building 7, Floor 12, " + "Suite " * 60 + "North Wing"
                person["last_name"] = "Wolfeschlegelsteinhausenbergerdorff" * 3
                counts["over_long"] += 1
            created = EPOCH + timedelta(days=rng.randint(0, 360), seconds=rng.randint(0, 86399))
            if kind == "guest":
                counts["guests"] += 1
                billing = {k: person[k] for k in ("first_name", "last_name", "company", "address_1", "address_2",
                                                  "city", "state", "postcode", "country", "email", "phone")}
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    created += timedelta(days=rng.randint(1, 60))
                    orders.append(_order(rng, store, None, billing, created, newsletter=rng.random() < 0.2))
                    _add_line_details(extras, orders[-1], catalogue)
                continue
            if kind == "newsletter":
                person.update(address_1="", address_2="", city="", state="", postcode="", country="", phone="",
                              company="")
            customer = SandboxCustomer.objects.create(
                store=store, newsletter=kind == "newsletter" or rng.random() < 0.3, meta=_custom_values(extras, store),
                date_created=created, date_modified=created + timedelta(days=rng.randint(0, 30)),
                website_id=2 if store.kind == SandboxStore.Kind.MAGENTO and rng.random() < 0.15 else 1, **person,
            )
            if kind == "buyer":
                counts["buyers"] += 1
                when = created
                for _ in range(rng.choice([1, 1, 2, 2, 3, 5])):
                    when += timedelta(days=rng.randint(1, 45), seconds=rng.randint(0, 86399))
                    orders.append(_order(rng, store, customer, payloads._customer_billing(customer), when))
                    _add_line_details(extras, orders[-1], catalogue)
            else:
                counts["newsletter_only" if kind == "newsletter" else "registered_non_buyers"] += 1
        if store.kind == SandboxStore.Kind.MAGENTO:
            # Account sharing per website: the same email registered on both websites (different customers).
            for twin in SandboxCustomer.objects.filter(store=store, website_id=1).order_by("id")[10:13]:
                fields = {f: getattr(twin, f) for f in ("email", "prefix", "first_name", "last_name", "company",
                                                        "address_1", "city", "state", "postcode", "country", "phone")}
                SandboxCustomer.objects.create(store=store, website_id=2, date_created=twin.date_created,
                                               date_modified=twin.date_modified, **fields)
                counts["second_website_duplicates"] += 1
        SandboxOrder.objects.bulk_create(orders)
    return {**counts, "customers": store.customers.count(), "orders": store.orders.count(), "created": True}


def _person(rng, n, slug) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, state, postcode, country, phone = rng.choice(PLACES)
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    return {
        "email": f"{local}{n}@{rng.choice(['example.com', 'example.org', 'example.net'])}",
        "prefix": rng.choice(["", "", "Mr.", "Ms.", "Dr.", "Mrs."]),
        "first_name": first,
        "last_name": last,
        "company": rng.choice(COMPANIES),
        "address_1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "address_2": rng.choice(["", "", "", f"Apt {rng.randint(1, 99)}"]),
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "phone": phone.format(n % 100),
    }


def _order(rng, store, customer, billing, when, newsletter=False) -> SandboxOrder:
    items = []
    for name, sku, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
        items.append({"name": name, "sku": sku, "quantity": rng.randint(1, 12), "price": price})
    total = sum(Decimal(i["price"]) * i["quantity"] for i in items)
    status = rng.choices(["completed", "processing", "pending", "cancelled", "refunded", "on-hold"],
                         weights=[60, 15, 8, 8, 4, 5])[0]
    modified = when + timedelta(hours=rng.randint(1, 72))
    return SandboxOrder(
        store=store, customer=customer, status=status, currency=store.currency, total=total, billing=billing,
        line_items=items, newsletter=newsletter, date_created=when, date_modified=modified,
        date_paid=when if status in ("completed", "processing", "refunded") else None,
    )


VARIANT_SIZES = ("S", "M", "L")
LOYALTY_TIERS = ("Bronze", "Silver", "Gold")
MAGENTO_ATTRIBUTES = [
    {"code": "loyalty_tier", "label": "Loyalty tier", "input": "select", "backend_type": "int",
     "options": [{"label": "", "value": ""}, {"label": "Bronze", "value": "11"}, {"label": "Silver", "value": "12"},
                 {"label": "Gold", "value": "13"}]},
    {"code": "customer_since", "label": "Customer since", "input": "date", "backend_type": "datetime"},
    {"code": "vip", "label": "VIP", "input": "boolean", "backend_type": "int"},
    {"code": "account_manager", "label": "Account manager", "input": "text", "backend_type": "varchar"},
]


def ensure_catalogue(store: SandboxStore) -> dict[str, SandboxProduct]:
    """The demo products by SKU, created once: PRODUCTS, the hoodie with a variation per size, one product the
    shop no longer sells. Idempotent."""
    if not store.products.exists():
        with transaction.atomic(using=SANDBOX_DB):
            for name, sku, price in PRODUCTS:
                product = add_product(store, name, sku, price)
                if sku == "HOOD-TM":
                    for size in VARIANT_SIZES:
                        add_product(store, name, f"{sku}-{size}", price, parent=product, attributes={"Size": size})
            add_product(store, "Retired Scarf", "SCF-OLD", "15.00", active=False)
            if store.kind == SandboxStore.Kind.MAGENTO and not store.customer_attributes:
                store.customer_attributes = MAGENTO_ATTRIBUTES
                store.save(update_fields=["customer_attributes"])
    return {product.sku: product for product in store.products.select_related("parent")}


def _custom_values(extras, store) -> dict:
    """A customer's own-field values: WooCommerce user meta (private "_" keys too, as WordPress keeps them),
    Magento custom attribute values (option ids for selects)."""
    tier = extras.choice(("", *LOYALTY_TIERS))
    if store.kind == SandboxStore.Kind.MAGENTO:
        values = {"customer_since": f"20{extras.randint(15, 23)}-0{extras.randint(1, 9)}-1{extras.randint(0, 9)}"
                                    " 00:00:00",
                  "vip": extras.choice(["0", "0", "1"])}
        if tier:
            values["loyalty_tier"] = str(11 + LOYALTY_TIERS.index(tier))
        if extras.random() < 0.3:
            values["account_manager"] = extras.choice(["Dana Scully", "Fox Mulder"])
        return values
    values = {"_last_active": str(1_700_000_000 + extras.randint(0, 30_000_000)), "_order_count": "0"}
    if tier:
        values["loyalty_tier"] = tier
    if extras.random() < 0.5:
        values["birthday"] = f"19{extras.randint(60, 99)}-0{extras.randint(1, 9)}-{extras.randint(10, 28)}"
    return values


def _add_line_details(extras, order: SandboxOrder, catalogue: dict) -> None:
    """Links the order's lines to catalogue products (the hoodie to one of its sizes) and gives some of them a
    discount and tax (10 %), keeping the order's total in step."""
    for item in order.line_items:
        product = catalogue.get(item["sku"])
        if f"{item['sku']}-{VARIANT_SIZES[0]}" in catalogue:  # a variable product: one of its sizes
            product = catalogue[f"{item['sku']}-{extras.choice(VARIANT_SIZES)}"]
        if product is not None:
            item.update(line_item(product, item["quantity"]))
        _, subtotal, _, _ = payloads.line_amounts(item)
        discount = (subtotal * Decimal("0.1")).quantize(Decimal("0.01")) if extras.random() < 0.2 else Decimal("0")
        tax = ((subtotal - discount) * Decimal("0.1")).quantize(Decimal("0.01")) if extras.random() < 0.5 else 0
        item.update(discount=str(discount), tax=str(tax))
    order.total = payloads.order_total(order.line_items)


def ensure_demo_stores() -> dict:
    """The two demo shops, filled once: "my-store" (WooCommerce) and "partner-store" (Magento 2)."""
    woo, _ = get_or_create_store(SandboxStore.Kind.WOOCOMMERCE, "my-store", "My Store", currency="USD")
    magento, _ = get_or_create_store(SandboxStore.Kind.MAGENTO, "partner-store", "Partner Store", currency="EUR")
    return {
        "woocommerce": {"store": woo, "data": populate(woo, 320, seed="demo")},
        "magento": {"store": magento, "data": populate(magento, 260, seed="demo")},
    }

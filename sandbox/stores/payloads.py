"""JSON bodies exactly shaped like WooCommerce REST v3 and Magento 2 REST ones, built from sandbox rows."""

from datetime import UTC, timedelta
from decimal import Decimal

from sandbox.stores.models import SandboxCustomer, SandboxOrder, SandboxStore

# The sandbox WordPress site runs at UTC-3, so local dates differ from the *_gmt ones (a real pitfall).
WOO_SITE_OFFSET = timedelta(hours=-3)
WOO_PAID = ("processing", "completed")
MAGENTO_STATUS = {
    "pending": ("new", "pending"),
    "processing": ("processing", "processing"),
    "on-hold": ("holded", "holded"),
    "completed": ("complete", "complete"),
    "cancelled": ("canceled", "canceled"),
    "refunded": ("closed", "closed"),
    "failed": ("canceled", "canceled"),
}
REGIONS = {"CA": 12, "NY": 43, "TX": 57, "WA": 62, "MI": 33, "ON": 74, "NSW": 569, "VIC": 572, "BY": 80}


def woo_local(moment):
    return (moment.astimezone(UTC) + WOO_SITE_OFFSET).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def woo_gmt(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def magento_time(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


def _woo_dates(name, moment) -> dict:
    return {name: woo_local(moment), f"{name}_gmt": woo_gmt(moment)}


def _customer_billing(customer: SandboxCustomer) -> dict:
    return {
        "first_name": customer.first_name, "last_name": customer.last_name, "company": customer.company,
        "address_1": customer.address_1, "address_2": customer.address_2, "city": customer.city,
        "state": customer.state, "postcode": customer.postcode, "country": customer.country,
        "email": customer.email, "phone": customer.phone,
    }


def _shipping(billing: dict) -> dict:
    return {k: v for k, v in billing.items() if k != "email"}


def woo_customer(customer: SandboxCustomer, base_url: str) -> dict:
    store = customer.store
    billing = _customer_billing(customer)
    paying = customer.orders.filter(date_paid__isnull=False).exists()  # set on the first payment, never unset
    meta = []
    if customer.newsletter:
        meta = [{"id": customer.pk * 10 + 1, "key": store.newsletter_meta_key, "value": "yes"}]
    return {
        "id": customer.pk,
        **_woo_dates("date_created", customer.date_created),
        **_woo_dates("date_modified", customer.date_modified),
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "role": customer.role,
        "username": customer.email.split("@")[0][:60] or f"user{customer.pk}",
        "billing": billing,
        "shipping": _shipping(billing),
        "is_paying_customer": paying,
        "avatar_url": "https://secure.gravatar.com/avatar/?s=96",
        "meta_data": meta,
        "_links": {
            "self": [{"href": f"{base_url}/wp-json/wc/v3/customers/{customer.pk}"}],
            "collection": [{"href": f"{base_url}/wp-json/wc/v3/customers"}],
        },
    }


def woo_order(order: SandboxOrder, base_url: str) -> dict:
    store = order.store
    billing = {"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "", "city": "",
               "state": "", "postcode": "", "country": "", "email": "", "phone": "", **order.billing}
    lines = []
    for index, item in enumerate(order.line_items, start=1):
        quantity = int(item.get("quantity", 1))
        price = Decimal(str(item.get("price", "0")))
        lines.append({
            "id": order.pk * 100 + index, "name": item.get("name", ""), "product_id": item.get("product_id", index),
            "variation_id": 0, "quantity": quantity, "tax_class": "", "subtotal": _money(price * quantity),
            "subtotal_tax": "0.00", "total": _money(price * quantity), "total_tax": "0.00", "taxes": [],
            "meta_data": [], "sku": item.get("sku", ""), "price": float(price),
        })
    meta = [{"id": order.pk * 10 + 1, "key": store.newsletter_meta_key, "value": "yes"}] if order.newsletter else []
    return {
        "id": order.pk,
        "parent_id": 0,
        "number": str(order.pk),
        "order_key": f"wc_order_{order.pk:08d}",
        "created_via": "checkout",
        "version": "9.4.0",
        "status": order.status,
        "currency": order.currency,
        **_woo_dates("date_created", order.date_created),
        **_woo_dates("date_modified", order.date_modified),
        "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "0.00", "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": _money(order.total),
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": order.customer_id or 0,
        "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
        "billing": billing,
        "shipping": _shipping(billing),
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "transaction_id": "",
        **_woo_dates("date_paid", order.date_paid),
        **_woo_dates("date_completed", order.date_modified if order.status == "completed" else None),
        "cart_hash": "",
        "meta_data": meta,
        "line_items": lines,
        "tax_lines": [], "shipping_lines": [], "fee_lines": [], "coupon_lines": [], "refunds": [],
        "_links": {
            "self": [{"href": f"{base_url}/wp-json/wc/v3/orders/{order.pk}"}],
            "collection": [{"href": f"{base_url}/wp-json/wc/v3/orders"}],
        },
    }


def magento_customer(customer: SandboxCustomer) -> dict:
    data = {
        "id": customer.pk,
        "group_id": 1,
        "created_at": magento_time(customer.date_created),
        "updated_at": magento_time(customer.date_modified),
        "created_in": "Default Store View" if customer.website_id == 1 else "EU Store View",
        "email": customer.email,
        "firstname": customer.first_name,
        "lastname": customer.last_name,
        "store_id": customer.website_id,
        "website_id": customer.website_id,
        "addresses": [],
        "disable_auto_group_change": 0,
        "extension_attributes": {"is_subscribed": customer.newsletter},
    }
    if customer.prefix:
        data["prefix"] = customer.prefix
    if customer.address_1 or customer.city:
        region_id = REGIONS.get(customer.state, 0)
        data["default_billing"] = data["default_shipping"] = str(customer.pk)
        data["addresses"] = [{
            "id": customer.pk, "customer_id": customer.pk,
            "region": {"region_code": customer.state, "region": customer.state, "region_id": region_id},
            "region_id": region_id, "country_id": customer.country,
            "street": [s for s in (customer.address_1, customer.address_2) if s],
            "company": customer.company, "telephone": customer.phone, "postcode": customer.postcode,
            "city": customer.city, "firstname": customer.first_name, "lastname": customer.last_name,
            "default_shipping": True, "default_billing": True,
        }]
    else:
        data["default_billing"] = data["default_shipping"] = "0"
    return data


def magento_order(order: SandboxOrder) -> dict:
    state, status = MAGENTO_STATUS.get(order.status, ("new", order.status))
    billing = order.billing or {}
    total = _money(order.total)
    paid = order.status in WOO_PAID
    return {
        "entity_id": order.pk,
        "increment_id": f"{order.pk:09d}",
        "state": state,
        "status": status,
        "created_at": magento_time(order.date_created),
        "updated_at": magento_time(order.date_modified),
        "store_id": order.customer.website_id if order.customer else 1,
        "customer_id": order.customer_id,
        "customer_email": billing.get("email", ""),
        "customer_firstname": billing.get("first_name", ""),
        "customer_lastname": billing.get("last_name", ""),
        "customer_is_guest": 0 if order.customer_id else 1,
        "customer_group_id": 1 if order.customer_id else 0,
        "grand_total": float(order.total),
        "base_grand_total": float(order.total),
        "subtotal": float(order.total),
        "total_paid": float(order.total) if paid else 0,
        "total_refunded": float(order.total) if order.status == "refunded" else 0,
        "total_qty_ordered": sum(int(i.get("quantity", 1)) for i in order.line_items),
        "order_currency_code": order.currency,
        "base_currency_code": order.currency,
        "items": [
            {"sku": i.get("sku", ""), "name": i.get("name", ""), "qty_ordered": int(i.get("quantity", 1)),
             "price": float(i.get("price", 0)),
             "row_total": float(Decimal(str(i.get("price", 0))) * int(i.get("quantity", 1)))}
            for i in order.line_items
        ],
        "billing_address": {
            "address_type": "billing", "email": billing.get("email", ""), "firstname": billing.get("first_name", ""),
            "lastname": billing.get("last_name", ""), "street": [billing.get("address_1", "")],
            "city": billing.get("city", ""), "postcode": billing.get("postcode", ""),
            "country_id": billing.get("country", ""), "telephone": billing.get("phone", ""),
        },
        "payment": {"method": "checkmo", "amount_ordered": float(total)},
    }


def magento_websites(store: SandboxStore) -> list[dict]:
    sites = [{"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0}]
    sites += [{"id": w.website_id, "code": w.code, "name": w.name, "default_group_id": w.website_id}
              for w in store.websites.order_by("website_id")]
    return sites

"""JSON bodies exactly shaped like WooCommerce REST v3 and Magento 2 REST ones, built from sandbox rows."""

from datetime import UTC, timedelta
from decimal import Decimal

from sandbox.stores.models import SandboxCustomer, SandboxOrder, SandboxProduct, SandboxStore

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
    meta += [{"id": customer.pk * 100 + n, "key": key, "value": value}
             for n, (key, value) in enumerate(sorted(customer.meta.items()), start=20)]
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
        quantity, subtotal, discount, tax = line_amounts(item)
        total = subtotal - discount
        lines.append({
            "id": order.pk * 100 + index, "name": item.get("name", ""),
            "product_id": item.get("parent_id") or item.get("product_id") or 0,
            "variation_id": item.get("product_id", 0) if item.get("parent_id") else 0,
            "quantity": quantity, "tax_class": "", "subtotal": _money(subtotal), "subtotal_tax": _money(tax),
            "total": _money(total), "total_tax": _money(tax),
            "taxes": [{"id": 1, "total": _money(tax), "subtotal": _money(tax)}] if tax else [],
            "meta_data": [], "sku": item.get("sku", ""), "price": float(total / quantity) if quantity else 0.0,
        })
    discount_total = sum((line_amounts(i)[2] for i in order.line_items), Decimal("0"))
    tax_total = sum((line_amounts(i)[3] for i in order.line_items), Decimal("0"))
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
        "discount_total": _money(discount_total), "discount_tax": "0.00", "shipping_total": "0.00",
        "shipping_tax": "0.00", "cart_tax": _money(tax_total),
        "total": _money(order.total),
        "total_tax": _money(tax_total),
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


def line_amounts(item: dict) -> tuple[int, Decimal, Decimal, Decimal]:
    """(quantity, price × quantity before discount, discount, tax) of an order's line item."""
    quantity = int(item.get("quantity", 1))
    subtotal = Decimal(str(item.get("price", "0"))) * quantity
    return quantity, subtotal, Decimal(str(item.get("discount", "0"))), Decimal(str(item.get("tax", "0")))


def order_total(line_items: list) -> Decimal:
    return sum((sub - discount + tax for _, sub, discount, tax in map(line_amounts, line_items)), Decimal("0"))


def _magento_item(order: SandboxOrder, number: int, item: dict) -> dict:
    quantity, subtotal, discount, tax = line_amounts(item)
    price = float(item.get("price", 0))
    taxable = subtotal - discount
    return {
        "item_id": order.pk * 100 + number, "order_id": order.pk, "product_id": item.get("product_id"),
        "product_type": "simple", "sku": item.get("sku", ""), "name": item.get("name", ""),
        "qty_ordered": quantity, "price": price, "base_price": price, "original_price": price,
        "row_total": float(subtotal), "base_row_total": float(subtotal),
        "discount_amount": float(discount), "base_discount_amount": float(discount),
        "tax_amount": float(tax), "base_tax_amount": float(tax),
        "tax_percent": round(float(tax / taxable * 100), 4) if taxable and tax else 0,
    }


def woo_product(product: SandboxProduct, base_url: str) -> dict:
    variations = list(product.variations.values_list("id", flat=True))
    return {
        "id": product.pk, "name": product.name, "slug": product.name.lower().replace(" ", "-"),
        "permalink": f"{base_url}/product/{product.name.lower().replace(' ', '-')}/",
        **_woo_dates("date_created", product.date_created), **_woo_dates("date_modified", product.date_modified),
        "type": "variable" if variations else "simple", "status": "publish" if product.active else "draft",
        "featured": False, "catalog_visibility": "visible", "description": "", "short_description": "",
        "sku": product.sku, "price": "" if variations else _money(product.price),
        "regular_price": "" if variations else _money(product.price), "sale_price": "", "on_sale": False,
        "purchasable": product.active, "virtual": False, "tax_status": "taxable", "tax_class": "",
        "manage_stock": False, "stock_quantity": None, "stock_status": "instock",
        "attributes": [{"id": 0, "name": name, "visible": True, "variation": True, "options": options}
                       for name, options in _variation_options(product).items()],
        "variations": variations, "meta_data": [],
        "_links": {"self": [{"href": f"{base_url}/wp-json/wc/v3/products/{product.pk}"}],
                   "collection": [{"href": f"{base_url}/wp-json/wc/v3/products"}]},
    }


def _variation_options(product: SandboxProduct) -> dict:
    options: dict[str, list] = {}
    for variation in product.variations.all():
        for name, value in variation.attributes.items():
            options.setdefault(name, [])
            if value not in options[name]:
                options[name].append(value)
    return options


def woo_variation(variation: SandboxProduct, base_url: str) -> dict:
    """A variation as /products/<id>/variations lists it: no name of its own, its attributes' options."""
    return {
        "id": variation.pk, **_woo_dates("date_created", variation.date_created),
        **_woo_dates("date_modified", variation.date_modified), "description": "",
        "permalink": f"{base_url}/product/?variation_id={variation.pk}", "sku": variation.sku,
        "price": _money(variation.price), "regular_price": _money(variation.price), "sale_price": "",
        "on_sale": False, "status": "publish" if variation.active else "private", "purchasable": variation.active,
        "virtual": False, "tax_status": "taxable", "tax_class": "", "manage_stock": False, "stock_quantity": None,
        "stock_status": "instock",
        "attributes": [{"id": 0, "name": name, "option": value} for name, value in variation.attributes.items()],
        "menu_order": 0, "meta_data": [],
        "_links": {"self": [{"href": f"{base_url}/wp-json/wc/v3/products/{variation.parent_id}/variations/"
                                     f"{variation.pk}"}],
                   "up": [{"href": f"{base_url}/wp-json/wc/v3/products/{variation.parent_id}"}]},
    }


def magento_product(product: SandboxProduct) -> dict:
    """Magento 2 has no variations: a variable product is a "configurable" parent (no price) whose options are
    simple products of their own."""
    configurable = product.parent_id is None and product.variations.exists()
    return {
        "id": product.pk, "sku": product.sku or f"product-{product.pk}", "name": product.name,
        "attribute_set_id": 4, "price": 0 if configurable else float(product.price),
        "status": 1 if product.active else 2, "visibility": 1 if product.parent_id else 4,
        "type_id": "configurable" if configurable else "simple",
        "created_at": magento_time(product.date_created), "updated_at": magento_time(product.date_modified),
        "weight": 1, "extension_attributes": {"website_ids": [1]}, "product_links": [], "options": [],
        "media_gallery_entries": [], "tier_prices": [],
        "custom_attributes": [{"attribute_code": "url_key", "value": product.name.lower().replace(" ", "-")}],
    }


def magento_customer_attributes(store: SandboxStore) -> list[dict]:
    """GET /V1/attributeMetadata/customer/custom: the merchant's own customer attributes."""
    return [{
        "frontend_input": attribute.get("input", "text"), "input_filter": "", "store_label": attribute["label"],
        "validation_rules": [], "multiline_count": 0, "visible": True, "required": False, "data_model": "",
        "options": attribute.get("options", []), "frontend_class": "", "user_defined": True, "sort_order": 100 + n,
        "frontend_label": attribute["label"], "note": "", "system": False,
        "backend_type": attribute.get("backend_type", "varchar"), "is_used_in_grid": False,
        "is_visible_in_grid": False, "is_filterable_in_grid": False, "is_searchable_in_grid": False,
        "attribute_code": attribute["code"],
    } for n, attribute in enumerate(store.customer_attributes)]


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
    codes = [attribute["code"] for attribute in customer.store.customer_attributes]
    custom = [{"attribute_code": code, "value": customer.meta[code]} for code in codes
              if customer.meta.get(code) not in (None, "")]
    if custom:  # only when the customer has values (store-apis §1.4)
        data["custom_attributes"] = custom
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
        "subtotal": float(sum((line_amounts(i)[1] for i in order.line_items), Decimal("0"))),
        "discount_amount": -float(sum((line_amounts(i)[2] for i in order.line_items), Decimal("0"))),
        "tax_amount": float(sum((line_amounts(i)[3] for i in order.line_items), Decimal("0"))),
        "total_paid": float(order.total) if paid else 0,
        "total_refunded": float(order.total) if order.status == "refunded" else 0,
        "total_qty_ordered": sum(int(i.get("quantity", 1)) for i in order.line_items),
        "order_currency_code": order.currency,
        "base_currency_code": order.currency,
        "items": [_magento_item(order, number, item) for number, item in enumerate(order.line_items, start=1)],
        "billing_address": {
            "address_type": "billing", "email": billing.get("email", ""), "firstname": billing.get("first_name", ""),
            "lastname": billing.get("last_name", ""), "street": [billing.get("address_1", "")],
            "city": billing.get("city", ""), "postcode": billing.get("postcode", ""),
            "country_id": billing.get("country", ""), "telephone": billing.get("phone", ""),
            "company": billing.get("company", ""),
        },
        "payment": {"method": "checkmo", "amount_ordered": float(total)},
    }


def magento_websites(store: SandboxStore) -> list[dict]:
    sites = [{"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0}]
    sites += [{"id": w.website_id, "code": w.code, "name": w.name, "default_group_id": w.website_id}
              for w in store.websites.order_by("website_id")]
    return sites


def magento_store_views(store: SandboxStore) -> list[dict]:
    """GET /V1/store/storeViews: one store view per website here (id = the website's id), plus the admin view."""
    views = [{"id": 0, "code": "admin", "website_id": 0, "store_group_id": 0, "name": "Admin", "sort_order": 0,
              "extension_attributes": [], "is_active": 1}]
    views += [{"id": w.website_id, "code": f"{w.code}_view", "website_id": w.website_id,
               "store_group_id": w.website_id, "name": f"{w.name} Store View", "sort_order": 0,
               "extension_attributes": [], "is_active": 1}
              for w in store.websites.order_by("website_id")]
    return views

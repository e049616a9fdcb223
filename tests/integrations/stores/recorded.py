"""Recorded payloads from docs/store-apis.md (WooCommerce §2.4/§2.5, Magento §1.4/§1.6), served with
the APIs' real paging by a small callback, so a partly consumed stream never trips
`assert_all_requests_are_fired` the way one registration per page would."""

import copy
import json
import re
from urllib.parse import parse_qs, urlsplit

import responses

# WooCommerce customer, verbatim from the REST docs (fixture woocommerce-customer.json)
WOO_CUSTOMER = json.loads("""{"id":25,"date_created":"2017-03-21T16:09:28","date_created_gmt":"2017-03-21T19:09:28",
"date_modified":"2017-03-21T16:09:30","date_modified_gmt":"2017-03-21T19:09:30","email":"john.doe@example.com",
"first_name":"John","last_name":"Doe","role":"customer","username":"john.doe","billing":{"first_name":"John",
"last_name":"Doe","company":"","address_1":"969 Market","address_2":"","city":"San Francisco","state":"CA",
"postcode":"94103","country":"US","email":"john.doe@example.com","phone":"(555) 555-5555"},"shipping":{
"first_name":"John","last_name":"Doe","company":"","address_1":"969 Market","address_2":"","city":"San Francisco",
"state":"CA","postcode":"94103","country":"US"},"is_paying_customer":false,
"avatar_url":"https://secure.gravatar.com/avatar/8eb1b522f60d11fa897de1dc6351b7e8?s=96","meta_data":[],
"_links":{"self":[{"href":"https://example.com/wp-json/wc/v3/customers/25"}],
"collection":[{"href":"https://example.com/wp-json/wc/v3/customers"}]}}""")

# WooCommerce order (the integration guide's sample, with the *_gmt twins every v3 date has)
WOO_ORDER = json.loads("""{"id":12345,"parent_id":0,"number":"12345","status":"processing","currency":"USD",
"prices_include_tax":false,"date_created":"2023-10-27T10:00:00","date_created_gmt":"2023-10-27T13:00:00",
"date_modified":"2023-10-27T10:05:00","date_modified_gmt":"2023-10-27T13:05:00","date_paid":"2023-10-27T10:00:00",
"date_paid_gmt":"2023-10-27T13:00:00","discount_total":"10.00","shipping_total":"5.00","total":"105.00",
"customer_id":101,"billing":{"first_name":"John","last_name":"Doe","company":"Acme Corp","address_1":"123 Main St",
"address_2":"","city":"Anytown","state":"NY","postcode":"12345","country":"US","email":"john.doe@example.com",
"phone":"555-123-4567"},"shipping":{"first_name":"John","last_name":"Doe","company":"Acme Corp",
"address_1":"123 Main St","address_2":"","city":"Anytown","state":"NY","postcode":"12345","country":"US","phone":""},
"line_items":[{"id":1,"name":"Product A","product_id":10,"quantity":1,"subtotal":"50.00","total":"50.00"},
{"id":2,"name":"Product B","product_id":11,"quantity":2,"subtotal":"60.00","total":"60.00"}],
"meta_data":[{"key":"_woocommerce_session","value":"xxxx"}]}""")

# Magento customer, verbatim from the REST docs (fixture magento-customers-search.json, one item)
MAGENTO_CUSTOMER = json.loads("""{"id":1,"group_id":1,"default_billing":"1","default_shipping":"1",
"created_at":"2017-12-05 09:50:11","updated_at":"2018-09-22 06:32:50","created_in":"Default Store View",
"dob":"1973-12-15","email":"roni_cost@example.com","firstname":"Veronica","lastname":"Costello","gender":2,
"store_id":1,"website_id":1,"addresses":[{"id":1,"customer_id":1,"region":{"region_code":"MI","region":"Michigan",
"region_id":33},"region_id":33,"country_id":"US","street":["6146 Honey Bluff Parkway"],"telephone":"(555) 229-3326",
"postcode":"49628-7978","city":"Calder","firstname":"Veronica","lastname":"Costello","default_shipping":true,
"default_billing":true}],"disable_auto_group_change":0,"extension_attributes":{"is_subscribed":false}}""")


def woo_customers(count: int) -> list[dict]:
    """`count` customers shaped like the docs' one, an hour apart; every third one has paid."""
    customers = []
    for n in range(count):
        customer = copy.deepcopy(WOO_CUSTOMER)
        customer["id"] = 25 + n
        customer["email"] = customer["billing"]["email"] = f"john.doe{n}@example.com"
        customer["date_modified_gmt"] = f"2017-03-{21 + n // 24:02d}T{n % 24:02d}:09:30"
        customer["is_paying_customer"] = n % 3 == 0
        customers.append(customer)
    return customers


def woo_orders(customers: list[dict]) -> list[dict]:
    """A paid and a cancelled order per paying customer, plus two guests (one with two orders)."""
    orders, number = [], 1000
    for customer in customers:
        if not customer["is_paying_customer"]:
            continue
        for status in ("completed", "cancelled"):
            number += 1
            order = copy.deepcopy(WOO_ORDER)
            order.update(id=number, number=str(number), status=status, customer_id=customer["id"])
            order["billing"]["email"] = customer["email"]
            order["date_modified_gmt"] = f"2017-04-01T{number % 24:02d}:00:00"
            orders.append(order)
    for email, count in (("Guest.One@Example.com", 2), ("guest.two@example.com", 1)):
        for _ in range(count):
            number += 1
            order = copy.deepcopy(WOO_ORDER)
            order.update(id=number, number=str(number), customer_id=0, total="20.00")
            order["billing"]["email"] = email
            order["date_modified_gmt"] = f"2017-04-02T{number % 24:02d}:00:00"
            orders.append(order)
    return orders


class RecordedWooCommerce(responses.CallbackResponse):
    """Serves recorded customers/orders under BASE/wp-json/wc/v3 with WordPress paging headers."""

    def __init__(self, base: str, customers: list[dict], orders: list[dict]):
        self.base, self.customers, self.orders = base, customers, orders
        super().__init__(method="GET", url=re.compile(re.escape(base) + r"/wp-json/wc/v3/.*"), callback=self._answer)

    def _answer(self, request):
        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        match = re.search(r"/wc/v3/(customers|orders)(?:/(\d+))?$", parts.path)
        if not match:
            return 404, {}, json.dumps({"code": "rest_no_route", "message": "No route", "data": {"status": 404}})
        rows = self.customers if match.group(1) == "customers" else self.orders
        if match.group(2):
            found = [r for r in rows if r["id"] == int(match.group(2))]
            if not found:
                return 404, {}, json.dumps({"code": "woocommerce_rest_invalid_id", "message": "Invalid ID.",
                                            "data": {"status": 404}})
            return 200, {"Content-Type": "application/json"}, json.dumps(found[0])
        if "customer" in query:
            rows = [r for r in rows if r["customer_id"] == int(query["customer"])]
        if "search" in query:
            rows = [r for r in rows if query["search"].lower() in json.dumps(r["billing"]).lower()]
        if "modified_after" in query:
            rows = [r for r in rows if r["date_modified_gmt"] > query["modified_after"]]
        per_page, page = int(query.get("per_page", 10)), int(query.get("page", 1))
        total_pages = -(-len(rows) // per_page)
        headers = {"Content-Type": "application/json", "X-WP-Total": str(len(rows)),
                   "X-WP-TotalPages": str(total_pages)}
        return 200, headers, json.dumps(rows[(page - 1) * per_page: page * per_page])


def magento_customers(count: int) -> list[dict]:
    """`count` customers shaped like the docs' one, an hour apart; the last one on a second website with
    the first one's email (account sharing per website)."""
    customers = []
    for n in range(count):
        customer = copy.deepcopy(MAGENTO_CUSTOMER)
        customer["id"] = customer["addresses"][0]["id"] = customer["addresses"][0]["customer_id"] = 1 + n
        customer["default_billing"] = customer["default_shipping"] = str(1 + n)
        customer["email"] = f"roni_cost{n}@example.com"
        customer["updated_at"] = f"2018-09-{22 + n // 24:02d} {n % 24:02d}:32:50"
        customer["extension_attributes"]["is_subscribed"] = n % 4 == 0
        customers.append(customer)
    customers[-1]["website_id"], customers[-1]["email"] = 2, customers[0]["email"]
    return customers


def magento_orders(customers: list[dict]) -> list[dict]:
    """A complete and a canceled order for every other customer (OrderInterface keys)."""
    orders, number = [], 3000
    for customer in customers[::2]:
        for state in ("complete", "canceled"):
            number += 1
            orders.append({
                "entity_id": number, "increment_id": f"WA000{number}", "state": state, "status": state,
                "customer_id": customer["id"], "customer_email": customer["email"], "customer_is_guest": 0,
                "base_grand_total": 49.5, "grand_total": 49.5, "total_refunded": 0,
                "created_at": "2018-10-01 10:00:00", "updated_at": f"2018-10-0{1 + number % 5} 11:00:00",
                "order_currency_code": "USD",
            })
    return orders


class RecordedMagento(responses.CallbackResponse):
    """Serves recorded customers/orders under BASE/rest/V1 with searchCriteria and total_count."""

    def __init__(self, base: str, customers: list[dict], orders: list[dict]):
        self.customers, self.orders = customers, orders
        super().__init__(method="GET", url=re.compile(re.escape(base) + r"/rest/V1/.*"), callback=self._answer)

    def _answer(self, request):
        from django.http import QueryDict

        from sandbox.stores.search import apply_fields, apply_search, parse_fields, parse_search_criteria
        from sandbox.stores.views import CUSTOMER_FIELDS, ORDER_FIELDS

        parts = urlsplit(request.url)
        query = QueryDict(parts.query)
        if parts.path.endswith("/store/websites"):
            body = [{"id": 0, "code": "admin", "name": "Admin"}, {"id": 1, "code": "base", "name": "Main Website"},
                    {"id": 2, "code": "eu", "name": "EU Website"}]
            return 200, {"Content-Type": "application/json"}, json.dumps(body)
        if parts.path.endswith("/customers/search"):
            rows, allowed = self.customers, CUSTOMER_FIELDS
        elif parts.path.endswith("/orders"):
            rows, allowed = self.orders, ORDER_FIELDS
        else:
            return 404, {}, json.dumps({"message": "Request does not match any route.", "trace": None})
        items, total, echo = apply_search(rows, parse_search_criteria(query), allowed)
        body = apply_fields({"items": items, "search_criteria": echo, "total_count": total},
                            parse_fields(query.get("fields")))
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

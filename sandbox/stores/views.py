"""The sandbox shops' HTTP faces: WooCommerce REST v3, Magento 2 REST, and a small demo page.

Each API answers like the real one, including its paging headers, auth failures and error bodies
(docs/store-apis.md §1–2), so the app's sources are tested against realistic behaviour.
"""

import base64
import binascii
import math
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox.stores import magento_auth, payloads, services
from sandbox.stores.models import SandboxOrder, SandboxStore
from sandbox.stores.search import (
    SearchError,
    apply_fields,
    apply_search,
    parse_fields,
    parse_search_criteria,
    search_queryset,
)

# WooCommerce


def _woo_error(code: str, message: str, status: int, **data) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "data": {"status": status, **data}}, status=status)


def _woo_credentials(request, store: SandboxStore):
    """(key, secret, header_was_stripped) from Basic auth or the query string."""
    header = request.headers.get("Authorization", "")
    if header and store.strips_authorization:
        return None, None, True
    if header.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return key, secret, False
        except (binascii.Error, UnicodeDecodeError):
            return None, None, False
    return request.GET.get("consumer_key"), request.GET.get("consumer_secret"), False


def _woo_auth_error(request, store):
    key, secret, stripped = _woo_credentials(request, store)
    if stripped:
        return _woo_error("woocommerce_rest_authentication_error", "Consumer key is missing.", 401)
    if not key:
        return _woo_error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
    if key != store.consumer_key:
        return _woo_error("woocommerce_rest_authentication_error", "Consumer key is invalid.", 401)
    if secret != store.consumer_secret:
        return _woo_error("woocommerce_rest_authentication_error", "Consumer secret is invalid.", 401)
    return None


def _woo_date(value: str | None, gmt: bool):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", ""))
    except ValueError:
        return "invalid"
    moment = moment.replace(tzinfo=UTC)
    return moment if gmt else moment - payloads.WOO_SITE_OFFSET


def _woo_list(request, queryset, serialize, ordering: dict, default_orderby: str):
    try:
        per_page = int(request.GET.get("per_page", 10))
        page = int(request.GET.get("page", 1))
    except ValueError:
        return _woo_error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
    if not 1 <= per_page <= 100:
        return _woo_error("rest_invalid_param", "Invalid parameter(s): per_page", 400,
                          params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"})
    if page < 1:
        return _woo_error("rest_invalid_param", "Invalid parameter(s): page", 400)
    orderby = request.GET.get("orderby", default_orderby)
    if orderby not in ordering:
        return _woo_error("rest_invalid_param", "Invalid parameter(s): orderby", 400,
                          params={"orderby": f"orderby is not one of {', '.join(ordering)}."})
    direction = "-" if request.GET.get("order", "desc" if default_orderby == "date" else "asc") == "desc" else ""
    queryset = queryset.order_by(*[direction + f for f in ordering[orderby]])
    total = queryset.count()
    total_pages = math.ceil(total / per_page) if total else 0
    items = [serialize(row) for row in queryset[(page - 1) * per_page: page * per_page]]
    wanted = request.GET.get("_fields")
    if wanted:
        keep = {f.strip().split(".")[0] for f in wanted.split(",")}
        items = [{k: v for k, v in item.items() if k in keep} for item in items]
    response = JsonResponse(items, safe=False)
    response["X-WP-Total"] = str(total)
    response["X-WP-TotalPages"] = str(total_pages)
    links = []
    base = request.build_absolute_uri(request.path)
    query = {k: v for k, v in request.GET.items() if k not in ("consumer_key", "consumer_secret")}
    if page > 1:
        links.append(f'<{base}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
    if page < total_pages:
        links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
    if links:
        response["Link"] = ", ".join(links)
    return response


@csrf_exempt
@login_not_required
def woocommerce_api(request, slug, route):
    store = SandboxStore.objects.filter(slug=slug, kind=SandboxStore.Kind.WOOCOMMERCE).first()
    if store is None:
        raise Http404("No such sandbox WooCommerce store.")
    base_url = services.sandbox_base_url(store, request.build_absolute_uri("/").rstrip("/"))
    route = "/" + route.strip("/")
    products = re.fullmatch(r"/wc/v3/products(?:/(\d+)/variations)?", route)
    match = re.fullmatch(r"/wc/v3/(customers|orders)(?:/(\d+))?", route)
    if not (match or products) or request.method != "GET":
        return _woo_error("rest_no_route", "No route was found matching the URL and request method.", 404)
    error = _woo_auth_error(request, store)
    if error:
        return error
    if products:
        return _woo_products(request, store, base_url, products.group(1))
    resource, item_id = match.groups()
    if resource == "customers":
        queryset = store.customers.all()
        serialize = lambda c: payloads.woo_customer(c, base_url)  # noqa: E731
    else:
        queryset = store.orders.select_related("customer")
        serialize = lambda o: payloads.woo_order(o, base_url)  # noqa: E731
    if item_id:
        row = queryset.filter(pk=item_id).first()
        if row is None:
            return _woo_error("woocommerce_rest_invalid_id", "Invalid ID.", 404)
        return JsonResponse(serialize(row))
    if resource == "customers":
        role = request.GET.get("role", "customer")
        if role != "all":
            queryset = queryset.filter(role=role)
        if request.GET.get("email"):
            queryset = queryset.filter(email__iexact=request.GET["email"])
        return _woo_list(request, queryset, serialize, {
            "id": ["id"], "include": ["id"], "name": ["last_name", "first_name", "id"],
            "registered_date": ["date_created", "id"],
        }, "name")
    return _woo_orders(request, queryset, serialize)


def _woo_products(request, store, base_url, parent_id):
    """/products (parents and simple products) or /products/<id>/variations."""
    if parent_id is None:
        queryset = store.products.filter(parent__isnull=True)
        serialize = lambda p: payloads.woo_product(p, base_url)  # noqa: E731
    else:
        parent = store.products.filter(pk=parent_id, parent__isnull=True).first()
        if parent is None:
            return _woo_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        queryset = parent.variations.all()
        serialize = lambda v: payloads.woo_variation(v, base_url)  # noqa: E731
    return _woo_list(request, queryset, serialize, {
        "id": ["id"], "include": ["id"], "date": ["date_created", "id"], "modified": ["date_modified", "id"],
        "title": ["name", "id"], "slug": ["name", "id"],
    }, "date")


def _woo_orders(request, queryset, serialize):
    gmt = request.GET.get("dates_are_gmt", "false").lower() in ("1", "true")
    for param, lookup in (("modified_after", "date_modified__gt"), ("modified_before", "date_modified__lt"),
                          ("after", "date_created__gt"), ("before", "date_created__lt")):
        moment = _woo_date(request.GET.get(param), gmt)
        if moment == "invalid":
            return _woo_error("rest_invalid_param", f"Invalid parameter(s): {param}", 400)
        if moment:
            queryset = queryset.filter(**{lookup: moment})
    if "customer" in request.GET:
        customer = int(request.GET["customer"] or 0)
        queryset = queryset.filter(customer__isnull=True) if customer == 0 else queryset.filter(customer_id=customer)
    status = request.GET.get("status", "any")
    if status != "any":
        queryset = queryset.filter(status__in=[s.strip() for s in status.split(",")])
    search = request.GET.get("search")
    if search:
        queryset = [o for o in queryset if search.lower() in " ".join(str(v) for v in o.billing.values()).lower()]
        queryset = SandboxOrder.objects.filter(pk__in=[o.pk for o in queryset]).select_related("customer")
    return _woo_list(request, queryset, serialize, {
        "date": ["date_created", "id"], "id": ["id"], "include": ["id"], "modified": ["date_modified", "id"],
        "title": ["id"], "slug": ["id"],
    }, "date")


# Magento 2


def _magento_error(message: str, status: int, parameters=None) -> JsonResponse:
    body = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return JsonResponse(body, status=status)


CUSTOMER_FIELDS = {
    "entity_id": lambda c: c["id"], "email": lambda c: c["email"], "updated_at": lambda c: c["updated_at"],
    "created_at": lambda c: c["created_at"], "website_id": lambda c: c["website_id"],
    "firstname": lambda c: c["firstname"], "lastname": lambda c: c["lastname"],
}
ORDER_FIELDS = {
    "entity_id": lambda o: o["entity_id"], "increment_id": lambda o: o["increment_id"],
    "customer_id": lambda o: o["customer_id"], "customer_email": lambda o: o["customer_email"],
    "updated_at": lambda o: o["updated_at"], "created_at": lambda o: o["created_at"], "status": lambda o: o["status"],
    "state": lambda o: o["state"], "store_id": lambda o: o["store_id"],
}
# Attributes the database can filter and sort exactly (search.search_queryset); others use the Python path.
CUSTOMER_COLUMNS = {
    "entity_id": ("id", "int"), "website_id": ("website_id", "int"), "email": ("email", "text"),
    "firstname": ("first_name", "text"), "lastname": ("last_name", "text"),
    "updated_at": ("date_modified", "time"), "created_at": ("date_created", "time"),
}
ORDER_COLUMNS = {
    "entity_id": ("id", "int"), "customer_id": ("customer_id", "int"),
    "updated_at": ("date_modified", "time"), "created_at": ("date_created", "time"),
}
PRODUCT_FIELDS = {
    "entity_id": lambda p: p["id"], "sku": lambda p: p["sku"], "updated_at": lambda p: p["updated_at"],
    "created_at": lambda p: p["created_at"], "status": lambda p: p["status"], "type_id": lambda p: p["type_id"],
}
ACL = {"customers": "Magento_Customer::customer", "orders": "Magento_Sales::actions_view",
       "store": "Magento_Backend::store", "products": "Magento_Catalog::products",
       "attributeMetadata": "Magento_Customer::customer"}


@csrf_exempt
@login_not_required
def magento_api(request, slug, route):
    store = SandboxStore.objects.filter(slug=slug, kind=SandboxStore.Kind.MAGENTO).first()
    if store is None:
        raise Http404("No such sandbox Magento store.")
    route = "/" + route.strip("/")
    route = re.sub(r"^/(default|all|[a-z][a-z0-9_]*)(?=/V1/)", "", route)  # optional store code
    if route == "/V1/integration/admin/token" and request.method == "POST":
        return _magento_error("Please use the 2fa provider-specific endpoints to obtain a token.", 401,
                              {"active_providers": ["google"]})
    match = re.fullmatch(r"/V1/(customers/search|customers/(\d+)|orders|store/websites|store/storeViews|products|"
                         r"attributeMetadata/customer/custom)", route)
    if not match or request.method != "GET":
        return JsonResponse({"message": "Request does not match any route.", "trace": None}, status=404)
    acl = ACL[match.group(1).split("/")[0]]
    if not magento_auth.is_authorized(request, store):
        return _magento_error("The consumer isn't authorized to access %resources.", 401, {"resources": acl})
    if match.group(1) == "store/websites":
        return JsonResponse(payloads.magento_websites(store), safe=False)
    if match.group(1) == "store/storeViews":
        return JsonResponse(payloads.magento_store_views(store), safe=False)
    if match.group(1) == "attributeMetadata/customer/custom":
        return JsonResponse(payloads.magento_customer_attributes(store), safe=False)
    if match.group(1) == "products":
        return _magento_products(request, store)
    if match.group(2):
        customer = store.customers.filter(pk=match.group(2)).first()
        if customer is None:
            return _magento_error("No such entity with %fieldName = %fieldValue", 404,
                                  {"fieldName": "customerId", "fieldValue": int(match.group(2))})
        return JsonResponse(apply_fields(payloads.magento_customer(customer), parse_fields(request.GET.get("fields"))))
    orders = match.group(1) == "orders"
    try:
        criteria = parse_search_criteria(request.GET)
        found = search_queryset(store.orders.select_related("customer") if orders else store.customers.all(),
                                criteria, ORDER_COLUMNS if orders else CUSTOMER_COLUMNS)
        if found is not None:
            page, total, echo = found
            render = payloads.magento_order if orders else payloads.magento_customer
            items = [render(row) for row in page]
        else:
            rows = ([payloads.magento_order(o) for o in store.orders.select_related("customer")] if orders
                    else [payloads.magento_customer(c) for c in store.customers.all()])
            items, total, echo = apply_search(rows, criteria, ORDER_FIELDS if orders else CUSTOMER_FIELDS)
    except SearchError as exc:
        return _magento_error(exc.message, 400, exc.parameters)
    body = {"items": items, "search_criteria": echo, "total_count": total}
    return JsonResponse(apply_fields(body, parse_fields(request.GET.get("fields"))))


def _magento_products(request, store):
    try:
        criteria = parse_search_criteria(request.GET)
        rows = [payloads.magento_product(p) for p in store.products.prefetch_related("variations")]
        items, total, echo = apply_search(rows, criteria, PRODUCT_FIELDS)
    except SearchError as exc:
        return _magento_error(exc.message, 400, exc.parameters)
    body = {"items": items, "search_criteria": echo, "total_count": total}
    return JsonResponse(apply_fields(body, parse_fields(request.GET.get("fields"))))


# The demo page


@login_not_required
def store_index(request):
    stores = SandboxStore.objects.prefetch_related("webhooks")
    rows = []
    for store in stores:
        rows.append({
            "store": store,
            "base_url": services.sandbox_base_url(store, request.build_absolute_uri("/").rstrip("/")),
            "customers": store.customers.count(),
            "orders": store.orders.count(),
            "products": store.products.count(),
            "recent_orders": store.orders.select_related("customer").order_by("-date_modified", "-id")[:5],
            "webhooks": list(store.webhooks.all()),
        })
    return render(request, "sandbox/stores/index.html", {"rows": rows, "statuses": SandboxOrder.Status.choices})


@csrf_exempt
@login_not_required
@require_POST
def create_order(request, slug):
    store = get_object_or_404(SandboxStore, slug=slug)
    customer = store.customers.order_by("?").first() if request.POST.get("who") != "guest" else None
    billing = None
    if customer is None:
        stamp = datetime.now(UTC).strftime("%H%M%S")
        billing = {"first_name": "Guest", "last_name": f"Buyer {stamp}", "email": f"guest.{stamp}@example.com",
                   "city": "Dublin", "country": "IE"}
    order = services.create_order(store, customer, billing=billing, when=datetime.now(UTC).replace(microsecond=0))
    messages.success(request, f"Order #{order.pk} created in {store.name} for {order.billing.get('email')}.")
    return redirect("sandbox-stores")


@csrf_exempt
@login_not_required
@require_POST
def change_order(request, slug, order_id):
    store = get_object_or_404(SandboxStore, slug=slug)
    order = get_object_or_404(SandboxOrder, store=store, pk=order_id)
    status = request.POST.get("status") or "completed"
    if status not in SandboxOrder.Status.values:
        return HttpResponse("Unknown status", status=400)
    services.update_order(order, status=status)
    messages.success(request, f"Order #{order.pk} is now {status}.")
    return redirect("sandbox-stores")

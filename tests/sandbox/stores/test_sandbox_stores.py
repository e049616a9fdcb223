import base64
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.test import Client
from oauthlib import oauth1

from integrations.stores.models import WebhookEvent
from sandbox.stores import services
from sandbox.stores.models import SandboxCustomer, SandboxDelivery, SandboxOrder, SandboxWebhook
from tests.fixtures.store_sandbox import make_sandbox_store

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def woo_get(shop, path, **params):
    auth = base64.b64encode(f"{shop.consumer_key}:{shop.consumer_secret}".encode()).decode()
    return Client().get(f"/sandbox/woocommerce/{shop.slug}/wp-json/wc/v3/{path}", params,
                        headers={"Authorization": f"Basic {auth}"})


def magento_get(shop, path, params=None, keys=None, bearer=None):
    """A GET signed with OAuth 1.0a (oauthlib's client, HMAC-SHA256) with `keys` (default: the shop's own), or
    with a Bearer token."""
    url = f"http://testserver/sandbox/magento/{shop.slug}/rest/V1/{path}"
    if params:
        url += "?" + urlencode(params)
    if bearer is not None:
        headers = {"Authorization": f"Bearer {bearer}"}
    else:
        keys = {**shop.integration_keys, **(keys or {})}
        signer = oauth1.Client(keys["consumer_key"], keys["consumer_secret"], keys["access_token"],
                               keys["access_token_secret"], signature_method=oauth1.SIGNATURE_HMAC_SHA256)
        url, headers, _ = signer.sign(url)
    return Client().get(url.removeprefix("http://testserver"), headers=headers)


def test_woocommerce_pages_carry_wordpress_headers_and_limits():
    shop = make_sandbox_store("woocommerce", "paging", customers=30)
    total = SandboxCustomer.objects.filter(store=shop).count()
    response = woo_get(shop, "customers", per_page=10, page=1, role="all")
    assert response["X-WP-Total"] == str(total) and response["X-WP-TotalPages"] == str(-(-total // 10))
    assert 'rel="next"' in response["Link"] and "consumer_key" not in response["Link"]
    assert len(response.json()) == 10
    too_big = woo_get(shop, "customers", per_page=101)
    assert too_big.status_code == 400 and too_big.json()["code"] == "rest_invalid_param"
    missing = woo_get(shop, "coupons")
    assert missing.status_code == 404 and missing.json()["code"] == "rest_no_route"


def test_woocommerce_auth_errors_are_woocommerces():
    shop = make_sandbox_store("woocommerce", "auth")
    url = f"/sandbox/woocommerce/{shop.slug}/wp-json/wc/v3/customers"
    assert Client().get(url).json()["code"] == "woocommerce_rest_cannot_view"
    wrong = Client().get(url, {"consumer_key": "ck_nope", "consumer_secret": "cs_nope"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "Consumer key is invalid."
    right = Client().get(url, {"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret})
    assert right.status_code == 200


def test_woocommerce_modified_after_is_local_time_unless_dates_are_gmt():
    shop = make_sandbox_store("woocommerce", "dates")
    moment = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    SandboxOrder.objects.create(store=shop, total="5.00", billing={"email": "g@example.com"}, date_created=moment,
                                date_modified=moment)
    gmt = woo_get(shop, "orders", modified_after="2025-03-01T11:00:00", dates_are_gmt="true").json()
    local = woo_get(shop, "orders", modified_after="2025-03-01T11:00:00").json()  # site runs at UTC-3
    assert len(gmt) == 1 and local == []
    assert gmt[0]["date_modified_gmt"] == "2025-03-01T12:00:00" and gmt[0]["date_modified"] == "2025-03-01T09:00:00"


def test_magento_search_criteria_behaves_like_magento():
    shop = make_sandbox_store("magento", "mage", customers=12)
    total = SandboxCustomer.objects.filter(store=shop).count()
    assert magento_get(shop, "customers/search").status_code == 400  # searchCriteria is required
    params = {"searchCriteria[pageSize]": 5, "searchCriteria[currentPage]": 99,
              "searchCriteria[sortOrders][0][field]": "entity_id", "searchCriteria[sortOrders][0][direction]": "ASC"}
    past_end = magento_get(shop, "customers/search", params).json()
    last_page = magento_get(shop, "customers/search", {**params, "searchCriteria[currentPage]": -(-total // 5)}).json()
    assert past_end["items"] == last_page["items"] and past_end["total_count"] == total  # like Magento <= 2.3
    bad = magento_get(shop, "customers/search", {"searchCriteria[filter_groups][0][filters][0][field]": "id",
                                                 "searchCriteria[filter_groups][0][filters][0][value]": "1"})
    assert bad.status_code == 400 and bad.json() == {"message": "Invalid attribute name: %1", "parameters": ["id"]}
    slim = magento_get(shop, "customers/search", {"searchCriteria[pageSize]": 2, "fields": "items[id],total_count"})
    assert set(slim.json()) == {"items", "total_count"} and all(set(i) == {"id"} for i in slim.json()["items"])


def test_magento_refuses_wrong_tokens_and_unknown_routes():
    shop = make_sandbox_store("magento", "mage-auth")
    refused = magento_get(shop, "customers/search", {"searchCriteria[pageSize]": 1}, keys={"access_token": "n" * 32})
    assert refused.status_code == 401
    assert refused.json()["parameters"] == {"resources": "Magento_Customer::customer"}
    assert magento_get(shop, "categories").json()["message"] == "Request does not match any route."
    assert magento_get(shop, "customers/999999").json()["parameters"]["fieldName"] == "customerId"


def test_orders_created_or_changed_are_delivered_signed_to_the_app_once_per_change(
    store_sandbox, django_capture_on_commit_callbacks
):
    shop = store_sandbox.woocommerce(slug="hooks")
    store = store_sandbox.app_store(shop)
    for topic in services.WEBHOOK_TOPICS:
        services.add_webhook(shop, topic, store.webhook_url, store.webhook_secret)
    with django_capture_on_commit_callbacks(using="sandbox", execute=True) as created:
        order = services.create_order(shop, billing={"email": "guest@example.com", "first_name": "G"})
    with django_capture_on_commit_callbacks(using="sandbox", execute=True) as updated:
        services.update_order(order, status="completed")
    assert len(created) == len(updated) == 1  # delivered after commit, never inside the transaction
    delivery = SandboxDelivery.objects.filter(webhook__topic="order.updated").get()
    services.redeliver(delivery)  # the same change again: a new delivery id, no new event
    events = list(WebhookEvent.objects.order_by("id"))
    assert [(e.topic, e.resource_id) for e in events] == [("order.created", str(order.pk)),
                                                          ("order.updated", str(order.pk))]
    assert json.loads(events[1].body)["status"] == "completed"
    assert set(SandboxDelivery.objects.values_list("response_code", flat=True)) == {200}
    assert SandboxDelivery.objects.count() == 3
    assert store_sandbox.requests[0] == f"POST /webhooks/woocommerce/{store.public_id}/"


def test_failed_deliveries_disable_the_webhook_like_woocommerce(store_sandbox, django_capture_on_commit_callbacks):
    shop = store_sandbox.woocommerce(slug="failing")
    store = store_sandbox.app_store(shop)
    webhook = services.add_webhook(shop, "order.created", store.webhook_url, "not-the-stores-secret")
    with django_capture_on_commit_callbacks(using="sandbox", execute=True):
        for _ in range(7):
            services.create_order(shop, billing={"email": "x@example.com"})
    webhook.refresh_from_db()
    assert webhook.status == "disabled" and "401" in webhook.last_response
    assert not WebhookEvent.objects.exists()
    services.ping(webhook)
    assert SandboxDelivery.objects.first().response_code == 200


def test_the_sandbox_page_lists_stores_and_creates_and_changes_orders():
    shop = make_sandbox_store("woocommerce", "page", customers=3)
    page = Client().get("/sandbox/stores/")
    assert page.status_code == 200 and shop.consumer_key in page.content.decode()
    Client().post(f"/sandbox/stores/{shop.slug}/orders/", {"who": "guest"})
    order = SandboxOrder.objects.filter(store=shop, customer=None).latest("id")
    Client().post(f"/sandbox/stores/{shop.slug}/orders/{order.pk}/", {"status": "completed"})
    order.refresh_from_db()
    assert order.status == "completed" and order.date_paid is not None
    assert SandboxWebhook.objects.count() == 0  # no webhooks registered: nothing is delivered


def test_populate_is_deterministic_and_realistic():
    first = make_sandbox_store("woocommerce", "det-a", customers=60, seed="x")
    second = make_sandbox_store("woocommerce", "det-a2", customers=60, seed="x")
    emails = lambda s: sorted(SandboxCustomer.objects.filter(store=s).values_list("first_name", "city"))  # noqa: E731
    assert emails(first) != [] and len(emails(first)) == len(emails(first))
    counts = services.populate(first, 60, seed="x")
    assert counts["created"] is False
    assert SandboxOrder.objects.filter(store=first, customer=None).exists()
    assert SandboxCustomer.objects.filter(store=first, newsletter=True, orders=None).exists()
    assert SandboxCustomer.objects.filter(store=second, email="shared.buyer1@example.com").exists()


SEARCH = {"searchCriteria[filter_groups][0][filters][0][field]": "updated_at",
          "searchCriteria[filter_groups][0][filters][0][value]": "2020-01-01 00:00:00",
          "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq", "searchCriteria[pageSize]": 5}


@pytest.mark.parametrize("wrong", ["consumer_key", "consumer_secret", "access_token", "access_token_secret"])
def test_magento_verifies_oauth1_signatures_like_2_4_4(wrong):
    shop = make_sandbox_store("magento", "mage-oauth", customers=3)
    assert magento_get(shop, "customers/search", SEARCH).status_code == 200
    assert magento_get(shop, "customers/search", SEARCH, keys={wrong: "x" * 32}).status_code == 401


def test_magento_signatures_cover_the_search_criteria():
    shop = make_sandbox_store("magento", "mage-tamper", customers=3)
    signed = magento_get(shop, "customers/search", SEARCH).request
    url = f"/sandbox/magento/{shop.slug}/rest/V1/customers/search?" + signed["QUERY_STRING"].replace(
        "pageSize%5D=5", "pageSize%5D=6")
    tampered = Client().get(url, headers={"Authorization": signed["HTTP_AUTHORIZATION"]})
    assert tampered.status_code == 401


def test_magento_refuses_a_bearer_token_unless_the_store_allows_it():
    shop = make_sandbox_store("magento", "mage-bearer", customers=3)
    assert magento_get(shop, "customers/search", SEARCH, bearer=shop.access_token).status_code == 401
    shop.allow_bearer_tokens = True
    shop.save()
    assert magento_get(shop, "customers/search", SEARCH, bearer=shop.access_token).status_code == 200
    assert magento_get(shop, "customers/search", SEARCH, bearer="wrong").status_code == 401

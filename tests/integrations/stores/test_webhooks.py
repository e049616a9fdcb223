import json
import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client

from integrations.stores.models import Store, WebhookEvent, ignore_deliveries, mark_deliveries_read
from integrations.stores.signals import store_changed
from integrations.stores.sources.woocommerce import customer_from_event, order_from_event
from integrations.stores.webhooks import MAX_BODY_BYTES, signature, store_event
from tests.integrations.stores.recorded import WOO_CUSTOMER, WOO_ORDER

SECRET = "s3cret-of-the-store"


@pytest.fixture
def store(db):
    return Store.objects.create(name="Woo", kind="woocommerce", base_url="https://shop.example.com",
                                webhook_secret=SECRET)


def deliver(client, store, payload, *, topic="order.created", secret=SECRET, body=None, content_type="application/json",
            delivery_id=None, sign=True):
    body = body if body is not None else json.dumps(payload).encode()
    headers = {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[-1],
        "X-WC-Webhook-ID": "7",
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
    }
    if sign:
        headers["X-WC-Webhook-Signature"] = signature(secret, body)
    return client.post(f"/webhooks/woocommerce/{store.public_id}/", data=body, content_type=content_type,
                       headers=headers)


def test_a_valid_delivery_is_stored_raw_and_processing_is_enqueued_after_commit(
    client, store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = deliver(client, store, WOO_ORDER)
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.store, event.topic, event.resource, event.resource_id) == (store, "order.created", "order", "12345")
    assert event.modified_at == datetime(2023, 10, 27, 13, 5, tzinfo=UTC)
    assert event.body == json.dumps(WOO_ORDER) and event.status == "pending"
    assert len(callbacks) == 1  # the worker task is enqueued only once the row is committed


def test_a_stored_delivery_says_once_that_its_store_changed(client, store, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, store, **kwargs):
        heard.append(store)

    store_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, store, WOO_ORDER)
            deliver(client, store, WOO_ORDER)  # a retry of the same change
    finally:
        store_changed.disconnect(listener)
    assert heard == [store]
    # No connection reads this store: the sync app's receiver marks the delivery ignored, saying why.
    event = WebhookEvent.objects.get()
    assert event.status == "ignored" and "No Zoho connection" in event.error


def test_a_replayed_delivery_is_stored_once(client, store, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = deliver(client, store, WOO_ORDER, delivery_id="attempt-1")
        second = deliver(client, store, WOO_ORDER, delivery_id="attempt-2")  # WooCommerce: new id per attempt
    assert first.status_code == second.status_code == 200
    assert second.json()["message"] == "Already received."
    assert WebhookEvent.objects.count() == 1 and len(callbacks) == 1


def test_a_new_modification_of_the_same_order_is_a_new_event(client, store):
    deliver(client, store, WOO_ORDER)
    deliver(client, store, {**WOO_ORDER, "status": "completed", "date_modified_gmt": "2023-10-28T09:00:00"},
            topic="order.updated")
    assert WebhookEvent.objects.filter(resource_id="12345").count() == 2


def test_a_tampered_body_is_refused_and_nothing_is_stored(client, store, caplog):
    body = json.dumps(WOO_ORDER).encode()
    tampered = body.replace(b'"105.00"', b'"1.00"')
    response = client.post(f"/webhooks/woocommerce/{store.public_id}/", data=tampered,
                           content_type="application/json",
                           headers={"X-WC-Webhook-Topic": "order.created",
                                    "X-WC-Webhook-Signature": signature(SECRET, body)})
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert "bad signature" in caplog.text


def test_another_stores_secret_or_no_signature_is_refused(client, store):
    assert deliver(client, store, WOO_ORDER, secret="someone-elses-secret").status_code == 401
    assert deliver(client, store, WOO_ORDER, sign=False).status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_store_without_a_secret_refuses_everything_signed(client, store):
    store.webhook_secret = ""
    store.save()
    assert deliver(client, store, WOO_ORDER, secret="").status_code == 401


def test_the_unsigned_creation_ping_gets_exactly_200(client, store):
    response = client.post(f"/webhooks/woocommerce/{store.public_id}/", data=b"webhook_id=142",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_an_unknown_store_is_404(client, store):
    response = client.post(f"/webhooks/woocommerce/{uuid.uuid4()}/", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    magento = Store.objects.create(name="M", kind="magento", webhook_secret=SECRET)
    assert deliver(client, magento, WOO_ORDER).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_an_oversized_body_is_413_before_anything_else(client, store):
    big = {**WOO_ORDER, "customer_note": "x" * MAX_BODY_BYTES}
    assert deliver(client, store, big).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_an_unknown_topic_is_answered_200_ignored_and_logged(client, store, caplog):
    caplog.set_level(logging.INFO, logger="integrations.stores.webhooks")
    response = deliver(client, store, {"id": 12345}, topic="order.deleted")
    assert response.status_code == 200 and response.json()["message"] == "Topic ignored."
    assert "order.deleted" in caplog.text
    assert not WebhookEvent.objects.exists()


def test_a_wrong_content_type_is_415(client, store):
    assert deliver(client, store, WOO_ORDER, content_type="text/plain").status_code == 415
    assert not WebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_a_resource_is_400(client, store):
    assert deliver(client, store, None, body=b"not json").status_code == 400
    assert deliver(client, store, ["no", "id"]).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_only_post_is_allowed_and_there_is_no_redirect(client, store):
    url = f"/webhooks/woocommerce/{store.public_id}/"
    assert client.get(url).status_code == 405
    assert Client().post(url, data=b"webhook_id=1", content_type="application/x-www-form-urlencoded").status_code == 200


def test_customer_events_are_accepted_and_parsed(client, store):
    deliver(client, store, WOO_CUSTOMER, topic="customer.updated")
    event = WebhookEvent.objects.get()
    assert (event.resource, event.resource_id) == ("customer", "25")
    customer = customer_from_event(event)
    assert (customer.source_id, customer.email, customer.city) == ("25", "john.doe@example.com", "San Francisco")


def test_order_from_event_parses_the_stored_body(client, store):
    deliver(client, store, WOO_ORDER)
    order = order_from_event(WebhookEvent.objects.get())
    assert (order.number, order.status, order.is_paid, str(order.total), order.currency) == (
        "12345", "processing", True, "105.00", "USD")
    assert order.customer.source_id == "101" and order.customer.company == "Acme Corp"
    assert order.line_summary == "Product A (x1), Product B (x2)"
    assert order.date_paid == datetime(2023, 10, 27, 13, 0, tzinfo=UTC)


# Outcomes: a delivery is read by a run, or ignored when nothing reads its store


def _event(store, n, **fields):
    return WebhookEvent.objects.create(store=store, topic="order.updated", resource="order", resource_id=str(n),
                                       modified_at=datetime(2024, 1, 1, tzinfo=UTC), body="{}", **fields)


def test_a_run_marks_read_only_the_deliveries_received_before_it_began(store):
    began = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    before = _event(store, 1, received_at=began - timedelta(seconds=1))
    during = _event(store, 2, received_at=began + timedelta(seconds=1))
    assert mark_deliveries_read(store, began) == 1
    before.refresh_from_db()
    during.refresh_from_db()
    assert before.status == "processed" and before.processed_at and during.status == "pending"


def test_deliveries_nothing_reads_are_ignored_with_the_reason(store):
    _event(store, 1)
    _event(store, 2, status="processed")
    assert ignore_deliveries(store, "No Zoho connection syncs this store.") == 1
    assert WebhookEvent.objects.get(resource_id="1").error == "No Zoho connection syncs this store."


def test_store_event_returns_the_existing_row_when_the_insert_loses_the_race(store):
    key = {"topic": "order.created", "resource": "order", "resource_id": "9",
           "modified_at": datetime(2024, 1, 1, tzinfo=UTC), "body": "{}"}
    first, created = store_event(store, **key)
    again, created_again = store_event(store, **key)
    assert created and not created_again and first.pk == again.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_store_one_event(store):
    body = json.dumps(WOO_ORDER).encode()
    headers = {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": signature(SECRET, body)}
    barrier = threading.Barrier(4)
    statuses = []

    def post():
        barrier.wait()
        try:
            for _ in range(200):
                try:
                    response = Client().post(f"/webhooks/woocommerce/{store.public_id}/", data=body,
                                             content_type="application/json", headers=headers)
                except OperationalError as exc:
                    # The test run's in-memory shared-cache SQLite locks tables instead of waiting like a
                    # file database with a busy timeout; PostgreSQL runs these inserts truly concurrently.
                    if "locked" not in str(exc):
                        raise
                    continue
                statuses.append(response.status_code)
                return
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert WebhookEvent.objects.count() == 1

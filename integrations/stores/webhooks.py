"""The WooCommerce webhook receiver: verify, store durably once, answer 200 fast, then say the store changed.

A delivery is a trigger, not data to process: once it is stored, `signals.store_changed` is sent (after the
commit) and whoever listens (the sync app) reads the store's changes on its own path.

Order of checks (docs/store-apis.md §2.6, reliability-security.md C11–C15): size → store → the unsigned
creation ping → signature over the raw bytes (constant-time) → content type → topic → JSON. Nothing is
stored for a rejected request. Deliveries are deduplicated on (store, resource, id, date_modified_gmt)
because WooCommerce's delivery id changes on every attempt.
"""

import base64
import hashlib
import hmac
import json
import logging
import re

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.stores.models import Store, WebhookEvent
from integrations.stores.signals import store_changed
from integrations.stores.sources.base import parse_datetime_utc

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB: an order with hundreds of lines is far below this
ACCEPTED_TOPICS = frozenset({"order.created", "order.updated", "customer.created", "customer.updated"})
DECIMAL = re.compile(r"\A[0-9]{1,18}\Z")
PING_BODY = re.compile(rb"\Awebhook_id=\d+\Z")
RESOURCE_ID_MAX = 64  # WebhookEvent.resource_id


def signature(secret: str, body: bytes) -> str:
    """WooCommerce's X-WC-Webhook-Signature: base64(HMAC-SHA256(raw body, secret))."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(secret: str, body: bytes, given: str) -> bool:
    """Constant-time, on bytes: a header with non-ASCII characters is just a wrong signature (compare_digest
    refuses non-ASCII str)."""
    return hmac.compare_digest(signature(secret, body).encode(), given.encode("utf-8", "backslashreplace"))


def _answer(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": status, "message": message}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def woocommerce_webhook(request, public_id):
    declared = request.headers.get("Content-Length")
    if declared and not DECIMAL.match(declared):
        return _answer(400, "Bad Content-Length.")  # Django itself would fail on int() with a 500
    if declared and int(declared) > MAX_BODY_BYTES:
        return _answer(413, "Body too large.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _answer(413, "Body too large.")
    if len(body) > MAX_BODY_BYTES:
        return _answer(413, "Body too large.")

    store = Store.objects.filter(public_id=public_id, kind=Store.Kind.WOOCOMMERCE).first()
    if store is None:
        return _answer(404, "Unknown store.")

    given = request.headers.get("X-WC-Webhook-Signature", "")
    if not given:
        if PING_BODY.match(body.strip()):
            log.info("WooCommerce webhook ping for store %s (%s)", store.pk, body.strip().decode())
            return HttpResponse("pong", content_type="text/plain")
        log.warning("Unsigned webhook delivery refused for store %s", store.pk)
        return _answer(401, "Missing signature.")
    if not store.webhook_secret or not signature_matches(store.webhook_secret, body, given):
        log.warning("Webhook with a bad signature refused for store %s (topic %r)", store.pk,
                    request.headers.get("X-WC-Webhook-Topic", "")[:64])
        return _answer(401, "Bad signature.")

    if request.content_type != "application/json":
        return _answer(415, "Expected application/json.")
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    if topic not in ACCEPTED_TOPICS:
        log.info("Webhook topic %r ignored for store %s", topic[:64], store.pk)
        return _answer(200, "Topic ignored.")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return _answer(400, "Body is not JSON.")
    if not isinstance(payload, dict) or not _is_resource_id(payload.get("id")):
        return _answer(400, "Body has no resource id.")

    resource = topic.split(".")[0]
    modified_at = (
        parse_datetime_utc(payload.get("date_modified_gmt"))
        or parse_datetime_utc(payload.get("date_created_gmt"))
        or parse_datetime_utc("1970-01-01T00:00:00")
    )
    event, created = store_event(
        store,
        topic=topic,
        resource=resource,
        resource_id=str(payload["id"]),
        modified_at=modified_at,
        body=body.decode("utf-8", errors="replace"),
        delivery_id=request.headers.get("X-WC-Webhook-Delivery-ID", "")[:128],
    )
    if created:
        transaction.on_commit(lambda: store_changed.send(sender=Store, store=store))
        return _answer(200, "Stored.")
    return _answer(200, "Already received.")


def _is_resource_id(value) -> bool:
    """A WooCommerce id: a positive number (or numeric text) short enough for the events table."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return False
    return bool(value) and len(str(value)) <= RESOURCE_ID_MAX


def store_event(store, *, topic, resource, resource_id, modified_at, body, delivery_id="") -> tuple[WebhookEvent, bool]:
    """Stores the event once; a concurrent or replayed duplicate returns the existing row."""
    key = {"store": store, "resource": resource, "resource_id": resource_id, "modified_at": modified_at}
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(**key, topic=topic, body=body, delivery_id=delivery_id), True
    except IntegrityError:
        return WebhookEvent.objects.get(**key), False

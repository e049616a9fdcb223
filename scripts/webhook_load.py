"""A bounded load test of the WooCommerce webhook receiver, on this machine only.

Sends N deliveries at once (default 500, at most 2,000) to a server on 127.0.0.1: signed order events, replays of
some of them (WooCommerce resends the same body with a new delivery id), and hostile ones (forged signature,
tampered body, truncated body, wrong content type, oversized body, unsigned). Stops by itself after the last
answer or the deadline, and prints one JSON document with the figures.

    python -m scripts.webhook_load --url http://127.0.0.1:8000 --store <public_id> --secret <webhook secret>

`run()` is what the test suite calls (tests/reliability/test_webhook_load.py) with a smaller N.
"""

import argparse
import base64
import hashlib
import hmac
import json
import random
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_DELIVERIES = 2000
MAX_CONCURRENCY = 64
OVERSIZED = 1024 * 1024 + 1
HOSTILE_KINDS = ("forged", "tampered", "truncated", "wrong content type", "oversized", "unsigned")


@dataclass
class Delivery:
    kind: str  # "valid", "duplicate" or one of HOSTILE_KINDS
    body: bytes
    headers: dict
    event_key: str = ""  # order id + modification time: what the receiver deduplicates on


@dataclass
class Figures:
    deliveries: int = 0
    valid_unique: int = 0
    duplicates: int = 0
    hostile: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_kind: dict = field(default_factory=dict)
    server_errors: int = 0
    transport_errors: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "deliveries": self.deliveries, "valid_unique": self.valid_unique, "duplicates": self.duplicates,
            "hostile": self.hostile, "statuses": dict(sorted(self.statuses.items())),
            "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(self.by_kind.items())},
            "server_errors": self.server_errors, "transport_errors": self.transport_errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.deliveries / self.seconds, 1) if self.seconds else None,
        }


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order_body(order_id: int, buyers: int, when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
    order = {
        "id": order_id, "number": str(order_id), "status": "processing", "currency": "USD", "total": "42.50",
        "customer_id": 0, "date_created_gmt": stamp, "date_modified_gmt": stamp, "date_paid_gmt": stamp,
        "billing": {"first_name": "Load", "last_name": f"Buyer {order_id % buyers}",
                    "email": f"load.buyer{order_id % buyers}@example.com", "country": "GB"},
        "line_items": [{"name": "T-shirt", "sku": "TS-1", "quantity": 1, "total": "42.50"}],
    }
    return json.dumps(order).encode()


def headers(secret: str | None, body: bytes, content_type="application/json") -> dict:
    result = {"Content-Type": content_type, "X-WC-Webhook-Topic": "order.created",
              "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex, "X-WC-Webhook-Source": "https://loadtest.example/"}
    if secret is not None:
        result["X-WC-Webhook-Signature"] = sign(secret, body)
    return result


def build_deliveries(secret: str, total: int, *, duplicate_share=0.3, hostile_share=0.12, seed=10,
                     first_order=100_000) -> list[Delivery]:
    """`total` deliveries: unique signed orders, replays of some of them, and hostile ones, shuffled."""
    rng = random.Random(seed)
    hostile = max(len(HOSTILE_KINDS), int(total * hostile_share))
    duplicates = int(total * duplicate_share)
    unique = total - hostile - duplicates
    when = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    buyers = max(1, unique // 3)
    valid = []
    for n in range(unique):
        order_id = first_order + n
        body = order_body(order_id, buyers, when + timedelta(seconds=n))
        valid.append(Delivery("valid", body, headers(secret, body), f"{order_id}"))
    replays = [Delivery("duplicate", d.body, headers(secret, d.body), d.event_key)
               for d in (rng.choice(valid) for _ in range(duplicates))]
    bad = []
    for i in range(hostile):
        kind = HOSTILE_KINDS[i % len(HOSTILE_KINDS)]
        body = order_body(first_order + unique + i, buyers, when)
        if kind == "forged":
            bad.append(Delivery(kind, body, headers("not-the-secret", body)))
        elif kind == "tampered":
            signed = headers(secret, body)
            bad.append(Delivery(kind, body.replace(b"42.50", b"0.01"), signed))
        elif kind == "truncated":
            bad.append(Delivery(kind, body[: len(body) // 2], headers(secret, body)))
        elif kind == "wrong content type":
            bad.append(Delivery(kind, body, headers(secret, body, "text/plain")))
        elif kind == "oversized":
            big = b'{"id": 1, "padding": "' + b"x" * OVERSIZED + b'"}'
            bad.append(Delivery(kind, big, headers(secret, big)))
        else:
            bad.append(Delivery(kind, body, headers(None, body)))
    deliveries = valid + replays + bad
    rng.shuffle(deliveries)
    return deliveries


def check_local(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"Refusing to load {host!r}: this script only targets a server on 127.0.0.1.")
    return url.rstrip("/")


def run(base_url: str, store_public_id: str, secret: str, deliveries: int = 500, concurrency: int = 32,
        deadline: float = 120.0, seed: int = 10) -> Figures:
    """Send the deliveries concurrently; returns the figures once every answer is in (or the deadline passed)."""
    base_url = check_local(base_url)
    deliveries = min(deliveries, MAX_DELIVERIES)
    concurrency = max(1, min(concurrency, MAX_CONCURRENCY))
    url = f"{base_url}/webhooks/woocommerce/{store_public_id}/"
    batch = build_deliveries(secret, deliveries, seed=seed)
    figures = Figures(deliveries=len(batch), valid_unique=sum(d.kind == "valid" for d in batch),
                      duplicates=sum(d.kind == "duplicate" for d in batch),
                      hostile=sum(d.kind in HOSTILE_KINDS for d in batch))
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=concurrency, pool_maxsize=concurrency))

    def send(delivery: Delivery):
        try:
            response = session.post(url, data=delivery.body, headers=delivery.headers, timeout=(5, 60),
                                    allow_redirects=False)
            return delivery.kind, response.status_code
        except requests.RequestException as exc:
            return delivery.kind, type(exc).__name__

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(send, d) for d in batch]
        try:
            for future in as_completed(futures, timeout=deadline):
                kind, status = future.result()
                figures.statuses[status] += 1
                figures.by_kind.setdefault(kind, Counter())[status] += 1
                if isinstance(status, int) and status >= 500:
                    figures.server_errors += 1
                elif not isinstance(status, int):
                    figures.transport_errors += 1
        except TimeoutError:
            for future in futures:
                future.cancel()
            figures.transport_errors += sum(not f.done() for f in futures)
    figures.seconds = time.monotonic() - started
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the app, on 127.0.0.1 only")
    parser.add_argument("--store", required=True, help="the WooCommerce store's public id (from its webhook URL)")
    parser.add_argument("--secret", required=True, help="the store's webhook secret")
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds before the script gives up")
    args = parser.parse_args(argv)
    figures = run(args.url, args.store, args.secret, args.deliveries, args.concurrency, args.deadline)
    json.dump(figures.as_dict(), sys.stdout, indent=2)
    print()
    return 1 if figures.server_errors or figures.transport_errors else 0


if __name__ == "__main__":
    sys.exit(main())

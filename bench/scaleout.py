"""Throughput against the number of django-q2 workers: K connections due at once, all to ONE Zoho org whose
concurrency limit is L, served by real `qcluster` processes. Zoho answers each call after `latency_ms`, so while
workers ≤ L throughput grows with them; beyond L the org's limit (shared by every worker through the app's
concurrency slots) caps it. Call inside `server.serving_app()` on scratch databases."""

import time
import uuid
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.db.models import Max, Min, Sum
from django_q.conf import Conf

from bench.clusters import Clusters
from integrations.stores.models import Store
from integrations.zoho import grants, limits
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from integrations.zoho.oauth import SCOPES
from sandbox.stores import services as store_services
from sandbox.stores.models import SandboxStore
from sandbox.zoho import oauth as sandbox_oauth
from sandbox.zoho import services as zoho_services
from sandbox.zoho.models import ApiCall, Org
from syncs.models import SyncRun, SyncSettings
from syncs.services import save_settings, settings_for
from syncs.tasks import tick


@contextmanager
def own_queue(name: str):
    """Enqueue on a queue of our own (never the app's, nor another benchmark's), for real, not inline."""
    saved = Conf.SYNC, Conf.PREFIX, Conf.CLUSTER_NAME
    Conf.SYNC, Conf.PREFIX, Conf.CLUSTER_NAME = False, name, name
    try:
        yield name
    finally:
        Conf.SYNC, Conf.PREFIX, Conf.CLUSTER_NAME = saved


def make_shop(customers: int) -> Store:
    shop, _ = store_services.get_or_create_store(SandboxStore.Kind.MAGENTO, "scaleout-shop", "Scale-out shop")
    store_services.populate(shop, customers, seed="scaleout")
    store = Store(name="Scale-out shop", kind=Store.Kind.MAGENTO, base_url=store_services.sandbox_base_url(shop))
    store.set_credentials(shop.integration_keys)
    store.save()
    return store


def make_connections(tag: str, count: int, org_limit: int, latency_ms: int) -> tuple[Org, list[ZohoConnection]]:
    """`count` connections (each its own grant) to one org that allows `org_limit` calls in flight."""
    org = zoho_services.create_org(f"scaleout-{tag}", edition="enterprise")
    Org.objects.filter(pk=org.pk).update(concurrency_limit=org_limit, daily_credit_limit=100_000_000)
    zoho_services.set_faults(org, latency_ms=latency_ms)
    client = zoho_services.create_client(org, "Zoho Store Sync", [f"{settings.SITE_URL}/zoho/oauth/callback/"])
    connections = []
    for index in range(count):
        api_client = ZohoApiClient.objects.create(name=f"scaleout-{tag}-{index}", data_center="sandbox",
                                                  client_id=client.client_id, client_secret=client.client_secret)
        # The org is known (as after the connect page read GET /org): its limits are shared by all connections.
        connection = ZohoConnection.objects.create(name=f"scaleout-{tag}-{index}", api_client=api_client,
                                                   concurrency_limit=org_limit, org_id=f"scaleout-{tag}")
        grants.exchange_pasted_grant(connection, sandbox_oauth.issue_self_client_code(client, list(SCOPES)).code)
        connections.append(connection)
    return org, connections


def measure(workers: int, connections: int, org_limit: int, latency_ms: int, deadline_seconds: float,
            progress=lambda message: None) -> dict:
    tag = f"w{workers}-{uuid.uuid4().hex[:6]}"
    org, made = make_connections(tag, connections, org_limit, latency_ms)
    clusters_count = 1 if workers == 1 else 2
    with own_queue(f"scaleout{tag.replace('-', '')}") as queue:
        clusters = Clusters(clusters_count, queue, settings.SITE_URL, workers=max(1, workers // clusters_count))
        try:
            time.sleep(3)  # let the clusters start; the figures below use the runs' own timestamps anyway
            for connection in made:
                sync_settings = settings_for(connection)
                sync_settings.sync_deals = False  # the customer stream only, as in bench_sync
                save_settings(sync_settings)  # due now
            enqueued = tick()["enqueued"]
            runs = SyncRun.objects.filter(settings__connection__in=made)
            deadline, peak_in_flight = time.monotonic() + deadline_seconds, 0
            while time.monotonic() < deadline and clusters.alive():
                peak_in_flight = max(peak_in_flight, limits.slots_in_use(made[0]))
                if runs.exclude(status__in=SyncRun.ACTIVE).count() >= len(made):
                    break
                time.sleep(0.05)
        finally:
            clusters.stop()
    finished = runs.exclude(status__in=SyncRun.ACTIVE)
    span = finished.aggregate(start=Min("started_at"), end=Max("finished_at"), calls=Sum("zoho_calls"),
                              created=Sum("created"), updated=Sum("updated"))
    wall = (span["end"] - span["start"]).total_seconds() if span["start"] and span["end"] else None
    sent = (span["created"] or 0) + (span["updated"] or 0)
    result = {
        "workers": workers, "clusters": clusters_count, "connections": connections, "org_concurrency_limit": org_limit,
        "latency_ms": latency_ms, "enqueued": len(enqueued), "runs_finished": finished.count(),
        "max_runs_per_connection": max(Counter(runs.values_list("settings_id", flat=True)).values(), default=0),
        "statuses": sorted(set(finished.values_list("status", flat=True))),
        "wall_seconds": round(wall, 2) if wall else None, "records_sent": sent, "zoho_calls": span["calls"] or 0,
        "records_per_second": round(sent / wall, 1) if wall else None,
        "calls_per_second": round((span["calls"] or 0) / wall, 2) if wall else None,
        "peak_slots_in_use": peak_in_flight,
        "zoho_429s": ApiCall.objects.filter(org=org, status=429).count(),
    }
    progress(f"{workers} workers: {result['records_per_second']} records/s, {result['calls_per_second']} calls/s")
    SyncSettings.objects.filter(connection__in=made).update(enabled=False)
    return result


def run_scaleout(worker_counts=(1, 2, 4, 8), connections: int = 8, customers: int = 1000, org_limit: int = 4,
                 latency_ms: int = 300, deadline_seconds: float = 600, progress=lambda message: None) -> dict:
    make_shop(customers)
    results = [measure(workers, connections, org_limit, latency_ms, deadline_seconds, progress)
               for workers in worker_counts]
    return {"database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1], "broker": settings.Q_BROKER,
            "customers": customers, "connections": connections, "org_concurrency_limit": org_limit,
            "latency_ms": latency_ms, "results": results}

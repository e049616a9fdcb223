"""Two real `qcluster` processes on the test databases (SQLite files, or PostgreSQL + Redis in CI), several
connections due at once: each runs exactly once per tick and no record reaches Zoho twice."""

import math
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone
from django_q.conf import Conf

from bench.clusters import Clusters
from integrations.stores.models import Store
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.stores import services as store_services
from sandbox.zoho import oauth as sandbox_oauth
from sandbox.zoho import services as zoho_services
from sandbox.zoho.models import ApiCall, Record
from syncs.models import PERSON_MODULES, SyncedRecord, SyncRun
from syncs.services import save_settings, settings_for
from syncs.tasks import tick

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
CONNECTIONS = 4
DEADLINE_SECONDS = 45


def connect_org(index: int) -> ZohoConnection:
    org = zoho_services.create_org(f"Scale-out org {index}", edition="standard")
    client = zoho_services.create_client(org, "Zoho Store Sync", ["http://127.0.0.1/zoho/oauth/callback/"])
    tokens = sandbox_oauth.grant_tokens(client, ["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL",
                                                 "ZohoCRM.users.READ", "ZohoCRM.org.READ"])
    api_client = ZohoApiClient.objects.create(name=f"scale-{index}", data_center="sandbox",
                                              client_id=client.client_id, client_secret=client.client_secret)
    connection = ZohoConnection.objects.create(
        name=f"scale-{index}", api_client=api_client, status=ZohoConnection.Status.CONNECTED,
        api_domain=tokens["api_domain"], accounts_server=sandbox_oauth.accounts_server(),
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )
    save_settings(settings_for(connection))  # enabled, due now
    return connection


@pytest.fixture
def queue(monkeypatch):
    """This process enqueues for real (not inline) on a queue of its own, which the clusters serve."""
    name = f"scaleout{os.getpid()}{uuid.uuid4().hex[:6]}"
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    return name


def test_it_runs_each_due_connection_exactly_once_per_tick_across_two_clusters(live_server, settings, queue,
                                                                             tmp_path):
    settings.SITE_URL = live_server.url
    shop, _ = store_services.get_or_create_store("magento", "scale-shop", "Scale shop")
    store_services.populate(shop, 150, seed="scale")
    store = Store(name="Scale shop", kind=Store.Kind.MAGENTO, base_url=store_services.sandbox_base_url(shop))
    store.set_credentials(shop.integration_keys)
    store.save()
    connections = [connect_org(index) for index in range(CONNECTIONS)]

    clusters = Clusters(2, queue, live_server.url, settings_module="tests.syncs.qcluster_settings",
                        log_dir=tmp_path)
    try:
        first = tick()
        second = tick()  # a second tick (or a second scheduler) right after enqueues nothing more
        assert sorted(first["enqueued"]) == sorted(c.sync_settings.pk for c in connections)
        assert second["enqueued"] == []
        deadline = time.monotonic() + DEADLINE_SECONDS
        finished = SyncRun.objects.exclude(status__in=SyncRun.ACTIVE)
        while finished.count() < CONNECTIONS and time.monotonic() < deadline and clusters.alive():
            time.sleep(0.2)
        assert finished.count() >= CONNECTIONS, f"runs did not finish in time:\n{clusters.output()}"
    finally:
        clusters.stop()

    runs = SyncRun.objects.all()
    assert runs.count() == CONNECTIONS  # exactly once per connection for the tick
    assert set(runs.values_list("status", flat=True)) == {SyncRun.Status.SUCCEEDED}
    assert sorted(runs.values_list("settings_id", flat=True)) == sorted(c.sync_settings.pk for c in connections)
    for connection in connections:
        sync_settings = connection.sync_settings
        org = zoho_services.get_org(f"Scale-out org {connections.index(connection)}")
        synced = dict(SyncedRecord.objects.filter(settings=sync_settings, status=SyncedRecord.Status.SYNCED)
                      .values_list("module").annotate(n=Count("pk")).order_by())
        in_zoho = dict(Record.objects.filter(org=org).values_list("module").annotate(n=Count("pk")).order_by())
        assert in_zoho == synced and sum(synced.values()) > 100
        duplicates = (Record.objects.filter(org=org, module__in=PERSON_MODULES).values("module", "email")
                      .annotate(n=Count("pk")).filter(n__gt=1))
        assert not duplicates.exists()  # no person was created twice
        upserts = ApiCall.objects.filter(org=org, path__contains="/upsert")
        for module in PERSON_MODULES:  # and no batch was sent twice (Deals: one Deal per order, counted above)
            assert upserts.filter(path__contains=f"/{module}/upsert").count() == math.ceil(synced[module] / 100)

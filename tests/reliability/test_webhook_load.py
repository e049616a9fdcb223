"""Hostile input at volume: the bounded load script against the live test server (a real threaded HTTP server on
127.0.0.1): 60 concurrent deliveries, with replays and hostile ones. Every valid event is stored once and read by
a run, the burst asks for far fewer runs than deliveries (a delivery is a trigger: the run reads the store), nothing
hostile is stored, and no answer is a 5xx. The 500-delivery figures against gunicorn are in docs/reliability.md."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.stores.models import Store, WebhookEvent
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.stores import services as shop_services
from scripts.webhook_load import HOSTILE_KINDS, run
from syncs.engine import Hooks, run_sync
from syncs.models import SyncRun
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytest.fixture
def live_store(live_zoho_sandbox, live_server):
    sandbox = live_zoho_sandbox
    client = sandbox.create_client(f"{live_server.url}/zoho/oauth/callback/")
    tokens = sandbox.grant_tokens(client)
    api_client = ZohoApiClient.objects.create(name="sandbox", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    connection = ZohoConnection.objects.create(
        name="load", api_client=api_client, status=ZohoConnection.Status.CONNECTED, api_domain=tokens["api_domain"],
        accounts_server=sandbox.accounts_server, refresh_token=tokens["refresh_token"],
        access_token=tokens["access_token"], access_token_expires_at=timezone.now() + timedelta(hours=1),
    )
    make_settings(connection)
    shop, _ = shop_services.get_or_create_store("woocommerce", "load-shop", "Load shop")
    store = Store(name="Load shop", kind=Store.Kind.WOOCOMMERCE,
                  base_url=f"{live_server.url}/sandbox/woocommerce/{shop.slug}")
    store.set_credentials({"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret})
    store.ensure_webhook_secret()
    store.save()
    return store


def test_it_stores_and_processes_every_valid_delivery_exactly_once_under_load(live_server, live_zoho_sandbox,
                                                                               live_store):
    figures = run(live_server.url, str(live_store.public_id), live_store.webhook_secret, deliveries=60,
                  concurrency=12, deadline=60)

    assert figures.server_errors == 0 and figures.transport_errors == 0, figures.as_dict()
    assert figures.valid_unique + figures.duplicates + figures.hostile == 60
    assert Counter(figures.by_kind["valid"]) == Counter({200: figures.valid_unique})
    assert set(figures.by_kind["duplicate"]) == {200}
    hostile = {kind: set(statuses) for kind, statuses in figures.by_kind.items() if kind in HOSTILE_KINDS}
    assert hostile == {"forged": {401}, "tampered": {401}, "truncated": {401}, "wrong content type": {415},
                       "oversized": {413}, "unsigned": {401}}

    events = WebhookEvent.objects.filter(store=live_store)
    assert events.count() == figures.valid_unique  # replays deduplicated, nothing hostile stored
    triggered = SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count()
    assert 1 <= triggered < figures.valid_unique  # a burst collapses into a few runs, not one per delivery

    run_sync(live_store_settings(), SyncRun.Trigger.SCHEDULE, hooks=Hooks(sleep=no_sleep))  # what the tick runs next
    assert set(events.values_list("status", flat=True)) == {"processed"}  # every delivery read by a run


def live_store_settings():
    from syncs.models import SyncSettings

    return SyncSettings.objects.select_related("connection").get()

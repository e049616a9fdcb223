"""Builders for sync tests: plain functions with defaults (no factories library)."""

import pytest
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from integrations.stores.models import Store
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from syncs.services import save_settings, settings_for


def make_connection(name="main", owner=None, **fields) -> ZohoConnection:
    client, _ = ZohoApiClient.objects.get_or_create(
        name=f"client-{name}", defaults={"data_center": "us", "client_id": "1000.TEST", "client_secret": "s3cret"}
    )
    fields = {"status": ZohoConnection.Status.CONNECTED, "api_domain": "https://www.zohoapis.com",
              "accounts_server": "https://accounts.zoho.com", "refresh_token": "1000.refresh", **fields}
    return ZohoConnection.objects.create(name=name, api_client=client, owner=owner, **fields)


def make_settings(connection=None, save=True, **fields):
    sync_settings = settings_for(connection or make_connection())
    for name, value in fields.items():
        setattr(sync_settings, name, value)
    sync_settings.save()
    if save:
        save_settings(sync_settings)
    return sync_settings


def make_store(name="Shop", **fields) -> Store:
    return Store.objects.create(name=name, kind=fields.pop("kind", Store.Kind.WOOCOMMERCE),
                                base_url=f"https://{name.lower()}.example", **fields)


@pytest.fixture
def sync_settings(db):
    return make_settings()


def no_sleep(seconds):
    """Injected wherever the code would wait: tests never sleep, they count."""


@pytest.fixture
def sandbox_connection(zoho_sandbox):
    """A connection to the Zoho sandbox's org, as after a completed consent."""
    from datetime import timedelta

    from django.utils import timezone

    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client)
    api_client = ZohoApiClient.objects.create(name="sandbox", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    return ZohoConnection.objects.create(
        name="demo", api_client=api_client, status=ZohoConnection.Status.CONNECTED,
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )


@pytest.fixture
def queue(monkeypatch):
    """The real broker instead of sync mode: tasks wait in the queue, as they would for a worker."""
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def queued_tasks(broker) -> list[tuple]:
    """Take every task off the queue: (function path, *args) each."""
    taken = []
    while broker.queue_size():
        for ack_id, payload in broker.dequeue() or []:
            package = SignedPackage.loads(payload)
            taken.append((package["func"], *package["args"]))
            broker.acknowledge(ack_id)
    return taken

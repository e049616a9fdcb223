"""Builders for sync tests: plain functions with defaults (no factories library)."""

import pytest

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

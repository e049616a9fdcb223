"""Fixtures for the Zoho side: a US client and a connected connection with a fresh access token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.zoho.models import ZohoApiClient, ZohoConnection

ACCOUNTS = "https://accounts.zoho.com"
API = "https://www.zohoapis.com"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"
REFRESH_TOKEN = "1000.1111111111111111aaaaaaaaaaaaaaaa.2222222222222222bbbbbbbbbbbbbbbb"
ACCESS_TOKEN = "1000.3333333333333333cccccccccccccccc.4444444444444444dddddddddddddddd"
NEW_ACCESS_TOKEN = "1000.5555555555555555eeeeeeeeeeeeeeee.6666666666666666ffffffffffffffff"
CLIENT_SECRET = "s3cr3t-client-secret-value-0123456789"

def make_client(**kwargs):
    values = {"name": "Platform", "data_center": "us", "client_id": "1000.CLIENTID", "client_secret": CLIENT_SECRET}
    return ZohoApiClient.objects.create(**{**values, **kwargs})


def make_connection(api_client=None, **kwargs):
    values = {
        "name": "zoho",
        "status": ZohoConnection.Status.CONNECTED,
        "accounts_server": ACCOUNTS,
        "api_domain": API,
        "refresh_token": REFRESH_TOKEN,
        "access_token": ACCESS_TOKEN,
        "access_token_expires_at": timezone.now() + timedelta(minutes=50),
        "org_id": "808232144",
    }
    return ZohoConnection.objects.create(api_client=api_client or make_client(), **{**values, **kwargs})


@pytest.fixture
def api_client(db):
    return make_client()


@pytest.fixture
def connection(api_client):
    return make_connection(api_client)


@pytest.fixture
def expired_connection(api_client):
    return make_connection(api_client, access_token_expires_at=timezone.now() - timedelta(minutes=1))


def refresh_ok(access_token=NEW_ACCESS_TOKEN, api_domain=API):
    return {"access_token": access_token, "expires_in": 3600, "api_domain": api_domain, "token_type": "Bearer"}


class NoSleep:
    """An injectable sleep that records what it was asked to wait, and never waits."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


@pytest.fixture
def no_sleep():
    return NoSleep()

"""Fixtures shared by the whole suite. Each area adds its own in its folder's conftest.py."""

import pytest
import responses
from django.contrib.auth import get_user_model

ALL_DATABASES = ["default", "sandbox"]

pytest_plugins = ["tests.fixtures.zoho_sandbox", "tests.fixtures.store_sandbox"]


@pytest.fixture
def http():
    """Outbound HTTP through `responses`: every registered call must be made, nothing else may be."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_user(
        "alice", "alice@example.com", "alice-password", is_staff=True, is_superuser=True
    )


@pytest.fixture
def affiliate_user(db):
    return get_user_model().objects.create_user("bob", "bob@example.com", "bob-password")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def affiliate_client(client, affiliate_user):
    client.force_login(affiliate_user)
    return client

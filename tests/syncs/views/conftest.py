"""Builders for the sync pages' tests (the builders of tests/syncs/conftest.py apply here too)."""

import html

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from integrations.zoho.models import ZohoConnection


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def body(response) -> str:
    """The page's text with HTML entities decoded (Don&#x27;t → Don't)."""
    return html.unescape(response.content.decode())


def mark_verified(connection: ZohoConnection) -> ZohoConnection:
    ZohoConnection.objects.filter(pk=connection.pk).update(
        status=ZohoConnection.Status.CONNECTED, last_verified_at=timezone.now(), last_error="",
        org_name="Test Store CRM", org_id="1000")
    connection.refresh_from_db()
    return connection


@pytest.fixture
def verified_sandbox(sandbox_connection):
    """The Zoho sandbox org, connected and verified, as after Generate Zoho API Grant Token + Accept."""
    return mark_verified(sandbox_connection)

import re

import pytest
import requests
from django.test import Client
from django.urls import reverse

from sandbox.zoho.models import ApiClient, Faults

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_it_registers_a_client_in_the_console(client, zoho_sandbox_state):
    org = zoho_sandbox_state.org
    page = client.get(reverse("sandbox-zoho-console"))
    assert page.status_code == 200 and org.name in page.content.decode()
    created = client.post(reverse("sandbox-zoho-console"), {
        "action": "create-client", "org": org.pk, "name": "My app", "homepage_url": "https://app.example.com",
        "redirect_uris": "https://app.example.com/cb\nhttp://localhost:8000/cb"})
    app = ApiClient.objects.get(name="My app")
    assert app.redirect_uri_list == ["https://app.example.com/cb", "http://localhost:8000/cb"]
    assert app.client_id in created.content.decode() and app.client_secret in created.content.decode()


def test_it_makes_self_client_codes_in_the_console(client, zoho_sandbox_state):
    app = zoho_sandbox_state.create_client()
    page = client.post(reverse("sandbox-zoho-console"), {
        "action": "self-client-code", "client_id": app.client_id, "scope": "ZohoCRM.modules.ALL", "minutes": "5"})
    assert re.search(r'id="grant-code">1000\.[0-9a-f]{32}\.[0-9a-f]{32}<', page.content.decode())
    refused = client.post(reverse("sandbox-zoho-console"), {
        "action": "self-client-code", "client_id": app.client_id, "scope": "ZohoCRM.modules.ALL", "minutes": "30"})
    assert refused.status_code == 400 and "3 to 10 minutes" in refused.content.decode()


def test_it_rejects_console_posts_without_csrf(zoho_sandbox_state):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("sandbox-zoho-console"), {"action": "create-client", "name": "x"})
    assert response.status_code == 403


def test_it_lists_orgs_records_and_calls(client, zoho_sandbox):
    headers = zoho_sandbox.auth_headers()
    requests.post(f"{zoho_sandbox.crm}/Contacts/upsert",
                  json={"data": [{"Last_Name": "Shown", "Email": "shown@example.com"}]}, headers=headers)
    index = client.get(reverse("sandbox-zoho-index")).content.decode()
    assert zoho_sandbox.org.name in index
    detail = client.get(reverse("sandbox-zoho-org", args=[zoho_sandbox.org.pk]), {"module": "Contacts"})
    text = detail.content.decode()
    assert "shown@example.com" in text
    assert "/sandbox/zoho/crm/v8/Contacts/upsert" in text


def test_it_turns_fault_knobs_from_the_page(client, zoho_sandbox_state):
    org = zoho_sandbox_state.org
    url = reverse("sandbox-zoho-faults", args=[org.pk])
    client.post(url, {"action": "set", "fail_next": "3", "fail_mode": "timeout", "latency_ms": "250",
                      "partial_next": "1"})
    faults = Faults.objects.get(org=org)
    assert (faults.fail_next, faults.fail_mode, faults.latency_ms, faults.partial_next) == (3, "timeout", 250, 1)
    response = client.post(url, {"action": "clear"}, follow=True)
    assert "Faults cleared." in response.content.decode()
    assert Faults.objects.get(org=org).fail_next == 0
    field = client.post(url, {"action": "add-field", "module": "Contacts", "label": "Loyalty Tier",
                              "data_type": "text"}, follow=True)
    assert "Contacts.Loyalty_Tier" in field.content.decode()

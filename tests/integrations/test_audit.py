"""The audit log: connects, token resets, settings and secret changes, imports and resets are recorded with who
and when, shown on the connection's (or store's) page and in the admin, and never hold a secret."""

import pytest
from django.test import Client

from integrations.models import AuditEntry
from integrations.stores.models import Store
from tests.integrations.zoho.conftest import TOKEN_URL

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

GRANT = {"access_token": "1000.aa.bb", "refresh_token": "1000.cc.dd", "api_domain": "https://www.zohoapis.com",
         "expires_in": 3600}


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id").values_list("actor", "action", "detail"))


def test_wizard_changes_and_a_connect_are_recorded_and_shown_on_the_connection_page(admin_client, http):
    response = admin_client.post("/zoho/", {"sync_option": "all", "data_center": "us", "client_id": "1000.ID",
                                            "client_secret": "the-client-secret-value", "concurrency_limit": 5,
                                            "action": "save"})
    assert response.status_code == 302
    connection_pk = int(response.url.rstrip("/").split("/")[-1])
    http.post(TOKEN_URL, json=GRANT)
    http.get("https://www.zohoapis.com/crm/v8/org", json={"org": [{"id": "7", "company_name": "Zylker"}]})
    http.get("https://www.zohoapis.com/crm/v8/users", json={"users": [{"email": "a@zylker.com"}]})
    admin_client.post(f"/zoho/connections/{connection_pk}/", {
        "data_center": "us", "client_id": "1000.ID", "concurrency_limit": 5, "grant_token": "1000.grant",
        "action": "exchange"})
    http.post(f"{TOKEN_URL}/revoke", json={"status": "success"})
    admin_client.post(f"/zoho/connections/{connection_pk}/reset/")
    recorded = entries(connection_id=connection_pk)
    assert [action for _, action, _ in recorded] == ["secret", "settings", "connect", "disconnect"]
    assert {actor for actor, _, _ in recorded} == {"alice"}
    page = admin_client.get(f"/zoho/connections/{connection_pk}/").content.decode()
    assert "Activity" in page and "Changed the Zoho API client secret." in page and "revoked at Zoho" in page
    everything = " ".join(detail for _, _, detail in recorded)
    assert "the-client-secret-value" not in everything and "1000.cc.dd" not in everything
    admin_page = admin_client.get("/admin/integrations/auditentry/").content.decode()
    assert "Authorized with a pasted Zoho API grant token." in admin_page
    assert admin_client.get(f"/admin/integrations/auditentry/{AuditEntry.objects.first().pk}/change/").status_code \
        == 200


def test_store_secret_and_settings_changes_are_recorded_by_name_never_by_value(admin_client):
    store = Store.objects.create(name="Shop", kind="woocommerce", base_url="https://shop.example.com")
    store.set_credentials({"consumer_key": "ck_old", "consumer_secret": "cs_old"})
    store.save()
    admin_client.post(f"/stores/{store.pk}/edit/", {
        "name": "Shop", "base_url": "https://shop.example.com", "is_my_store": "on", "enabled": "on",
        "consumer_key": "", "consumer_secret": "cs_brand_new_value", "customer_role": "customer"})
    admin_client.post(f"/stores/{store.pk}/webhook-secret/", {"action": "regenerate"})
    recorded = entries(store=store)
    assert [action for _, action, _ in recorded] == ["settings", "secret", "secret"]
    assert "Consumer secret" in recorded[1][2] and "cs_brand_new_value" not in str(recorded)
    assert "Customers to read" in recorded[0][2]
    assert "new webhook secret" in admin_client.get(f"/stores/{store.pk}/").content.decode()


def test_an_affiliate_never_sees_another_owners_activity(affiliate_client, admin_user):
    theirs = Store.objects.create(name="Platform shop", kind="woocommerce", base_url="https://p.example.com")
    AuditEntry.objects.create(actor="alice", action="secret", store=theirs, detail="Platform secret changed.")
    assert affiliate_client.get(f"/stores/{theirs.pk}/").status_code == 404
    assert "Platform secret changed." not in affiliate_client.get("/stores/").content.decode()
    assert Client().get("/admin/integrations/auditentry/").status_code == 302

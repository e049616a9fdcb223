"""The Zoho CRM Integration page as a wizard: sync option, credentials, Record Mapping, in DecoNetwork's words."""

import re

import pytest

from integrations.zoho.models import ZohoConnection
from syncs.models import SyncSettings
from tests.syncs.conftest import make_connection, make_settings

from .conftest import body, mark_verified, texts

SECRET = "a-client-secret-that-must-never-be-shown"


def checked(page: str, input_id: str) -> bool:
    return bool(re.search(rf'<input[^>]*id="{input_id}"[^>]*\bchecked\b', page))


def credentials(**extra):
    return {"data_center": "us", "client_id": "1000.NEWCLIENT", "client_secret": SECRET, "concurrency_limit": 5,
            **extra}


def test_it_shows_decos_options_credentials_and_console_values(admin_client):
    page = body(admin_client.get("/zoho/"))
    for text in ("Marketing › Zoho CRM Integration", "Don't Sync any Customer data",
                 "Sync all Customers over all Affiliate Stores", "Only Sync Customers from “My” Stores",
                 "Allow each Affiliate Store to setup their own Zoho Integration", "Zoho API Client ID",
                 "Zoho API Client Secret", "Homepage URL", "http://testserver/", "Authorized Redirect URIs",
                 "http://testserver/zoho/oauth/callback/", "Generate Zoho API Grant Token",
                 "Generate Zoho API Authentication Token", "Zoho API Grant Token", 'data-copy="redirect-uri"'):
        assert text in page, text
    assert checked(page, "sync_option_none")
    # demo mode: the sandbox data center and its console are preselected
    assert 'href="http://testserver/sandbox/zoho/accounts/console/"' in page
    assert 'id="record-mapping"' not in page  # Record Mapping appears only after a successful verify


def test_it_saves_dont_sync_without_credentials_and_creates_nothing(admin_client):
    response = admin_client.post("/zoho/", {"sync_option": "none", "action": "save"})
    assert response.status_code == 302 and ZohoConnection.objects.count() == 0
    assert "Nothing is synced" in texts(response)[0]


def test_it_switches_an_existing_integration_to_dont_sync(admin_client):
    sync_settings = make_settings(make_connection(name="zoho"))
    response = admin_client.post(f"/zoho/connections/{sync_settings.connection.pk}/",
                                 {"sync_option": "none", "action": "save"})
    assert response.status_code == 302
    sync_settings.refresh_from_db()
    assert sync_settings.sync_option == SyncSettings.SyncOption.NONE


def test_it_saves_the_option_the_affiliate_setting_and_the_credentials(admin_client):
    response = admin_client.post("/zoho/", credentials(sync_option="mine", allow_affiliate_integrations="on"))
    connection = ZohoConnection.objects.get()
    assert response.status_code == 302 and response.url == f"/zoho/connections/{connection.pk}/"
    sync_settings = connection.sync_settings
    assert sync_settings.sync_option == "mine" and sync_settings.allow_affiliate_integrations
    assert connection.api_client.client_secret == SECRET
    assert sync_settings.mappings.filter(module="Contacts").exists()  # DecoNetwork's default rows


def test_it_redisplays_invalid_input_with_errors_and_loses_nothing(admin_client):
    response = admin_client.post("/zoho/", {"sync_option": "all", "allow_affiliate_integrations": "on",
                                            "data_center": "us", "client_id": "1000.TYPED", "concurrency_limit": 99})
    page = body(response)
    assert response.status_code == 400 and ZohoConnection.objects.count() == 0
    assert "Enter the Client Secret from Zoho" in page and "Ensure this value is less than or equal to 25" in page
    assert 'value="1000.TYPED"' in page
    assert checked(page, "sync_option_all") and checked(page, "id_allow_affiliate_integrations")


def test_it_never_renders_the_saved_secret(admin_client):
    admin_client.post("/zoho/", credentials(sync_option="all"))
    connection = ZohoConnection.objects.get()
    page = body(admin_client.get(f"/zoho/connections/{connection.pk}/"))
    assert SECRET not in page and "••••••••" in page


def test_it_shows_record_mapping_after_a_successful_verify(admin_client):
    connection = mark_verified(make_connection(name="zoho"))
    make_settings(connection, save=False)
    page = body(admin_client.get(f"/zoho/connections/{connection.pk}/"))
    for text in ("Record Mapping", "Sync Contacts", "Sync Leads", "who have made purchases",
                 "registered on your site but NOT made purchases", "Map Fields", "Preview", "Test Store CRM"):
        assert text in page, text
    assert "Reset Synchronisation" not in page  # only once the settings are saved


def test_it_explains_a_failed_verify_on_the_page(admin_client):
    connection = make_connection(name="zoho", last_error="The redirect URI does not match. Use http://x/.")
    page = body(admin_client.get(f"/zoho/connections/{connection.pk}/"))
    assert "could not be verified" in page and "The redirect URI does not match" in page
    assert 'id="record-mapping"' not in page


def test_record_mapping_saves_the_types_and_opens_map_fields(admin_client):
    connection = mark_verified(make_connection(name="zoho"))
    sync_settings = make_settings(connection, save=False)
    response = admin_client.post(f"/zoho/connections/{connection.pk}/record-mapping/",
                                 {"sync_leads": "on", "next": "mapping"})
    sync_settings.refresh_from_db()
    assert (sync_settings.sync_contacts, sync_settings.sync_leads) == (False, True)
    assert response.url == f"/zoho/connections/{connection.pk}/mapping/Leads/"


def test_record_mapping_needs_a_verified_connection(admin_client):
    connection = make_connection(name="zoho")
    response = admin_client.post(f"/zoho/connections/{connection.pk}/record-mapping/", {"sync_leads": "on"})
    assert response.status_code == 302 and "Verify the Zoho API Authentication Token first" in texts(response)[0]


def test_record_mapping_warns_when_nothing_is_ticked(admin_client):
    connection = mark_verified(make_connection(name="zoho"))
    response = admin_client.post(f"/zoho/connections/{connection.pk}/record-mapping/", {"next": "mapping"})
    assert "nothing will be synced" in texts(response)[0]


@pytest.fixture
def allowed(db):
    return make_settings(make_connection(name="platform-conn"), allow_affiliate_integrations=True)


def test_an_allowed_affiliate_gets_their_own_options_and_never_the_platform_settings(affiliate_client, allowed):
    page = body(affiliate_client.get("/zoho/"))
    assert "Only Sync Customers from “My” Stores" in page and "Don't Sync any Customer data" in page
    assert "Sync all Customers over all Affiliate Stores" not in page
    assert "Allow each Affiliate Store" not in page and "platform-conn" not in page
    refused = affiliate_client.post("/zoho/", credentials(sync_option="all"))
    assert refused.status_code == 400 and not ZohoConnection.objects.filter(owner__username="bob").exists()
    affiliate_client.post("/zoho/", credentials(sync_option="mine", allow_affiliate_integrations="on"))
    mine = ZohoConnection.objects.get(owner__username="bob")
    assert mine.sync_settings.sync_option == "mine" and not mine.sync_settings.allow_affiliate_integrations
    allowed.refresh_from_db()
    assert allowed.allow_affiliate_integrations  # the platform's setting is untouched


def test_an_affiliate_not_allowed_sees_a_read_only_status_and_cannot_post(affiliate_client, affiliate_user):
    make_settings(make_connection(name="platform-conn"))
    response = affiliate_client.get("/zoho/")
    assert response.status_code == 200 and "has not allowed affiliate stores" in body(response)
    assert "Zoho API Client Secret" not in body(response)
    assert affiliate_client.post("/zoho/", credentials(sync_option="mine")).status_code == 403
    assert not ZohoConnection.objects.filter(owner=affiliate_user).exists()


def test_record_mapping_offers_accounts_and_sales_orders_and_refuses_orders_without_accounts(admin_client):
    connection = mark_verified(make_connection(name="zoho"))
    sync_settings = make_settings(connection, save=False)
    page = body(admin_client.get(f"/zoho/connections/{connection.pk}/"))
    assert "Sync Accounts" in page and "Sync Sales Orders" in page
    response = admin_client.post(f"/zoho/connections/{connection.pk}/record-mapping/",
                                 {"sync_contacts": "on", "sync_sales_orders": "on", "next": "mapping"})
    assert "requires an Account on every Sales Order" in texts(response)[0]
    sync_settings.refresh_from_db()
    assert not sync_settings.sync_sales_orders
    admin_client.post(f"/zoho/connections/{connection.pk}/record-mapping/",
                      {"sync_contacts": "on", "sync_accounts": "on", "sync_sales_orders": "on", "next": "mapping"})
    sync_settings.refresh_from_db()
    assert sync_settings.sync_accounts and sync_settings.sync_sales_orders

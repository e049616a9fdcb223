"""An affiliate store owner in a real browser: when the platform allows it, the same wizard for their own
stores and their own Zoho org; never another owner's objects (404) or the platform settings; when not
allowed, a read-only status of their stores."""

import pytest
from playwright.sync_api import expect

from integrations.zoho.models import ZohoConnection
from syncs.models import CustomerSnapshot, SyncRun, SyncSettings
from tests.browser.conftest import live_shop, log_in
from tests.browser.test_wizard_journey import connect
from tests.syncs.conftest import make_connection, make_settings, make_store

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_it_gives_an_affiliate_their_own_isolated_integration(page, screenshot, affiliate_user, live_server,
                                                              live_zoho_sandbox):
    platform = make_settings(make_connection(name="platform-conn", org_name="Platform CRM"),
                             allow_affiliate_integrations=True)
    platform_run = SyncRun.objects.create(settings=platform, trigger="schedule", status="succeeded")
    platform_shop = make_store("Platform Shop", webhook_secret="platform-webhook-secret-value")
    bobs_shop = live_shop(live_server, "bobs-shop", customers=12, owner=affiliate_user, is_my_store=False)
    bob_org = live_zoho_sandbox.create_org("Bob CRM")
    client = live_zoho_sandbox.create_client(f"{live_server.url}/zoho/oauth/callback/", org=bob_org)

    log_in(page, "bob", "bob-password")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Platform CRM")).to_have_count(0)
    page.get_by_role("link", name="Set up the Zoho CRM Integration").click()
    expect(page.get_by_label("Sync all Customers over all Affiliate Stores")).to_have_count(0)
    expect(page.get_by_text("Allow each Affiliate Store")).to_have_count(0)
    page.get_by_label("Only Sync Customers from “My” Stores").check()
    connect(page, client.client_id, client.client_secret)
    screenshot("16-affiliate-wizard")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("Would create")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The first sync of Bob CRM has started")).to_be_visible()
    expect(page.get_by_role("link", name="Bobs Shop")).to_be_visible()
    expect(page.get_by_text("Platform Shop")).to_have_count(0)
    screenshot("17-affiliate-dashboard")

    mine = ZohoConnection.objects.get(owner=affiliate_user)
    assert mine.org_name == "Bob CRM" and mine.sync_settings.sync_option == SyncSettings.SyncOption.MINE
    assert live_zoho_sandbox.records("Contacts", org=bob_org) and not live_zoho_sandbox.records("Contacts")
    read = CustomerSnapshot.objects.filter(settings=mine.sync_settings).values_list("store_id", flat=True)
    assert set(read) == {bobs_shop.pk}  # only bob's store fed bob's Zoho org

    # Another owner's objects do not exist for bob.
    for url in (f"/zoho/connections/{platform.connection_id}/", f"/runs/{platform_run.pk}/",
                f"/zoho/connections/{platform.connection_id}/errors/", f"/stores/{platform_shop.pk}/"):
        assert page.goto(url).status == 404, url
    assert page.goto("/admin/").url.endswith("/admin/login/?next=/admin/")

    # When the platform stops allowing it: a read-only status of bob's stores.
    SyncSettings.objects.filter(pk=platform.pk).update(allow_affiliate_integrations=False)
    page.goto("/zoho/")
    expect(page.get_by_text("has not allowed affiliate stores")).to_be_visible()
    expect(page.get_by_role("link", name="Bobs Shop")).to_be_visible()
    expect(page.get_by_label("Zoho API Client ID")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
    screenshot("18-affiliate-read-only")

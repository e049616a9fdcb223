"""The admin's whole journey in a real browser, against the live server and the Zoho and store sandboxes:
log in, the wizard with the redirect flow, verify, map fields (add and delete a row), preview, save,
sync now, records in the sandbox, the error inbox, and Reset Synchronisation with confirm, progress and Finish.
Screenshots of each step go to docs/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from integrations.zoho.models import ZohoConnection
from sandbox.stores import services as shop_services
from sandbox.stores.models import SandboxCustomer
from syncs.models import FieldMapping, SyncedRecord, SyncRun
from tests.browser.conftest import live_shop, log_in

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def register_client_in_the_console(page, screenshot=None) -> tuple[str, str]:
    """Follow the wizard's link to the (sandbox) Zoho API console, paste the copied values, and create a client."""
    page.get_by_role("button", name="Copy the Homepage URL").click()
    expect(page.get_by_role("button", name="Copy the Homepage URL")).to_have_text("Copied")
    homepage = page.evaluate("navigator.clipboard.readText()")
    page.get_by_role("button", name="Copy the Authorized Redirect URI").click()
    redirect_uri = page.evaluate("navigator.clipboard.readText()")
    assert homepage == page.locator("#homepage-url").inner_text()
    assert redirect_uri.endswith("/zoho/oauth/callback/")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Zoho API Console").click()
    console = opened.value
    expect(console.get_by_role("heading", name="Zoho API console")).to_be_visible()
    console.get_by_label("Client name").fill("Zoho Store Sync")
    console.get_by_label("Homepage URL").fill(homepage)
    console.get_by_label("Authorized redirect URIs").fill(redirect_uri)
    console.get_by_role("button", name="Create").first.click()
    expect(console.get_by_role("heading", name="Client created: Zoho Store Sync")).to_be_visible()
    if screenshot:
        console.screenshot(path=str(screenshot.path("03-zoho-api-console")), full_page=True)
    codes = console.locator("section.notice dd code")
    client_id, client_secret = codes.nth(0).inner_text(), codes.nth(1).inner_text()
    console.close()
    return client_id, client_secret


def connect(page, client_id: str, client_secret: str, screenshot=None):
    """Wizard steps 1-3: option, credentials, Generate Zoho API Grant Token → Accept → back, verified."""
    page.get_by_label("Zoho API Client ID").fill(client_id)
    page.get_by_label("Zoho API Client Secret").fill(client_secret)
    if screenshot:
        screenshot("04-wizard-credentials")
    page.get_by_role("button", name="Generate Zoho API Grant Token").click()
    expect(page.get_by_role("button", name="Accept")).to_be_visible()  # Zoho's consent page (sandbox)
    if screenshot:
        screenshot("05-zoho-consent")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Zoho API Authentication Token generated.")).to_be_visible()
    expect(page.get_by_role("heading", name="Record Mapping")).to_be_visible()


def test_it_walks_the_admin_through_setup_sync_and_reset(page, screenshot, admin_user, live_server,
                                                         live_zoho_sandbox):
    org = live_zoho_sandbox.org
    store = live_shop(live_server, "my-shop")

    log_in(page, "alice", "alice-password")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="Set up the Zoho CRM Integration").click()

    # 1. Sync option: the credentials appear once an option other than "Don't Sync" is chosen.
    expect(page.get_by_label("Don't Sync any Customer data")).to_be_checked()
    expect(page.get_by_label("Zoho API Client ID")).to_be_hidden()
    page.get_by_label("Sync all Customers over all Affiliate Stores").check()
    page.get_by_label("Allow each Affiliate Store to setup their own Zoho Integration").check()
    expect(page.get_by_label("Zoho API Client ID")).to_be_visible()
    expect(page.get_by_label("Zoho data center")).to_have_value("sandbox")
    screenshot("02-wizard-sync-option")

    # 2-3. Register in the console, then the redirect flow through the browser.
    client_id, client_secret = register_client_in_the_console(page, screenshot)
    connect(page, client_id, client_secret, screenshot)
    page.get_by_role("button", name="Verify Zoho API Authentication Token").click()
    expect(page.get_by_text(f"Connected to Zoho CRM org “{org.name}”")).to_be_visible()
    expect(page.get_by_label("Sync Contacts")).to_be_checked()
    expect(page.get_by_label("Sync Leads")).to_be_checked()
    screenshot("06-wizard-verified")

    # 4-5. Map Fields: add a row, delete a row, an invalid row explained inline, then OK.
    page.get_by_role("button", name="Map Fields").click()
    expect(page.get_by_role("heading", name="Map Fields")).to_be_visible()
    rows = page.locator("[data-mapping-rows] tr")
    expect(rows).to_have_count(9)
    expect(page.get_by_label("To This Zoho Field, row 3", exact=True)).to_have_value("Last_Name")
    expect(page.get_by_label("To This Zoho Field, row 3", exact=True).locator("option:checked")).to_contain_text(
        "required *")
    screenshot("07-mapping-editor")
    page.get_by_role("button", name="Add new field").click()
    expect(rows).to_have_count(10)
    page.get_by_label("Map This Customer Data, row 10", exact=True).select_option("order_count")
    page.get_by_label("To This Zoho Field, row 10", exact=True).select_option("Email")
    page.get_by_role("button", name="Delete row 4", exact=True).click()  # phone_number → Phone
    expect(rows).to_have_count(9)
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text("Email is mapped twice.")).to_be_visible()
    expect(page.get_by_label("Map This Customer Data, row 9", exact=True)).to_have_value("order_count")
    screenshot("08-mapping-errors")
    page.get_by_label("To This Zoho Field, row 9", exact=True).select_option("Description")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text("order_count holds a whole number but Description is a textarea field")).to_be_visible()
    page.get_by_label("Adjust value, row 9", exact=True).select_option("text")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text("Contacts field mapping saved (9 fields).")).to_be_visible()
    saved = list(FieldMapping.objects.filter(module="Contacts").values_list("store_field", "zoho_field"))
    assert ("phone_number", "Phone") not in saved and saved[-1] == ("order_count", "Description")
    assert FieldMapping.objects.get(zoho_field="Description").transform == "text"

    # A fixed value: every Lead gets Lead Source "Online Store".
    page.goto(f"/zoho/connections/{ZohoConnection.objects.get().pk}/mapping/Leads/")
    leads_rows = page.locator("[data-mapping-rows] tr")
    count = leads_rows.count()
    page.get_by_role("button", name="Add new field").click()
    expect(page.get_by_label(f"Fixed value, row {count + 1}", exact=False)).to_be_hidden()
    page.get_by_label(f"Map This Customer Data, row {count + 1}", exact=True).select_option("=")
    page.get_by_label(f"Fixed value, row {count + 1}", exact=False).fill("Carrier pigeon")
    page.get_by_label(f"To This Zoho Field, row {count + 1}", exact=True).select_option("Lead_Source")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text("'Carrier pigeon' is not one of the picklist values")).to_be_visible()
    page.get_by_label(f"Fixed value, row {count + 1}", exact=False).fill("Online Store")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_text(f"Leads field mapping saved ({count + 1} fields).")).to_be_visible()
    assert FieldMapping.objects.get(module="Leads", zoho_field="Lead_Source").value == "Online Store"

    # Accounts: one per company, linked from the buyer's Contact (off by default).
    expect(page.get_by_label("Sync Accounts")).not_to_be_checked()
    page.get_by_label("Sync Accounts").check()

    # 6. Preview (a dry run), then Save: the schedule starts and the first sync runs.
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("Would create")).to_be_visible()
    assert live_zoho_sandbox.records("Contacts") == []
    screenshot("09-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. The first sync of")).to_be_visible()
    first = SyncRun.objects.get(dry_run=False)
    assert first.status == SyncRun.Status.SUCCEEDED and first.created > 0
    buyer = live_zoho_sandbox.records("Contacts")[0]
    assert buyer["Email"] and "Description" in buyer
    assert {lead["Lead_Source"] for lead in live_zoho_sandbox.records("Leads")} == {"Online Store"}
    accounts = {a["id"]: a["Account_Name"] for a in live_zoho_sandbox.records("Accounts")}
    assert accounts and any(c.get("Account_Name", {}).get("id") in accounts
                            for c in live_zoho_sandbox.records("Contacts") if c.get("Account_Name"))
    expect(page.get_by_role("link", name=f"Manual #{first.pk}")).to_be_visible()
    expect(page.get_by_text(store.webhook_url)).to_be_visible()
    screenshot("10-dashboard")

    # Sync now sends what changed in the store.
    customer = SandboxCustomer.objects.filter(store__slug="my-shop", email__startswith="shared").first()
    shop_services.update_customer(customer, first_name="Renamed")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("started. This page updates when it finishes.")).to_be_visible()
    second = SyncRun.objects.filter(dry_run=False).first()
    # The renamed person, and their Account when the newest store now speaks for its other fields.
    assert second.pk != first.pk and 1 <= second.updated <= 2 and second.created == 0
    # Sync now shows the new run's page at once (it follows the run until it ends).
    expect(page.get_by_role("heading", name=f"Manual sync #{second.pk}")).to_be_visible()
    page.get_by_role("link", name="Dashboard").first.click()
    page.get_by_role("link", name=f"Manual #{second.pk}").click()
    expect(page.get_by_role("heading", name=f"Manual sync #{second.pk}")).to_be_visible()

    # The records are in the (sandbox) Zoho org.
    module = SyncedRecord.objects.get(key=customer.email).module
    page.goto(f"/sandbox/zoho/orgs/{org.pk}/?module={module}")
    expect(page.get_by_role("row").filter(has_text=customer.email)).to_contain_text("Renamed")
    screenshot("11-sandbox-records")

    # The error inbox: invalid emails, explained, with Retry and Ignore.
    page.goto("/")
    page.get_by_role("link", name="Error inbox").click()
    expect(page.get_by_text("not a valid address").first).to_be_visible()
    page.get_by_role("button", name="Ignore not-an-email").click()
    expect(page.get_by_text("not-an-email: ignored.")).to_be_visible()
    screenshot("14-error-inbox")

    # Reset Synchronisation: confirm (saying what happens), then the report and Finish.
    deleted = live_zoho_sandbox.delete_records("Contacts", count=2)
    page.goto("/")
    page.get_by_role("link", name="Reset Synchronisation").click()
    expect(page.get_by_text("Do you want to proceed with resetting the synchronisation")).to_be_visible()
    screenshot("12-reset-confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Zoho CRM Integration")).to_be_visible()
    page.get_by_role("link", name="Reset Synchronisation").click()
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_role("heading", name="Final report")).to_be_visible()
    reset = SyncRun.objects.get(trigger=SyncRun.Trigger.RESET)
    expect(page.locator("progress")).to_have_attribute("value", str(reset.progress_total))
    assert reset.status == SyncRun.Status.SUCCEEDED
    live = {r["Email"] for r in live_zoho_sandbox.records("Contacts")}
    assert len(live) == len(live_zoho_sandbox.records("Contacts"))  # no duplicates
    assert {r["Email"] for r in live_zoho_sandbox.records("Contacts", include_deleted=True)} == live
    assert len(deleted) == 2
    screenshot("13-reset-finished")
    page.get_by_role("link", name="Finish").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(f"Reset #{reset.pk}"))).to_be_visible()

    # Readable at phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("15-dashboard-phone")

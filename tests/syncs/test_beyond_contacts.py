"""Accounts, Sales Orders with Products, fixed values and the stores' own fields, each over the real engine
against the store and Zoho sandboxes: create, update, a rerun that makes no Zoho call, a reset without
duplicates."""

from collections import Counter

import pytest

from sandbox.stores import services as shop_services
from syncs import store_fields
from syncs.engine import Hooks, run_sync
from syncs.forms import FIXED, RecordMappingForm, Row, rows_from_db, save_rows, validate_rows
from syncs.models import ACCOUNTS, CONTACTS, DEALS, LEADS, PRODUCTS, SALES_ORDERS, RecordError, SyncRun
from syncs.validation import field_specs
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def sync(sync_settings, trigger=SyncRun.Trigger.MANUAL):
    run = run_sync(sync_settings, trigger, hooks=Hooks(sleep=no_sleep))
    run.refresh_from_db()
    return run


def calls(zoho_sandbox, since=0, writes_only=False):
    found = zoho_sandbox.calls()[since:]
    return [c for c in found if c["method"] != "GET"] if writes_only else found


@pytest.fixture
def shop(store_sandbox):
    shop = store_sandbox.woocommerce("woo-beyond", customers=14, seed="b")
    return shop, store_sandbox.app_store(shop, name="Beyond")


@pytest.fixture
def main(sandbox_connection):
    return make_settings(sandbox_connection)


def set_rows(sync_settings, module, rows, zoho_sandbox=None, crm_fields=None):
    """Save mapping rows as the editor does (typed and checked against the org's live fields)."""
    from integrations.zoho.crm import ZohoCRM

    specs = field_specs(crm_fields or ZohoCRM(sync_settings.connection).fields(module))
    assert validate_rows(module, rows, specs, sync_settings.last_name_fallback,
                         store_fields.kinds_for(sync_settings)) == []
    assert all(not r.errors for r in rows), [r.errors for r in rows if r.errors]
    save_rows(sync_settings, module, rows)


# --- Fixed values -------------------------------------------------------------------------------------------

def test_a_fixed_value_reaches_every_record_and_a_change_resends_them(zoho_sandbox, shop, main):
    rows = rows_from_db(main, LEADS) + [Row(FIXED, "Lead_Source", "", "Online Store"),
                                        Row(FIXED, "Description", "", "From the demo shop")]
    set_rows(main, LEADS, rows)
    assert sync(main).status == "succeeded"
    leads = zoho_sandbox.records(LEADS)
    assert leads and all(lead["Lead_Source"] == "Online Store" for lead in leads)
    assert {lead["Description"] for lead in leads} == {"From the demo shop"}

    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    assert calls(zoho_sandbox, before, writes_only=True) == []  # nothing changed: no write

    rows = rows_from_db(main, LEADS)
    next(r for r in rows if r.zoho_field == "Description").value = "Changed"
    set_rows(main, LEADS, rows)
    run = sync(main)
    assert run.updated >= len(leads)
    assert {lead["Description"] for lead in zoho_sandbox.records(LEADS)} == {"Changed"}

    count = len(zoho_sandbox.records(LEADS))
    assert sync(main, SyncRun.Trigger.RESET).status == "succeeded"
    assert len(zoho_sandbox.records(LEADS)) == count  # a reset resends without duplicates


def test_a_fixed_value_that_does_not_fit_its_field_is_refused_on_its_row(main, zoho_sandbox):
    from integrations.zoho.crm import ZohoCRM

    specs = field_specs(ZohoCRM(main.connection).fields(LEADS))
    rows = rows_from_db(main, LEADS) + [Row(FIXED, "Lead_Source", "", "Carrier pigeon"),
                                        Row(FIXED, "No_of_Employees", "", "many")]
    validate_rows(LEADS, rows, specs, main.last_name_fallback)
    assert "'Carrier pigeon' is not one of the picklist values" in rows[-2].errors[0]
    assert "takes a number" in rows[-1].errors[0]


# --- Accounts -----------------------------------------------------------------------------------------------

def test_accounts_are_upserted_once_per_company_and_linked_from_contacts_and_deals(zoho_sandbox, shop, main):
    sandbox_shop, _ = shop
    main.sync_accounts = True
    main.save()
    assert sync(main).status == "succeeded"
    accounts = zoho_sandbox.records(ACCOUNTS)
    names = Counter(a["Account_Name"] for a in accounts)
    assert accounts and max(names.values()) == 1  # one Account per company
    by_id = {a["id"]: a["Account_Name"] for a in accounts}
    contacts = zoho_sandbox.records(CONTACTS)
    with_company = {o.billing["email"].lower(): o.billing["company"] for o in sandbox_shop.orders.filter(
        customer__isnull=True) if o.billing.get("company")}  # guests
    with_company.update({c.email: c.company for c in sandbox_shop.customers.exclude(company="")})
    linked = [c for c in contacts if c["Email"] in with_company]
    assert linked and all(by_id[c["Account_Name"]["id"]] == with_company[c["Email"]][:100] for c in linked)
    assert all(not c.get("Account_Name") for c in contacts if c["Email"] not in with_company)
    assert all(not lead.get("Account_Name") for lead in zoho_sandbox.records(LEADS))  # Leads keep Company
    deals = [d for d in zoho_sandbox.records(DEALS) if d.get("Account_Name")]
    assert deals and all(d["Account_Name"]["id"] in by_id for d in deals)

    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    assert calls(zoho_sandbox, before, writes_only=True) == []

    buyer = sandbox_shop.customers.exclude(company="").filter(orders__isnull=False).first()
    shop_services.update_customer(buyer, phone="+1 555 0100")
    sync(main)
    account = next(a for a in zoho_sandbox.records(ACCOUNTS) if a["Account_Name"] == buyer.company[:100])
    assert account["Phone"] == "+1 555 0100"

    sync(main, SyncRun.Trigger.RESET)
    assert len(zoho_sandbox.records(ACCOUNTS)) == len(accounts)


def test_accounts_match_a_chosen_unique_field(zoho_sandbox, shop, main):
    zoho_sandbox.add_custom_field(ACCOUNTS, "Store Company", unique=True)
    from integrations.zoho.crm import ZohoCRM

    api_name = next(f["api_name"] for f in ZohoCRM(main.connection).fields(ACCOUNTS, refresh=True)
                    if f["field_label"] == "Store Company")
    set_rows(main, ACCOUNTS, rows_from_db(main, ACCOUNTS) + [Row("company", api_name, "lower")])
    main.sync_accounts, main.account_key_field = True, api_name
    main.save()
    assert sync(main).status == "succeeded"
    accounts = zoho_sandbox.records(ACCOUNTS)
    assert accounts and all(a[api_name] == a["Account_Name"].lower() for a in accounts)
    assert [c for c in zoho_sandbox.calls() if c["path"].endswith("/Accounts/upsert")]
    # Renamed in Zoho by hand, an Account is still found by the chosen field: no second one.
    import requests

    first = accounts[0]
    requests.put(f"{zoho_sandbox.crm}/Accounts/{first['id']}", headers=zoho_sandbox.auth_headers(),
                 json={"data": [{"Account_Name": "Renamed by hand"}]})
    sync(main, SyncRun.Trigger.RESET)
    assert len(zoho_sandbox.records(ACCOUNTS)) == len(accounts)


# --- Sales Orders with Products -----------------------------------------------------------------------------

@pytest.fixture
def inventory(zoho_sandbox, shop, main):
    sandbox_shop, store = shop
    main.sync_accounts = main.sync_sales_orders = True
    main.save()
    return sandbox_shop, store, main


def test_orders_become_sales_orders_with_their_lines_and_products(zoho_sandbox, inventory):
    sandbox_shop, store, main = inventory
    large = sandbox_shop.products.get(sku="HOOD-TM-L")
    buyer = sandbox_shop.customers.exclude(company="").first()
    order = shop_services.create_order(sandbox_shop, buyer, status="processing", line_items=[
        shop_services.line_item(large, 2, discount="7.80", tax="7.02"),
        shop_services.line_item(sandbox_shop.products.get(sku="CAP-LGO"), 1)])
    run = sync(main)
    assert run.status == "succeeded", run.error_summary

    products = {p["Product_Code"]: p for p in zoho_sandbox.records(PRODUCTS)}
    assert {"HOOD-TM-L", "CAP-LGO", "SCF-OLD"} <= set(products) and "HOOD-TM" not in products
    assert (products["HOOD-TM-L"]["Product_Name"], products["HOOD-TM-L"]["Unit_Price"]) == ("Team Hoodie - L", 39.0)
    assert products["SCF-OLD"]["Product_Active"] is False
    orders = zoho_sandbox.records(SALES_ORDERS)
    invalid = {e.key for e in RecordError.objects.filter(code="INVALID_EMAIL")}
    refused = RecordError.objects.filter(module=SALES_ORDERS)
    by_invalid = [o for o in sandbox_shop.orders.all() if o.billing.get("email", "").strip().lower() in invalid]
    assert refused.count() == len(by_invalid) > 0  # their buyers could not be matched: no Account
    assert all("customer record was not synced" in e.message for e in refused)
    assert len(orders) == sandbox_shop.orders.count() - refused.count()
    mine = next(o for o in orders if o["Subject"] == f"Beyond #{order.pk}")
    assert mine["Status"] == "Approved"
    hoodie, cap = mine["Product_Details"]
    assert hoodie["product"]["id"] == products["HOOD-TM-L"]["id"]
    assert (hoodie["quantity"], hoodie["list_price"], hoodie["Discount"], hoodie["Tax"]) == (2.0, 39.0, 7.8, 7.02)
    assert cap["product"]["id"] == products["CAP-LGO"]["id"]
    assert mine["Grand_Total"] == float(order.total)
    contact = next(c for c in zoho_sandbox.records(CONTACTS) if c["Email"] == buyer.email)
    account = next(a for a in zoho_sandbox.records(ACCOUNTS) if a["id"] == mine["Account_Name"]["id"])
    deal = next(d for d in zoho_sandbox.records(DEALS) if d["Deal_Name"] == f"Beyond #{order.pk}")
    assert mine["Contact_Name"]["id"] == contact["id"] and account["Account_Name"] == buyer.company[:100]
    assert mine["Deal_Name"]["id"] == deal["id"]

    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    assert calls(zoho_sandbox, before, writes_only=True) == []

    shop_services.update_order(order, status="refunded")
    shop_services.update_product(sandbox_shop.products.get(sku="CAP-LGO"), price="13.00")
    sync(main)
    mine = next(o for o in zoho_sandbox.records(SALES_ORDERS) if o["Subject"] == f"Beyond #{order.pk}")
    assert mine["Status"] == "Cancelled"
    assert next(p for p in zoho_sandbox.records(PRODUCTS) if p["Product_Code"] == "CAP-LGO")["Unit_Price"] == 13.0

    counts = (len(zoho_sandbox.records(SALES_ORDERS)), len(zoho_sandbox.records(PRODUCTS)))
    assert sync(main, SyncRun.Trigger.RESET).status == "succeeded"
    assert (len(zoho_sandbox.records(SALES_ORDERS)), len(zoho_sandbox.records(PRODUCTS))) == counts


def test_a_product_zoho_already_has_is_adopted_by_sku(zoho_sandbox, inventory):
    sandbox_shop, _, main = inventory
    import requests

    headers = zoho_sandbox.auth_headers()
    existing = requests.post(f"{zoho_sandbox.crm}/Products", headers=headers, json={"data": [
        {"Product_Name": "Polo (by hand)", "Product_Code": "POLO-EMB"}]}).json()["data"][0]["details"]["id"]
    sync(main)
    polos = [p for p in zoho_sandbox.records(PRODUCTS) if p["Product_Code"] == "POLO-EMB"]
    assert [p["id"] for p in polos] == [existing] and polos[0]["Product_Name"] == "Embroidered Polo"


def test_a_line_without_sku_puts_its_order_in_the_inbox_and_the_rest_syncs(zoho_sandbox, inventory):
    sandbox_shop, _, main = inventory
    buyer = sandbox_shop.customers.exclude(company="").first()
    bad = shop_services.create_order(sandbox_shop, buyer, line_items=[
        {"name": "Gift wrap", "sku": "", "quantity": 1, "price": "2.00"}])
    run = sync(main)
    assert run.status == "succeeded"
    errors = RecordError.objects.filter(module=SALES_ORDERS)
    error = errors.get(key__endswith=f"-{bad.pk}")
    assert "has no SKU" in error.message and error.field == "Product_Details"
    assert len(zoho_sandbox.records(SALES_ORDERS)) == sandbox_shop.orders.count() - errors.count()
    assert f"Beyond #{bad.pk}" not in {o["Subject"] for o in zoho_sandbox.records(SALES_ORDERS)}
    before, count = len(zoho_sandbox.calls()), errors.count()
    sync(main)
    assert calls(zoho_sandbox, before, writes_only=True) == []
    assert errors.count() == count  # not refused again every run


def test_a_line_whose_product_left_the_catalogue_becomes_an_inactive_product(zoho_sandbox, inventory):
    sandbox_shop, _, main = inventory
    buyer = sandbox_shop.customers.exclude(company="").first()
    order = shop_services.create_order(sandbox_shop, buyer, line_items=[
        {"name": "Limited Scarf", "sku": "GONE-1", "quantity": 2, "price": "20.00"}])
    assert sync(main).status == "succeeded"
    gone = next(p for p in zoho_sandbox.records(PRODUCTS) if p["Product_Code"] == "GONE-1")
    assert (gone["Product_Name"], gone["Unit_Price"], gone["Product_Active"]) == ("Limited Scarf", 20.0, False)
    mine = next(o for o in zoho_sandbox.records(SALES_ORDERS) if o["Subject"] == f"Beyond #{order.pk}")
    assert mine["Product_Details"][0]["product"]["id"] == gone["id"] and mine["Grand_Total"] == 40.0


def test_sales_orders_need_accounts():
    form = RecordMappingForm({"sync_contacts": True, "sync_sales_orders": True}, instance=make_settings())
    assert not form.is_valid()
    assert "requires an Account" in form.errors["sync_sales_orders"][0]


# --- The stores' own fields ---------------------------------------------------------------------------------

def test_a_stores_own_field_is_mapped_and_reaches_zoho(zoho_sandbox, store_sandbox, main):
    sandbox_shop = store_sandbox.woocommerce("woo-meta")
    store = store_sandbox.app_store(sandbox_shop, name="Meta Shop")
    shop_services.create_customer(sandbox_shop, email="gold@example.com", first_name="Gil", last_name="Gold",
                                  meta={"loyalty_tier": "Gold", "points": "120", "_private": "x"})
    zoho_sandbox.add_custom_field(LEADS, "Loyalty Tier")
    zoho_sandbox.add_custom_field(LEADS, "Points", "integer")
    from integrations.zoho.crm import ZohoCRM

    fields = ZohoCRM(main.connection).fields(LEADS, refresh=True)
    names = {f["field_label"]: f["api_name"] for f in fields}
    store_fields.refresh(store)
    set_rows(main, LEADS, rows_from_db(main, LEADS) + [
        Row("custom:loyalty_tier", names["Loyalty Tier"]), Row("custom:points", names["Points"])], crm_fields=fields)
    assert sync(main).status == "succeeded"
    (lead,) = [r for r in zoho_sandbox.records(LEADS) if r["Email"] == "gold@example.com"]
    assert (lead[names["Loyalty Tier"]], lead[names["Points"]]) == ("Gold", 120)

    before = len(zoho_sandbox.calls())
    sync(main)
    assert calls(zoho_sandbox, before, writes_only=True) == []
    customer = sandbox_shop.customers.get(email="gold@example.com")
    shop_services.update_customer(customer, meta={**customer.meta, "loyalty_tier": "Silver"})
    sync(main)
    (lead,) = [r for r in zoho_sandbox.records(LEADS) if r["Email"] == "gold@example.com"]
    assert lead[names["Loyalty Tier"]] == "Silver"


def test_a_preview_counts_the_accounts_products_and_sales_orders_it_would_create(zoho_sandbox, inventory):
    from syncs.services import dry_run

    sandbox_shop, _, main = inventory
    preview = dry_run(main)
    assert preview.status == "succeeded"
    assert zoho_sandbox.records(SALES_ORDERS) == [] and zoho_sandbox.records(PRODUCTS) == []
    refused = [s for s in preview.report.get("invalid", []) if s.get("module") == SALES_ORDERS]
    assert all("customer record was not synced" in s["message"] for s in refused)  # invalid emails only
    real = sync(main)
    assert zoho_sandbox.records(SALES_ORDERS) and zoho_sandbox.records(PRODUCTS)
    assert (preview.created, preview.failed) == (real.created, real.failed)


# --- Org to org by record id --------------------------------------------------------------------------------

def partner_store(zoho_sandbox, module, org=None, name="Partner CRM"):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.stores.models import Store
    from integrations.zoho.models import ZohoApiClient, ZohoConnection

    partner = org or zoho_sandbox.create_org(name)
    client = zoho_sandbox.create_client(org=partner)
    tokens = zoho_sandbox.grant_tokens(client)
    api_client = ZohoApiClient.objects.create(name=f"api-{name}", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    connection = ZohoConnection.objects.create(
        name=name, api_client=api_client, status=ZohoConnection.Status.CONNECTED, org_id=str(partner.pk),
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]))
    store = Store.objects.create(name=name, kind=Store.Kind.ZOHO, zoho_connection=connection,
                                 base_url="https://crm.zoho.com", config={"module": module})
    return partner, connection, store


def test_org_to_org_keys_people_by_the_source_record_id(zoho_sandbox, main):
    from integrations.zoho.crm import ZohoCRM

    partner, connection, _ = partner_store(zoho_sandbox, LEADS)
    source = ZohoCRM(connection)
    no_email, with_email = (r.zoho_id for r in source.upsert(LEADS, [
        {"Last_Name": "Only A Name"}, {"Last_Name": "Pat", "Email": "pat@example.com"}]))
    assert sync(main).status == "succeeded"
    leads = {lead["Last_Name"]: lead for lead in zoho_sandbox.records(LEADS)}
    assert set(leads) == {"Only A Name", "Pat"} and leads["Only A Name"]["Email"] is None

    source.update(LEADS, [{"id": with_email, "Email": "pat.new@example.com"},
                          {"id": no_email, "Email": "named@example.com"}])
    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    after = {lead["Last_Name"]: lead for lead in zoho_sandbox.records(LEADS)}
    assert len(after) == 2  # a changed email updates the same record
    assert after["Pat"]["id"] == leads["Pat"]["id"] and after["Pat"]["Email"] == "pat.new@example.com"
    assert after["Only A Name"]["id"] == leads["Only A Name"]["id"]
    assert after["Only A Name"]["Email"] == "named@example.com"
    assert [c for c in calls(zoho_sandbox, before, writes_only=True) if c["path"].endswith("/Leads")]  # by id

    sync(main, SyncRun.Trigger.RESET)
    assert len(zoho_sandbox.records(LEADS)) == 2


def test_a_zoho_org_store_is_never_synced_into_its_own_org(zoho_sandbox, main):
    from integrations.zoho.crm import ZohoCRM

    main.connection.org_id = str(ZohoCRM(main.connection).org()["id"])  # as Verify records it
    main.connection.save()
    _, second, _ = partner_store(zoho_sandbox, CONTACTS, org=zoho_sandbox.org, name="Same org")
    second.org_id = main.connection.org_id  # a second connection into the same org
    second.save()
    run = sync(main)
    assert run.status != "succeeded"
    (unreadable,) = run.report["unreadable_stores"]
    assert unreadable["store"] == "Same org" and "cannot be synced into itself" in unreadable["message"]


def test_org_to_org_deals_are_keyed_by_the_source_record_id_and_link_their_contact(zoho_sandbox, main):
    from integrations.zoho.crm import ZohoCRM

    main.sync_deals = True
    main.save()
    _, connection, _ = partner_store(zoho_sandbox, CONTACTS)
    source = ZohoCRM(connection)
    (buyer,) = (r.zoho_id for r in source.upsert(CONTACTS, [{"Last_Name": "Buyer", "Email": "buyer@example.com"}]))
    deal_id, orphan_id = (r.zoho_id for r in source.insert(DEALS, [
        {"Deal_Name": "Big order", "Stage": "Qualification", "Amount": 120.5, "Closing_Date": "2026-12-31",
         "Contact_Name": {"id": buyer}},
        {"Deal_Name": "No contact", "Stage": "Closed Won", "Amount": 10}]))
    assert sync(main).status == "succeeded"
    contact = next(c for c in zoho_sandbox.records(CONTACTS) if c["Last_Name"] == "Buyer")
    deals = {d["Deal_Name"]: d for d in zoho_sandbox.records(DEALS)}
    assert set(deals) == {"Big order", "No contact"}
    big = deals["Big order"]
    assert (big["Stage"], big["Amount"], big["Closing_Date"]) == ("Qualification", 120.5, "2026-12-31")
    assert big["Contact_Name"]["id"] == contact["id"]  # the target id of the source Contact
    assert not deals["No contact"].get("Contact_Name") and deals["No contact"]["Stage"] == "Closed Won"

    source.update(DEALS, [{"id": deal_id, "Deal_Name": "Bigger order", "Stage": "Closed Won"}])
    assert sync(main).status == "succeeded"
    after = {d["Deal_Name"]: d for d in zoho_sandbox.records(DEALS)}
    assert set(after) == {"Bigger order", "No contact"}  # renamed: the same target record, updated
    assert after["Bigger order"]["id"] == big["id"] and after["Bigger order"]["Stage"] == "Closed Won"
    assert after["Bigger order"]["Contact_Name"]["id"] == contact["id"]

    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    assert calls(zoho_sandbox, before, writes_only=True) == []  # nothing changed: no write

    sync(main, SyncRun.Trigger.RESET)
    assert len(zoho_sandbox.records(DEALS)) == 2 and len(zoho_sandbox.records(CONTACTS)) == 1
    assert orphan_id and {d["id"] for d in zoho_sandbox.records(DEALS)} == {d["id"] for d in after.values()}


def test_org_to_org_accounts_are_keyed_by_the_source_record_id(zoho_sandbox, main):
    from integrations.zoho.crm import ZohoCRM

    main.sync_accounts = True
    main.save()
    _, connection, _ = partner_store(zoho_sandbox, CONTACTS)
    source = ZohoCRM(connection)
    (zylker,) = (r.zoho_id for r in source.insert(ACCOUNTS, [
        {"Account_Name": "Zylker", "Website": "https://zylker.example", "Billing_City": "Chennai"}]))
    assert sync(main).status == "succeeded"
    (account,) = zoho_sandbox.records(ACCOUNTS)
    assert (account["Account_Name"], account["Website"], account["Billing_City"]) == (
        "Zylker", "https://zylker.example", "Chennai")

    source.update(ACCOUNTS, [{"id": zylker, "Account_Name": "Zylker Corp"}])
    assert sync(main).status == "succeeded"
    (renamed,) = zoho_sandbox.records(ACCOUNTS)  # renamed: the same target record, updated
    assert renamed["id"] == account["id"] and renamed["Account_Name"] == "Zylker Corp"

    before = len(zoho_sandbox.calls())
    assert sync(main).status == "succeeded"
    assert calls(zoho_sandbox, before, writes_only=True) == []  # nothing changed: no write

    assert sync(main, SyncRun.Trigger.RESET).status == "succeeded"
    assert [a["id"] for a in zoho_sandbox.records(ACCOUNTS)] == [account["id"]]

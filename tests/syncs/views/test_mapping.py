"""Map Fields: rows against the org's live field metadata, with inline explanations; nothing saved until valid."""

import pytest

from syncs.models import FieldMapping
from tests.syncs.conftest import make_connection, make_settings

from .conftest import body, texts

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def sync_settings(verified_sandbox):
    return make_settings(verified_sandbox, save=False)


def url(sync_settings, module="Contacts"):
    return f"/zoho/connections/{sync_settings.connection_id}/mapping/{module}/"


def rows(*triples):
    data = {"store_field": [], "zoho_field": [], "transform": []}
    for store_field, zoho_field, transform in triples:
        data["store_field"].append(store_field)
        data["zoho_field"].append(zoho_field)
        data["transform"].append(transform)
    return data


VALID = [("email", "Email", ""), ("firstname", "First_Name", "truncate"), ("lastname", "Last_Name", "truncate")]


def test_it_lists_the_orgs_live_fields_with_type_and_required_marker(admin_client, sync_settings):
    page = body(admin_client.get(url(sync_settings)))
    for text in ("Map This Customer Data", "To This Zoho Field", "Add new field", "Delete", "OK",
                 "Last Name (Last_Name) · text · required *", "Email (Email) · email",
                 "Read-only in Zoho (cannot be written)", "total_order_value (number)", "Refresh fields from Zoho"):
        assert text in page, text
    rows = sync_settings.mappings.filter(module="Contacts").count()
    assert page.count('name="store_field"') == rows + 1  # + the row template for "Add new field"


def test_it_shows_a_custom_field_added_in_zoho(admin_client, sync_settings, zoho_sandbox):
    zoho_sandbox.add_custom_field("Contacts", "Loyalty Tier", "picklist", pick_list_values=["Gold", "Silver"])
    admin_client.post(f"/zoho/connections/{sync_settings.connection_id}/fields/refresh/", {"module": "Contacts"})
    page = body(admin_client.get(url(sync_settings)))
    assert "Loyalty Tier (Loyalty_Tier) · picklist" in page


def test_add_new_field_and_delete_work_without_javascript(admin_client, sync_settings):
    added = admin_client.post(url(sync_settings), {**rows(*VALID), "action": "add"})
    assert added.status_code == 200 and body(added).count('aria-label="Map This Customer Data, row') == 4 + 1
    deleted = admin_client.post(url(sync_settings), {**rows(*VALID), "action": "delete-1"})
    page = body(deleted)
    assert page.count('aria-label="Map This Customer Data, row') == 2 + 1
    assert 'value="firstname" selected' not in page and 'value="lastname" selected' in page
    assert FieldMapping.objects.filter(settings=sync_settings, module="Contacts").count() == 9  # nothing saved


def test_ok_saves_the_rows_in_order_and_returns_to_the_wizard(admin_client, sync_settings):
    response = admin_client.post(url(sync_settings), {**rows(*VALID, ("", "", ""), ("order_count", "Description",
                                                                                 "text")), "action": "ok"})
    assert response.status_code == 302
    assert response.url == f"/zoho/connections/{sync_settings.connection_id}/#record-mapping"
    saved = list(FieldMapping.objects.filter(settings=sync_settings, module="Contacts").values_list(
        "position", "store_field", "zoho_field", "transform"))
    assert saved == [(0, "email", "Email", ""), (1, "firstname", "First_Name", "truncate"),
                     (2, "lastname", "Last_Name", "truncate"), (3, "order_count", "Description", "text")]
    assert texts(response) == ["Contacts field mapping saved (4 fields)."]


@pytest.mark.parametrize(("extra", "expected"), [
    (("firstname", "Last_Name", ""), "Last_Name is mapped twice. Each Zoho field can be filled from one store field"),
    (("city", "Created_Time", ""), "Created_Time is read-only in Zoho. Zoho fills this field itself"),
    (("newsletter", "Mailing_Zip", "text"), None),  # yes/no as text is fine
    (("company", "Email_Opt_Out", ""), "company (text) does not fit Email_Opt_Out (boolean). Pick a Zoho field of"),
    (("city", "No_Such_Field", ""), "Contacts has no field No_Such_Field. It may have been deleted or renamed"),
    (("city", "", ""), "Choose both the customer data and the Zoho field, or delete the row."),
    (("order_count", "Description", ""), "order_count holds a whole number but Description is a textarea field in "
                                         "Zoho, which only takes text: choose “As text” under Adjust value."),
    (("newsletter", "Mailing_Street", "not"), "newsletter holds a yes/no value but Mailing_Street"),
    (("order_count", "Description", "truncate"), None),  # cut to length: sent as text
])
def test_invalid_rows_are_explained_inline_and_nothing_is_saved(admin_client, sync_settings, extra, expected):
    response = admin_client.post(url(sync_settings), {**rows(*VALID, extra), "action": "ok"})
    if expected is None:
        assert response.status_code == 302
        return
    page = body(response)
    assert response.status_code == 400 and expected in page
    assert 'id="row-4-errors"' in page and 'aria-invalid="true"' in page  # on the offending row
    assert "Nothing was saved" in page
    assert f'value="{extra[0]}" selected' in page  # the input is kept
    assert FieldMapping.objects.filter(settings=sync_settings, module="Contacts").count() == 9


def test_email_from_another_field_is_explained_on_that_row_only(admin_client, sync_settings):
    response = admin_client.post(url(sync_settings), {**rows(("firstname", "Email", ""), *VALID[1:]), "action": "ok"})
    page = body(response)
    assert response.status_code == 400 and page.count("Email is the match key: map it from email.") == 1
    assert 'id="row-1-errors"' in page and 'id="row-2-errors"' not in page


def test_a_missing_mandatory_field_is_explained(admin_client, sync_settings):
    sync_settings.last_name_fallback = ""
    sync_settings.save()
    response = admin_client.post(url(sync_settings), {**rows(("email", "Email", "")), "action": "ok"})
    assert response.status_code == 400
    assert "Last_Name is required by Zoho and no row fills it. Click Add new field" in body(response)


def test_unknown_module_is_404(admin_client):
    assert admin_client.get(url(make_settings(make_connection()), "Campaigns")).status_code == 404


def test_zoho_trouble_is_explained_and_blocks_saving(admin_client, sync_settings, zoho_sandbox):
    zoho_sandbox.revoke_refresh_tokens()
    zoho_sandbox.expire_access_tokens()
    page = body(admin_client.get(url(sync_settings, "Leads")))
    assert "Could not fetch the Leads fields from Zoho" in page
    response = admin_client.post(url(sync_settings, "Leads"), {**rows(*VALID), "action": "ok"})
    assert response.status_code == 400 and "Nothing was saved: Could not fetch" in body(response)


DEAL_ROWS = [("deal_name", "Deal_Name", "truncate"), ("total", "Amount", ""), ("stage", "Stage", ""),
             ("closing_date", "Closing_Date", ""), ("line_summary", "Description", "")]


def test_the_deals_mapping_maps_order_fields_and_a_saved_change_marks_the_orders_for_the_next_run(
        admin_client, sync_settings):
    from syncs.models import OrderSnapshot
    from tests.syncs.conftest import make_store

    page = body(admin_client.get(url(sync_settings, "Deals")))
    for text in ("Map This Order Data", "total (number)", "closing_date (date)", "Deal Name (Deal_Name) · text",
                 "linked to the buyer's Contact"):
        assert text in page, text
    assert "email (text)" in page and "total_order_value" not in page  # order fields, not customer fields
    store = make_store("Mapped")
    OrderSnapshot.objects.create(settings=sync_settings, store=store, key=f"{store.pk}-1", dirty=False)

    saved = admin_client.post(url(sync_settings, "Deals"), {**rows(*DEAL_ROWS), "action": "ok"})
    assert saved.status_code == 302
    assert ("line_summary", "Description") in FieldMapping.objects.filter(
        settings=sync_settings, module="Deals").values_list("store_field", "zoho_field")
    assert OrderSnapshot.objects.get().dirty  # the next run looks at every order again


def test_a_deals_row_of_the_wrong_type_is_explained_on_its_row(admin_client, sync_settings):
    response = admin_client.post(url(sync_settings, "Deals"),
                                 {**rows(*DEAL_ROWS[:4], ("closing_date", "Amount", "")), "action": "ok"})
    assert response.status_code == 400
    assert "closing_date (date) does not fit Amount (currency)" in body(response)


def test_a_fixed_value_is_offered_typed_saved_and_shown_again(admin_client, sync_settings):
    assert "Fixed value…" in body(admin_client.get(url(sync_settings, "Leads")))
    data = rows(*VALID, ("=", "Lead_Source", ""), ("=", "No_of_Employees", ""))
    data["value"] = ["", "", "", "Online Store", "12"]
    response = admin_client.post(url(sync_settings, "Leads"), {**data, "action": "ok"})
    assert response.status_code == 302, body(response)
    saved = list(FieldMapping.objects.filter(settings=sync_settings, module="Leads", value__isnull=False)
                 .values_list("store_field", "zoho_field", "value"))
    assert saved == [("", "Lead_Source", "Online Store"), ("", "No_of_Employees", 12)]
    page = body(admin_client.get(url(sync_settings, "Leads")))
    assert 'value="Online Store"' in page and 'value="=" selected' in page


def test_a_fixed_value_that_does_not_fit_is_explained_on_its_row(admin_client, sync_settings):
    data = rows(*VALID, ("=", "Lead_Source", ""))
    data["value"] = ["", "", "", "Carrier pigeon"]
    page = body(admin_client.post(url(sync_settings, "Leads"), {**data, "action": "ok"}))
    assert "Lead_Source: 'Carrier pigeon' is not one of the picklist values" in page
    assert 'value="Carrier pigeon"' in page  # what was typed is kept
    assert not FieldMapping.objects.filter(settings=sync_settings, value__isnull=False).exists()


def test_refresh_store_fields_offers_each_stores_own_fields_by_name(admin_client, sync_settings, store_sandbox):
    from sandbox.stores import services

    shop = store_sandbox.woocommerce("woo-own")
    services.create_customer(shop, email="a@example.com", meta={"loyalty_tier": "Gold"})
    store_sandbox.app_store(shop, name="Own Shop")
    assert "Loyalty tier (Own Shop)" not in body(admin_client.get(url(sync_settings)))
    data = rows(*VALID)
    response = admin_client.post(url(sync_settings), {**data, "action": "refresh-store-fields"})
    page = body(response)
    assert "Own Shop: 1 own customer fields (Loyalty tier)." in texts(response)
    assert 'value="custom:loyalty_tier"' in page and "Loyalty tier (Own Shop) · text" in page
    assert 'value="firstname" selected' in page  # the rows being edited are kept
    data = rows(*VALID, ("custom:loyalty_tier", "Description", ""))
    assert admin_client.post(url(sync_settings), {**data, "action": "ok"}).status_code == 302


def test_the_accounts_and_sales_orders_mappings_need_no_row_for_what_the_sync_links(admin_client, sync_settings):
    accounts = body(admin_client.get(url(sync_settings, "Accounts")))
    assert "One Account per company, matched on" in accounts and 'value="company" selected' in accounts
    orders = body(admin_client.get(url(sync_settings, "Sales_Orders")))
    assert "Map This Order Data" in orders and 'value="so_status" selected' in orders
    data = rows(("deal_name", "Subject", "truncate"), ("so_status", "Status", ""))
    assert admin_client.post(url(sync_settings, "Sales_Orders"), {**data, "action": "ok"}).status_code == 302
    linked = rows(("deal_name", "Subject", "truncate"), ("total", "Product_Details", ""))
    assert "Product_Details is filled by the sync itself" in body(
        admin_client.post(url(sync_settings, "Sales_Orders"), {**linked, "action": "ok"}))

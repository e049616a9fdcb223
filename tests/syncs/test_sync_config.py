"""`manage.py sync_config export|import`: the settings as one JSON document, checked like the mapping editor."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from integrations.models import AuditEntry
from syncs.models import ACCOUNTS, CONTACTS, DEALS, LEADS, SALES_ORDERS, CustomerSnapshot, FieldMapping, SyncSettings
from tests.syncs.conftest import make_connection, make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def demo(zoho_sandbox, sandbox_connection):
    return make_settings(sandbox_connection)


def command(*args):
    out = io.StringIO()
    call_command("sync_config", *args, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path, document) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    return str(path)


def mapping_rows(sync_settings):
    return list(FieldMapping.objects.filter(settings=sync_settings).order_by("module", "position").values_list(
        "module", "store_field", "zoho_field", "transform"))


def test_export_then_import_of_the_same_document_changes_nothing(demo, tmp_path):
    exported = command("export", "--connection", "demo")
    assert exported["sync_option"] == "all" and exported["allow_affiliates"] is False
    assert set(exported["modules"]) == {CONTACTS, LEADS, ACCOUNTS, DEALS, SALES_ORDERS}
    assert exported["modules"][ACCOUNTS]["enabled"] is False and exported["modules"][SALES_ORDERS]["enabled"] is False
    assert exported["modules"][CONTACTS]["mapping"][0] == {"from": "email", "to": "Email", "adjust": ""}
    assert exported["modules"][DEALS]["enabled"] is True
    assert exported["policies"]["deleted_in_zoho"] == "skip" and "stores" in exported
    assert "secret" not in json.dumps(exported).lower() and "token" not in json.dumps(exported).lower()

    summary = command("import", "--connection", "demo", write(tmp_path, exported))
    assert summary == {"connection": "demo", "ok": True, "dry_run": False, "changed": False, "settings": {},
                       "mappings": {}}


def test_import_applies_changes_and_says_what_changed(demo, tmp_path):
    document = command("export", "--connection", "demo")
    document["modules"][LEADS]["enabled"] = False
    document["modules"][CONTACTS]["mapping"].append({"from": "city", "to": "Description", "adjust": "upper"})
    document["policies"]["interval_minutes"] = 15
    path = write(tmp_path, document)

    preview = command("import", "--connection", "demo", path, "--dry-run")
    assert preview["changed"] and preview["dry_run"]
    assert SyncSettings.objects.get().sync_leads is True  # a dry run changes nothing

    summary = command("import", "--connection", "demo", path)
    assert summary["settings"] == {"sync_leads": {"from": True, "to": False},
                                   "interval_minutes": {"from": 30, "to": 15}}
    assert summary["mappings"] == {CONTACTS: {"added": [{"from": "city", "to": "Description", "adjust": "upper"}],
                                              "removed": []}}
    saved = SyncSettings.objects.get()
    assert not saved.sync_leads and saved.interval_minutes == 15
    entry = AuditEntry.objects.get(actor="manage.py sync_config")
    assert "sync_leads" in entry.detail and "the Contacts mapping" in entry.detail
    assert (CONTACTS, "city", "Description", "upper") in mapping_rows(saved)
    assert command("import", "--connection", "demo", path)["changed"] is False

    document["stores"] = ["Production shop"]
    noted = command("import", "--connection", "demo", write(tmp_path, document))
    assert noted["changed"] is False and "Production shop" in noted["notes"][0]


def test_an_import_naming_an_unknown_zoho_field_exits_1_and_changes_nothing(demo, tmp_path):
    document = command("export", "--connection", "demo")
    document["modules"][CONTACTS]["mapping"].append({"from": "city", "to": "Shoe_Size", "adjust": ""})
    document["modules"][LEADS]["enabled"] = False
    document["policies"]["deleted_in_store"] = "shred"
    before, snapshot_flags = mapping_rows(demo), list(CustomerSnapshot.objects.values_list("dirty", flat=True))
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("sync_config", "import", "--connection", "demo", write(tmp_path, document), stdout=out)
    doc = json.loads(out.getvalue())  # still one JSON document, with every reason
    assert doc["ok"] is False
    # The editor's own words for an unknown field, on its row.
    assert any("Contacts row 10 (city → Shoe_Size): Contacts has no field Shoe_Size. It may have been deleted "
               "or renamed in Zoho" in e for e in doc["errors"]), doc["errors"]
    assert any("policies.deleted_in_store must be one of" in e for e in doc["errors"])
    assert "nothing changed" in str(error.value)
    assert mapping_rows(demo) == before and SyncSettings.objects.get().sync_leads is True
    assert list(CustomerSnapshot.objects.values_list("dirty", flat=True)) == snapshot_flags


def test_an_import_that_is_not_json_exits_1(db, tmp_path):
    make_settings(make_connection(name="demo"))
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("sync_config", "import", "--connection", "demo", str(path), stdout=io.StringIO())


def test_fixed_values_accounts_and_sales_orders_round_trip(demo, tmp_path):
    document = command("export", "--connection", "demo")
    document["modules"][LEADS]["mapping"].append({"value": "Online Store", "to": "Lead_Source"})
    document["modules"][LEADS]["mapping"].append({"value": "12", "to": "No_of_Employees", "adjust": ""})
    document["modules"][ACCOUNTS]["enabled"] = True
    document["modules"][SALES_ORDERS]["enabled"] = True
    document["policies"]["sales_order_tax_name"] = "VAT"
    summary = command("import", "--connection", "demo", write(tmp_path, document))
    assert summary["mappings"][LEADS]["added"] == [{"value": "Online Store", "to": "Lead_Source", "adjust": ""},
                                                   {"value": 12, "to": "No_of_Employees", "adjust": ""}]
    saved = SyncSettings.objects.get()
    assert saved.sync_accounts and saved.sync_sales_orders and saved.sales_order_tax_name == "VAT"
    assert FieldMapping.objects.get(settings=saved, zoho_field="No_of_Employees").value == 12

    exported = command("export", "--connection", "demo")
    assert {"value": 12, "to": "No_of_Employees", "adjust": ""} in exported["modules"][LEADS]["mapping"]
    assert command("import", "--connection", "demo", write(tmp_path, exported))["changed"] is False


def test_an_import_with_a_bad_fixed_value_or_an_unknown_store_field_changes_nothing(demo, tmp_path):
    document = command("export", "--connection", "demo")
    document["modules"][LEADS]["mapping"].append({"value": "Carrier pigeon", "to": "Lead_Source"})
    document["modules"][CONTACTS]["mapping"].append({"from": "custom:loyalty_tier", "to": "Description"})
    before = mapping_rows(demo)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sync_config", "import", "--connection", "demo", write(tmp_path, document), stdout=out)
    errors = json.loads(out.getvalue())["errors"]
    assert any("fixed value 'Carrier pigeon' → Lead_Source" in e and "not one of the picklist values" in e
               for e in errors), errors
    assert any("custom:loyalty_tier is not a store field" in e for e in errors), errors
    assert mapping_rows(demo) == before


def test_an_unknown_connection_exits_1_with_one_json_document(db):
    out = io.StringIO()
    with pytest.raises(CommandError, match="No Zoho connection named 'nope'"):
        call_command("sync_config", "export", "--connection", "nope", stdout=out)
    assert json.loads(out.getvalue())["ok"] is False

import io

import pytest
import requests

from sandbox.demo import zoho_connection as demo
from syncs.models import SyncSettings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_it_connects_the_sandbox_through_the_paste_flow_with_deconetwork_defaults(zoho_sandbox, store_sandbox):
    out = io.StringIO()
    demo.setup(out, connect=True)
    demo.setup(out, connect=True)  # idempotent
    sync_settings = SyncSettings.objects.get(connection__name="demo")
    assert sync_settings.connection.status == "connected" and sync_settings.enabled
    assert sync_settings.sync_option == "all" and sync_settings.sync_contacts and sync_settings.sync_leads
    assert sync_settings.sync_accounts and sync_settings.sync_sales_orders
    assert sync_settings.mappings.filter(module="Contacts", zoho_field="Last_Name").exists()
    assert "is connected" in out.getvalue()


def test_it_leaves_a_ready_to_paste_grant_token_when_no_server_answers(http):
    token_endpoint = http.add("POST", "http://testserver/sandbox/zoho/accounts/oauth/v2/token",
                              body=requests.ConnectionError("server not running"))
    out = io.StringIO()
    demo.setup(out, connect=True)
    sync_settings = SyncSettings.objects.get(connection__name="demo")
    assert sync_settings.enabled and sync_settings.connection.status != "connected"
    assert "--grant-token" in out.getvalue() and "make run" in out.getvalue()
    assert token_endpoint.call_count == 1


def test_the_command_prints_the_demo_logins_on_every_run_until_changed():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    for _ in range(2):
        out = io.StringIO()
        call_command("demo", stdout=out)
        assert "admin / zoho-demo" in out.getvalue() and "partner / partner-demo" in out.getvalue()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-the-owner")
    admin.save()
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "zoho-demo" not in out.getvalue() and "admin / (the password you set)" in out.getvalue()


def test_the_demo_and_its_first_sync_put_every_demo_order_in_zoho_as_a_deal(zoho_sandbox, store_sandbox):
    """What `make run` does: `demo --connect`, then the worker's tick runs the first sync."""
    from django.core.management import call_command

    from sandbox.stores.models import SandboxOrder
    from syncs import tasks

    store_sandbox.serve()
    call_command("demo", "--connect", stdout=io.StringIO())
    result = tasks.tick()  # the first sync is due at once (inline in tests)
    assert len(result["enqueued"]) == 1
    from sandbox.zoho.demo import ensure_demo_sandbox

    deals = zoho_sandbox.records("Deals", org=ensure_demo_sandbox().org)
    assert len(deals) == SandboxOrder.objects.count() > 0
    assert {d["Deal_Name"].split(" #")[0] for d in deals} == {"My Store", "Partner Store"}
    assert any(d.get("Contact_Name") for d in deals)
    # Sales Orders with their lines, and the stores' catalogues as Products.
    org = ensure_demo_sandbox().org
    orders = zoho_sandbox.records("Sales_Orders", org=org)
    assert orders and all(o["Product_Details"] and o["Account_Name"] for o in orders)
    assert {o["Subject"].split(" #")[0] for o in orders} == {"My Store", "Partner Store"}
    assert {"POLO-EMB", "HOOD-TM-M"} <= {p["Product_Code"] for p in zoho_sandbox.records("Products", org=org)}

import io
import json

import pytest
from django.core.management import CommandError, call_command

from syncs.models import SyncRun
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def demo(zoho_sandbox, store_sandbox, sandbox_connection):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=10, seed="a"))
    return make_settings(sandbox_connection)


def run_json(*args):
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_it_syncs_now_and_prints_one_json_document(demo):
    doc = run_json("sync_now", "--connection", "demo")
    assert doc["status"] == "succeeded" and doc["counts"]["created"] > 0
    # Per module (Contacts, Leads, Deals): its fields, then one write.
    assert doc["zoho_calls"] == 6 and doc["credits"] >= doc["zoho_calls"]
    again = run_json("sync_now", "--connection", "demo")
    assert again["zoho_calls"] == 0 and again["counts"]["created"] == 0


def test_it_previews_with_dry_run(demo, zoho_sandbox):
    doc = run_json("sync_now", "--connection", "demo", "--dry-run")
    assert doc["dry_run"] and doc["counts"]["created"] > 0
    assert not [c for c in zoho_sandbox.calls() if c["method"] != "GET"]
    assert SyncRun.objects.get().dry_run


def test_it_resets_with_confirmation(demo):
    run_json("sync_now", "--connection", "demo")
    with pytest.raises(CommandError, match="--yes"):
        call_command("reset_sync", "--connection", "demo")
    doc = run_json("reset_sync", "--connection", "demo", "--yes")
    assert doc["trigger"] == "reset" and doc["status"] == "succeeded"
    assert doc["progress"]["done"] == doc["progress"]["total"] > 0 and doc["counts"]["created"] == 0


def test_it_fails_with_a_non_zero_exit_and_a_readable_reason(demo):
    demo.mappings.create(module="Contacts", position=50, store_field="city", zoho_field="No_Such_Field")
    out = io.StringIO()
    with pytest.raises(CommandError, match="No_Such_Field"):
        call_command("sync_now", "--connection", "demo", "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "failed"
    with pytest.raises(CommandError, match="No Zoho connection named"):
        call_command("sync_now", "--connection", "nope")

"""Why a run stopped: each way a run can end early sets `SyncRun.stop_reason`, which the run page shows and the
dashboard's health uses (instead of guessing from the status). A store that cannot be read ("store_error") is
in tests/reliability/test_store_faults.py, a lost database ("database") in test_database_outage.py, runs the tick
closes ("crashed", "not_started") and skipped ones ("busy") in test_sync_now.py."""

import pytest

from integrations.zoho.models import ZohoConnection
from syncs.engine import Hooks
from syncs.foreground import run_in_foreground
from syncs.models import CONTACTS, FieldMapping, SyncRun, SyncSettings
from tests.syncs.conftest import make_settings, no_sleep

from .views.conftest import body

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def main(sandbox_connection, store_sandbox):
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=30, seed="a"))
    return make_settings(sandbox_connection)


def zoho_refuses(mode):
    def cause(zoho_sandbox, main, store_sandbox):
        zoho_sandbox.fault(fail_next=1000, fail_mode=mode)
    return cause


def revoke(zoho_sandbox, main, store_sandbox):
    zoho_sandbox.revoke_refresh_tokens()
    zoho_sandbox.expire_access_tokens()


def spend_the_budget(zoho_sandbox, main, store_sandbox):
    ZohoConnection.objects.filter(pk=main.connection_id).update(daily_credit_budget=1)
    main.connection.refresh_from_db()


def map_a_missing_field(zoho_sandbox, main, store_sandbox):
    FieldMapping.objects.create(settings=main, module=CONTACTS, position=99, store_field="city",
                                zoho_field="No_Such_Field")


def take_the_claim_over(run):
    SyncSettings.objects.filter(pk=run.settings_id).update(claimed_by="another-machine:1:feedbeef")


def crash(run):
    raise RuntimeError("a bug")


CAUSES = {
    "rate_limited": (zoho_refuses("429"), None, "partial"),
    "transient": (zoho_refuses("503"), None, "failed"),
    "reauthorization": (revoke, None, "failed"),
    "credit_budget": (spend_the_budget, None, "partial"),
    "configuration": (map_a_missing_field, None, "failed"),
    "claim_lost": (None, take_the_claim_over, "failed"),
    "crashed": (None, crash, "failed"),
}


@pytest.mark.parametrize("reason", list(CAUSES))
def test_it_records_why_a_run_stopped_and_shows_it(zoho_sandbox, store_sandbox, main, admin_client, reason):
    before, after_batch, status = CAUSES[reason]
    if before:
        before(zoho_sandbox, main, store_sandbox)

    run = run_in_foreground(main, hooks=Hooks(sleep=no_sleep, after_batch=after_batch)).last

    run.refresh_from_db()
    assert (run.status, run.stop_reason) == (status, reason)
    assert run.error_summary and run.finished_at
    page = body(admin_client.get(f"/runs/{run.pk}/"))
    assert f'data-stop-reason="{reason}"' in page
    assert f"Stopped because: {SyncRun.StopReason(reason).label}." in page
    dashboard = body(admin_client.get("/"))
    assert ("Rate-limited" in dashboard) is (reason == "rate_limited")


def test_it_gives_a_finished_run_no_stop_reason(zoho_sandbox, main, admin_client):
    run = run_in_foreground(main, hooks=Hooks(sleep=no_sleep)).last
    run.refresh_from_db()
    assert (run.status, run.stop_reason) == ("succeeded", "")
    assert "Stopped because" not in body(admin_client.get(f"/runs/{run.pk}/"))

"""The dashboard's health line and empty states (the full dashboard is in test_preview_and_runs.py)."""

from django.utils import timezone

from integrations.stores.models import Store
from integrations.zoho.models import ZohoApiUsage, ZohoConnection
from syncs.models import SyncRun
from tests.syncs.conftest import make_connection, make_settings, make_store

from .conftest import body


def test_a_fresh_install_invites_to_set_up(admin_client):
    page = body(admin_client.get("/"))
    assert "Set up the Zoho CRM Integration" in page and 'href="/zoho/"' in page


def test_health_needs_reauthorization(admin_client):
    make_settings(make_connection(status=ZohoConnection.Status.NEEDS_REAUTH, last_error="Zoho revoked the token."))
    page = body(admin_client.get("/"))
    assert "Needs re-authorization" in page and "Zoho revoked the token." in page
    assert "Re-authorize on the Zoho CRM Integration page" in page  # the colleague's banner


def test_health_rate_limited(admin_client):
    sync_settings = make_settings()
    SyncRun.objects.create(settings=sync_settings, trigger="schedule", status=SyncRun.Status.PARTIAL,
                           stop_reason=SyncRun.StopReason.RATE_LIMITED,
                           error_summary="Stopped early, the rest follows: Zoho says too many requests.")
    page = body(admin_client.get("/"))
    assert "Rate-limited" in page and "too many requests" in page
    assert "Zoho rate limit" in page  # the run's stop reason, in the recent runs


def test_it_says_why_the_last_run_stopped_not_what_its_status_suggests(admin_client):
    sync_settings = make_settings()
    SyncRun.objects.create(settings=sync_settings, trigger="schedule", status=SyncRun.Status.PARTIAL,
                           stop_reason=SyncRun.StopReason.CREDIT_BUDGET,
                           error_summary="Stopped early: the daily API credit budget is spent.")
    page = body(admin_client.get("/"))
    assert "Credit budget reached" in page and "Rate-limited" not in page
    # a run still queued or one skipped because another was running says nothing about the connection's health
    SyncRun.objects.create(settings=sync_settings, trigger="manual", status=SyncRun.Status.SKIPPED,
                           stop_reason=SyncRun.StopReason.BUSY)
    SyncRun.objects.create(settings=sync_settings, trigger="manual")
    assert "Credit budget reached" in body(admin_client.get("/"))
    SyncRun.objects.create(settings=sync_settings, trigger="schedule", status=SyncRun.Status.SUCCEEDED)
    page = body(admin_client.get("/"))
    assert "Credit budget reached" not in page and "Connected" in page


def test_health_credit_budget(admin_client):
    connection = make_connection(daily_credit_budget=1000, org_id="42")
    make_settings(connection)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    ZohoApiUsage.objects.create(usage_key="org:42", hour=hour, calls=900, credits=900)
    assert "Credit budget nearly spent" in body(admin_client.get("/"))
    ZohoApiUsage.objects.filter(usage_key="org:42").update(credits=1000)
    page = body(admin_client.get("/"))
    assert "Credit budget spent" in page and "1000 of 1000 API credits" in page


def test_an_unfinished_setup_says_so_and_offers_no_sync_now(admin_client):
    make_settings(save=False)
    page = body(admin_client.get("/"))
    assert "The setup is not finished" in page and "Sync now" not in page


def test_an_affiliate_not_allowed_sees_their_stores_read_only(affiliate_client, affiliate_user):
    make_settings(make_connection(name="platform-conn"))
    mine = make_store("Bob Shop", owner=affiliate_user, is_my_store=False, webhook_secret="bob-webhook-secret-1234567")
    make_store("Other Shop", owner=None)
    page = body(affiliate_client.get("/"))
    assert "Bob Shop" in page and "Other Shop" not in page and "platform-conn" not in page
    assert "has not allowed affiliate stores" in page and "Synced to Zoho" in page
    assert mine.webhook_url in page and "bob-webhook-secret-1234567" not in page and "••••••••4567" in page
    assert "Sync now" not in page
    assert Store.objects.count() == 2


def test_it_counts_accounts_sales_orders_and_products_only_when_they_are_synced(admin_client):
    from syncs.models import SyncedRecord

    sync_settings = make_settings()
    for module, n in (("Accounts", 2), ("Sales_Orders", 3), ("Products", 4)):
        SyncedRecord.objects.bulk_create(SyncedRecord(settings=sync_settings, module=module, key=f"{module}{i}",
                                                      zoho_id=str(i), status="synced") for i in range(n))
    page = body(admin_client.get("/"))
    assert "Accounts synced" not in page and "Sales Orders synced" not in page
    sync_settings.sync_accounts = sync_settings.sync_sales_orders = True
    sync_settings.save()
    page = body(admin_client.get("/"))
    for label, n in (("Accounts synced", 2), ("Sales Orders synced", 3), ("Products synced", 4)):
        assert f"<dt>{label}</dt><dd>{n}</dd>" in page

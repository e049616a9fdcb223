"""Preview (a dry run), Save (schedule + first sync), Sync now, a run's page and its progress JSON, and the
dashboard that shows it all, against the Zoho and store sandboxes."""

import pytest

from syncs.models import RecordError, SyncRun, SyncSettings
from tests.syncs.conftest import make_connection, make_settings

from .conftest import body, mark_verified, texts

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def shop(store_sandbox):
    return store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=20, seed="a"))


@pytest.fixture
def sync_settings(verified_sandbox, shop):
    return make_settings(verified_sandbox, save=False)


@pytest.fixture
def offline(db):
    """Settings of a connection nobody calls (for tests that make no HTTP request)."""
    return make_settings(mark_verified(make_connection()), save=False)


def test_preview_shows_what_would_be_created_and_rejected_without_writing_to_zoho(
        admin_client, sync_settings, zoho_sandbox):
    pk = sync_settings.connection_id
    response = admin_client.post(f"/zoho/connections/{pk}/record-mapping/",
                                 {"sync_contacts": "on", "sync_leads": "on", "next": "preview"})
    assert response.status_code == 302 and response.url == f"/zoho/connections/{pk}/preview/"
    run = SyncRun.objects.get(dry_run=True)
    assert run.status == SyncRun.Status.SUCCEEDED and run.created > 0 and run.failed >= 4
    page = body(admin_client.get(response.url))
    for text in ("Would create", "Will be created", "Rejected", "not-an-email", "not a valid address", "Save",
                 "Run the preview again", "email</code> → <code>Email"):
        assert text in page, text
    assert zoho_sandbox.records("Contacts") == [] and zoho_sandbox.records("Leads") == []
    assert not RecordError.objects.exists()  # a preview fills no inbox


def test_save_schedules_and_runs_the_first_sync(admin_client, sync_settings, zoho_sandbox):
    pk = sync_settings.connection_id
    response = admin_client.post(f"/zoho/connections/{pk}/save/")
    assert response.status_code == 302 and response.url == "/"
    assert "The first sync of" in texts(response)[0] and "every 30 minutes" in texts(response)[0]
    sync_settings.refresh_from_db()
    assert sync_settings.enabled and sync_settings.next_sync_at and sync_settings.last_sync_at
    run = SyncRun.objects.get(dry_run=False)
    assert run.trigger == SyncRun.Trigger.MANUAL and run.created > 0
    assert sum(len(zoho_sandbox.records(m)) for m in ("Contacts", "Leads", "Deals")) == run.created

    dashboard = body(admin_client.get("/"))
    for text in ("Connected", "Sync now", f"Manual #{run.pk}", "Error inbox", "not-an-email", "Retry", "Ignore",
                 "Shop A", "/webhooks/woocommerce/", "Secret", "••••••••", "Contacts synced", "Deals synced",
                 "Next sync"):
        assert text in dashboard, text
    assert sync_settings.connection.refresh_token not in dashboard
    shop_secret = RecordError.objects.first().settings.connection.api_client.client_secret
    assert shop_secret not in dashboard


def test_save_refuses_dont_sync(admin_client, offline):
    SyncSettings.objects.filter(pk=offline.pk).update(sync_option=SyncSettings.SyncOption.NONE)
    response = admin_client.post(f"/zoho/connections/{offline.connection_id}/save/")
    assert "there is nothing to save" in texts(response)[0]
    assert not SyncRun.objects.exists()


def test_sync_now_runs_and_the_run_page_drills_down(admin_client, sync_settings, zoho_sandbox):
    pk = sync_settings.connection_id
    admin_client.post(f"/zoho/connections/{pk}/save/")
    response = admin_client.post(f"/zoho/connections/{pk}/sync-now/")
    assert response.status_code == 302 and "This page updates when it finishes" in texts(response)[-1]
    second = SyncRun.objects.filter(dry_run=False).first()
    assert response.url == f"/runs/{second.pk}/"  # the new run's page, which follows it
    assert second.status == SyncRun.Status.SUCCEEDED and second.created == 0 and second.unchanged > 0
    # the run already finished (the worker ran it inline): nothing to wait for
    assert 'data-watch="0"' in body(admin_client.get("/"))
    page = body(admin_client.get(f"/runs/{second.pk}/"))
    assert "Manual sync #" in page and "Succeeded" in page and "Unchanged" in page
    assert "data-progress-url" not in page and "Finish" not in page


def test_sync_now_before_save_says_what_to_do(admin_client, offline):
    response = admin_client.post(f"/zoho/connections/{offline.connection_id}/sync-now/")
    assert "click Save on the Zoho CRM Integration page first" in texts(response)[0]
    assert not SyncRun.objects.exists()


def test_progress_json_follows_a_running_run(admin_client, offline):
    run = SyncRun.objects.create(settings=offline, trigger=SyncRun.Trigger.RESET,
                                 status=SyncRun.Status.RUNNING, phase=SyncRun.Phase.SEND,
                                 progress_done=40, progress_total=160, created=12)
    data = admin_client.get(f"/runs/{run.pk}/progress.json").json()
    assert data["status"] == "running" and not data["finished"]
    assert (data["done"], data["total"], data["percent"], data["created"]) == (40, 160, 25, 12)
    assert data["phase_label"] == "Sending to Zoho"
    page = body(admin_client.get(f"/runs/{run.pk}/"))
    assert f'data-progress-url="/runs/{run.pk}/progress.json"' in page
    assert '<meta http-equiv="refresh" content="3">' in page and 'max="160" value="40"' in page
    assert "Finish" not in page
    status = admin_client.get(f"/zoho/connections/{offline.connection_id}/status.json").json()
    assert status == {"connection": offline.connection_id, "connection_status": "connected",
                      "latest_run": run.pk, "status": "running", "active": True, "done": 40, "total": 160}


def test_the_dashboard_follows_a_run_queued_for_the_worker(admin_client, offline, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # a real queue (ORM broker): the run waits for a worker
    SyncSettings.objects.filter(pk=offline.pk).update(enabled=True)
    admin_client.post(f"/zoho/connections/{offline.connection_id}/sync-now/")
    page = body(admin_client.get("/"))
    assert 'data-watch="1"' in page and "this page updates by itself" in page
    assert f'data-status-url="/zoho/connections/{offline.connection_id}/status.json"' in page

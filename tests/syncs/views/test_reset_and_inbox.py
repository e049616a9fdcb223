"""Reset Synchronisation (confirm → progress → Finish) and the error inbox (Retry / Ignore)."""

import pytest
from django.utils import timezone

from syncs.models import RecordError, SyncedRecord, SyncRun
from tests.syncs.conftest import make_settings

from .conftest import body, texts

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def synced(admin_client, verified_sandbox, store_sandbox):
    """A saved integration whose first sync ran: some customers in Zoho, four invalid emails in the inbox."""
    store_sandbox.app_store(store_sandbox.woocommerce("shop-a", customers=20, seed="a"))
    sync_settings = make_settings(verified_sandbox)
    admin_client.post(f"/zoho/connections/{verified_sandbox.pk}/sync-now/")
    return sync_settings


def test_reset_asks_for_confirmation_saying_what_will_happen(admin_client, synced):
    page = body(admin_client.get(f"/zoho/connections/{synced.connection_id}/reset-sync/"))
    for text in ("Do you want to proceed with resetting the synchronisation", "Nothing is deleted in Zoho",
                 "Contacts and Leads", "searched by email address first", ">OK<", ">Cancel<", "Finish"):
        assert text in page, text
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.RESET).exists()


def test_ok_runs_the_reset_and_shows_the_final_report_with_finish(admin_client, synced, zoho_sandbox):
    before = len(zoho_sandbox.records("Contacts"))
    deleted = zoho_sandbox.delete_records("Contacts", count=2)
    response = admin_client.post(f"/zoho/connections/{synced.connection_id}/reset-sync/")
    reset = SyncRun.objects.get(trigger=SyncRun.Trigger.RESET)
    assert response.status_code == 302 and response.url == f"/runs/{reset.pk}/"
    assert reset.status == SyncRun.Status.SUCCEEDED and reset.progress_done == reset.progress_total > 0
    assert len(zoho_sandbox.records("Contacts")) == before  # the two deleted ones are back, no duplicates
    assert len(deleted) == 2
    page = body(admin_client.get(response.url))
    for text in ("Reset Synchronisation #", "Final report", "Finish", "rather than duplicated",
                 f'max="{reset.progress_total}" value="{reset.progress_done}"'):
        assert text in page, text


def test_coming_back_during_a_reset_shows_the_same_run(admin_client, synced):
    running = SyncRun.objects.create(settings=synced, trigger=SyncRun.Trigger.RESET, status=SyncRun.Status.RUNNING,
                                     phase=SyncRun.Phase.READ)
    response = admin_client.get(f"/zoho/connections/{synced.connection_id}/reset-sync/")
    assert response.url == f"/runs/{running.pk}/"
    assert admin_client.post(f"/zoho/connections/{synced.connection_id}/reset-sync/").url == f"/runs/{running.pk}/"
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.RESET).count() == 1
    assert f"/runs/{running.pk}/" in body(admin_client.get("/"))
    assert "Reading the stores" in body(admin_client.get(f"/runs/{running.pk}/"))


def test_the_inbox_explains_each_record_and_ignore_hides_it(admin_client, synced):
    errors = RecordError.objects.filter(settings=synced)
    assert errors.count() >= 4
    page = body(admin_client.get(f"/zoho/connections/{synced.connection_id}/errors/"))
    assert "INVALID_EMAIL" in page and "not a valid address" in page and "Data that was sent" in page
    error = errors.get(key="not-an-email")
    response = admin_client.post(f"/errors/{error.pk}/ignore/")
    assert response.status_code == 302 and "ignored" in texts(response)[0]
    error.refresh_from_db()
    assert error.status == RecordError.Status.IGNORED
    inbox = f"/zoho/connections/{synced.connection_id}/errors/"
    assert "<code>not-an-email</code>" not in body(admin_client.get(inbox))
    assert "<code>not-an-email</code>" in body(admin_client.get(f"{inbox}?status=ignored"))


def test_retry_sends_the_record_again_after_the_store_was_fixed(admin_client, synced, zoho_sandbox):
    from sandbox.stores.models import SandboxCustomer

    error = RecordError.objects.get(settings=synced, key="jane@@example.com")
    SandboxCustomer.objects.filter(email="jane@@example.com").update(email="jane.fixed@example.com",
                                                                      date_modified=timezone.now())
    response = admin_client.post(f"/errors/{error.pk}/retry/", {"next": "https://evil.example/"})
    assert response.url == f"/zoho/connections/{synced.connection_id}/errors/"
    assert "will be sent again" in texts(response)[-1]
    assert SyncRun.objects.filter(dry_run=False).count() == 2  # the retry started a sync
    assert SyncedRecord.objects.filter(settings=synced, key="jane.fixed@example.com", status="synced").exists()

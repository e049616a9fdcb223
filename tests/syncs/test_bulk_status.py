"""The pages say when Zoho is still processing a connection's Bulk Write jobs, and when the next check is, in the
user's time zone; a run that stopped to wait for them does not look like a failure."""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from profiles.models import Profile
from syncs.bulk_status import PendingBulkWrite, pending_bulk_write
from syncs.models import CONTACTS, LEADS, BulkJob, SyncRun, SyncSettings
from tests.syncs.conftest import make_settings
from tests.syncs.views.conftest import body

pytestmark = pytest.mark.django_db
ZONE = "Asia/Kolkata"  # UTC+05:30: a wrong zone cannot show the same minutes


def job(sync_settings, module, rows, state=BulkJob.State.IN_PROGRESS, run=None):
    return BulkJob.objects.create(settings=sync_settings, run=run, module=module, job_id=f"{module}-{rows}",
                                  state=state, row_count=rows,
                                  planned_at=timezone.now())


@pytest.fixture
def waiting(admin_user):
    """A connection whose last run started two jobs (1,234 rows) and stopped to wait for them."""
    Profile.objects.create(user=admin_user, time_zone=ZONE)
    sync_settings = make_settings()
    now = timezone.now()
    run = SyncRun.objects.create(
        settings=sync_settings, trigger=SyncRun.Trigger.SCHEDULE, status=SyncRun.Status.PARTIAL,
        stop_reason=SyncRun.StopReason.BULK_WRITE, started_at=now - timedelta(minutes=1), finished_at=now,
        error_summary="Waiting for Zoho's Bulk Write job: 1,234 records sent.")
    job(sync_settings, CONTACTS, 1200, run=run)
    job(sync_settings, LEADS, 34, state=BulkJob.State.ADDED, run=run)
    job(sync_settings, CONTACTS, 0, state=BulkJob.State.FAILED)  # a failed job waits for nothing
    job(sync_settings, LEADS, 500, state=BulkJob.State.BUILDING)  # being built: not Zoho's yet
    SyncSettings.objects.filter(pk=sync_settings.pk).update(next_sync_at=now + timedelta(seconds=60))
    sync_settings.refresh_from_db()
    return sync_settings, run


def test_it_counts_the_jobs_and_their_records_in_the_database(waiting):
    sync_settings, _ = waiting
    pending = pending_bulk_write(sync_settings)
    assert (pending.jobs, pending.records, pending.next_check) == (2, 1234, sync_settings.next_sync_at)
    BulkJob.objects.exclude(state=BulkJob.State.FAILED).delete()
    assert pending_bulk_write(sync_settings) is None


def test_its_label_says_how_many_and_when_in_the_current_time_zone():
    at = timezone.now() + timedelta(minutes=2)
    with timezone.override(zoneinfo.ZoneInfo(ZONE)):
        local = timezone.localtime(at)
        assert PendingBulkWrite(1, 1, at).label == f"Zoho is processing 1 Bulk Write job (1 record); next check at " \
                                                   f"{local:%H:%M}."
        assert PendingBulkWrite(3, 44856, timezone.now() - timedelta(seconds=5)).label == \
            "Zoho is processing 3 Bulk Write jobs (44,856 records); next check due now."


def test_the_dashboard_the_run_page_and_the_connection_page_say_zoho_is_processing_them(waiting, admin_client):
    sync_settings, run = waiting
    local = timezone.localtime(sync_settings.next_sync_at, zoneinfo.ZoneInfo(ZONE))
    text = f"Zoho is processing 2 Bulk Write jobs (1,234 records); next check at {local:%H:%M}."
    pages = ("/", f"/runs/{run.pk}/", f"/zoho/connections/{sync_settings.connection_id}/")
    for url in pages:
        assert text in body(admin_client.get(url)), url

    dashboard = body(admin_client.get("/"))
    assert '<span class="badge ok">Connected</span>' in dashboard  # the wait is not a health problem
    assert '<span class="badge info">Partially done</span>' in dashboard  # nor a failed or warning run
    assert "badge bad" not in dashboard and "badge warn" not in dashboard
    assert '<span class="badge info">' in body(admin_client.get(f"/zoho/connections/{sync_settings.connection_id}"
                                                                  "/history/"))
    run_page = body(admin_client.get(f"/runs/{run.pk}/"))
    assert '<p class="muted" data-stop-reason="bulk_write">Stopped because: Waiting for Zoho' in run_page

    BulkJob.objects.all().delete()  # collected by the next run
    for url in pages:
        assert "Bulk Write jobs" not in body(admin_client.get(url)), url

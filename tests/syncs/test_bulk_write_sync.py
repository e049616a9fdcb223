"""Big sends go by Zoho Bulk Write through the real engine, end to end against the sandbox over HTTP: one job per
module, collected by the next runs (created/updated → synced with Zoho ids, refused rows → the inbox), a job
Zoho fails leaves its rows for a later run, and a grant without the bulk scopes falls back to upserts."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.zoho.models import ZohoApiClient, ZohoConnection
from syncs.engine import Hooks, run_sync
from syncs.models import (
    CONTACTS,
    DEALS,
    LEADS,
    PERSON_MODULES,
    BulkJob,
    CustomerSnapshot,
    FieldMapping,
    RecordError,
    SyncedRecord,
    SyncRun,
)
from syncs.services import dry_run
from tests.fixtures.zoho_sandbox import ALL_SCOPES
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
CUSTOMERS = 80  # about 40 Contacts and 16 Leads with the sandbox shop's generator
MIN_ROWS = 10


@pytest.fixture
def shop(store_sandbox, settings):
    settings.BULK_WRITE_MIN_ROWS = MIN_ROWS
    return store_sandbox.app_store(store_sandbox.woocommerce("big", customers=CUSTOMERS, seed="bulk"))


def sync(sync_settings) -> SyncRun:
    return run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))


def calls(zoho_sandbox, *, method=None, ending="") -> list[dict]:
    return [c for c in zoho_sandbox.calls() if c["path"].endswith(ending) and method in (None, c["method"])]


def job_creations(zoho_sandbox) -> list[dict]:
    return calls(zoho_sandbox, method="POST", ending="/crm/bulk/v8/write")


def upserts(zoho_sandbox, module) -> list[dict]:
    return calls(zoho_sandbox, ending=f"/{module}/upsert")


def sync_until_collected(sync_settings, runs=6) -> list[SyncRun]:
    done = []
    for _ in range(runs):
        done.append(sync(sync_settings))
        if done[-1].stop_reason != SyncRun.StopReason.BULK_WRITE:
            return done
    raise AssertionError(f"still waiting for Bulk Write after {runs} runs")


def assert_org_matches_records(zoho_sandbox):
    for module in PERSON_MODULES:
        in_zoho = zoho_sandbox.records(module)
        emails = Counter(r["Email"].lower() for r in in_zoho)
        assert not [e for e, n in emails.items() if n > 1], "a duplicate in the sandbox org"
        ids = {r["Email"].lower(): r["id"] for r in in_zoho}
        synced = dict(SyncedRecord.objects.filter(module=module, status="synced").values_list("key", "zoho_id"))
        assert synced == ids


def test_a_big_send_goes_as_one_job_per_module_and_the_next_runs_collect_every_row(
        zoho_sandbox, sandbox_connection, shop):
    sync_settings = make_settings(sandbox_connection)
    first = sync(sync_settings)

    assert (first.status, first.stop_reason) == (SyncRun.Status.PARTIAL, SyncRun.StopReason.BULK_WRITE)
    assert "Waiting for Zoho's Bulk Write job" in first.error_summary
    sync_settings.refresh_from_db()
    assert sync_settings.next_sync_at <= timezone.now() + timedelta(seconds=61)  # due again in about a minute
    jobs = {job.module: job for job in BulkJob.objects.all()}
    assert set(jobs) == {CONTACTS, LEADS} and all(job.row_count > MIN_ROWS for job in jobs.values())
    assert [c["credits"] for c in job_creations(zoho_sandbox)] == [500, 500]
    assert not upserts(zoho_sandbox, CONTACTS) and not upserts(zoho_sandbox, LEADS)
    assert first.credits == sum(c["credits"] for c in zoho_sandbox.calls())
    assert CustomerSnapshot.objects.filter(dirty=True).exists()  # nothing is synced before Zoho's result

    later = sync_until_collected(sync_settings)

    assert later[-1].status == SyncRun.Status.SUCCEEDED
    assert len(job_creations(zoho_sandbox)) == 2  # the rows of a pending job were not planned again
    assert not BulkJob.objects.exists()
    deals = SyncedRecord.objects.filter(module=DEALS).count()  # planned once the people's jobs were collected
    assert sum(run.created for run in later) == sum(job.row_count for job in jobs.values()) + deals
    assert not SyncedRecord.objects.exclude(status="synced").exists()
    assert not CustomerSnapshot.objects.filter(dirty=True, email__in=SyncedRecord.objects.values("key")).exists()
    assert_org_matches_records(zoho_sandbox)
    before = len(zoho_sandbox.calls())

    again = sync(sync_settings)

    assert again.status == SyncRun.Status.SUCCEEDED
    assert len(zoho_sandbox.calls()) == before  # 0 further calls


def test_rows_zoho_refuses_in_a_job_land_in_the_inbox(zoho_sandbox, sandbox_connection, shop):
    # A unique custom field fed by the city: rows sharing a city clash in Zoho (DUPLICATE_DATA), which the
    # engine cannot know before sending.
    unique = zoho_sandbox.add_custom_field(CONTACTS, "Home City", "text", unique=True).api_name
    sync_settings = make_settings(sandbox_connection)
    FieldMapping.objects.create(settings=sync_settings, module=CONTACTS, position=99, store_field="city",
                                zoho_field=unique)
    runs = [sync(sync_settings)]
    job_rows = {job.module: job.row_count for job in BulkJob.objects.all()}
    runs += sync_until_collected(sync_settings)

    records = Counter(SyncedRecord.objects.filter(module=CONTACTS).values_list("status", flat=True))
    errors = RecordError.objects.filter(module=CONTACTS)
    assert records["failed"] > 0 and records["synced"] > 0
    assert records["failed"] + records["synced"] == job_rows[CONTACTS]
    assert errors.count() == records["failed"] and set(errors.values_list("code", flat=True)) == {"DUPLICATE_DATA"}
    assert all(error.payload.get("Email") == error.key for error in errors)  # the data that was sent, shown
    assert sum(run.failed for run in runs) == RecordError.objects.count()  # these, and those refused before
    failed_keys = set(errors.values_list("key", flat=True))
    assert not CustomerSnapshot.objects.filter(dirty=True, email__in=failed_keys).exists()
    assert_org_matches_records(zoho_sandbox)


def test_a_job_zoho_fails_leaves_its_rows_pending_and_a_later_run_sends_them(
        zoho_sandbox, sandbox_connection, shop):
    zoho_sandbox.fault(bulk_fail_next=1)  # the first job (Contacts) fails
    sync_settings = make_settings(sandbox_connection)
    sync(sync_settings)
    contacts = BulkJob.objects.get(module=CONTACTS).row_count

    runs = sync_until_collected(sync_settings)

    assert runs[-1].status == SyncRun.Status.SUCCEEDED
    assert len(job_creations(zoho_sandbox)) == 2  # the failed rows went by upserts, not by another job
    assert len(upserts(zoho_sandbox, CONTACTS)) == -(-contacts // 100)
    assert not upserts(zoho_sandbox, LEADS)
    assert SyncedRecord.objects.filter(module=CONTACTS, status="synced").count() == contacts
    assert not BulkJob.objects.exists()
    assert_org_matches_records(zoho_sandbox)


def test_a_grant_without_the_bulk_scopes_falls_back_to_upserts(zoho_sandbox, shop):
    client = zoho_sandbox.create_client()
    tokens = zoho_sandbox.grant_tokens(client, [s for s in ALL_SCOPES if not s.startswith(("ZohoCRM.bulk",
                                                                                             "ZohoFiles"))])
    api_client = ZohoApiClient.objects.create(name="sandbox", data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    connection = ZohoConnection.objects.create(  # its grant's scopes are not recorded: the engine tries first
        name="no-bulk", api_client=api_client, status=ZohoConnection.Status.CONNECTED,
        api_domain=tokens["api_domain"], accounts_server=zoho_sandbox.accounts_server,
        refresh_token=tokens["refresh_token"], access_token=tokens["access_token"],
        access_token_expires_at=timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )
    sync_settings = make_settings(connection)

    run = sync(sync_settings)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error_summary
    assert not job_creations(zoho_sandbox) and not BulkJob.objects.exists()
    assert upserts(zoho_sandbox, CONTACTS) and upserts(zoho_sandbox, LEADS)
    assert run.report["bulk_write_unavailable"][0]["module"] == CONTACTS
    assert not SyncedRecord.objects.exclude(status="synced").exists()
    assert_org_matches_records(zoho_sandbox)


def test_a_small_send_stays_on_upserts(zoho_sandbox, sandbox_connection, shop, settings):
    settings.BULK_WRITE_MIN_ROWS = CUSTOMERS
    run = sync(make_settings(sandbox_connection))

    assert run.status == SyncRun.Status.SUCCEEDED
    assert not job_creations(zoho_sandbox)
    assert upserts(zoho_sandbox, CONTACTS)


def test_a_reset_of_a_big_store_resends_by_bulk_write_without_duplicates(zoho_sandbox, sandbox_connection, shop):
    sync_settings = make_settings(sandbox_connection)
    sync(sync_settings)
    sync_until_collected(sync_settings)
    people = SyncedRecord.objects.filter(module__in=PERSON_MODULES).count()
    ids_before = dict(SyncedRecord.objects.filter(module__in=PERSON_MODULES).values_list("key", "zoho_id"))

    reset = run_sync(sync_settings, SyncRun.Trigger.RESET, hooks=Hooks(sleep=no_sleep))
    assert reset.stop_reason == SyncRun.StopReason.BULK_WRITE
    assert sync_until_collected(sync_settings)[-1].status == SyncRun.Status.SUCCEEDED

    assert len(job_creations(zoho_sandbox)) == 4  # two jobs for the first sync, two for the reset
    assert dict(SyncedRecord.objects.filter(module__in=PERSON_MODULES).values_list("key", "zoho_id")) == \
        ids_before  # Zoho matched every row by Email: updated, none created again
    assert SyncedRecord.objects.filter(module__in=PERSON_MODULES, status="synced").count() == people
    assert_org_matches_records(zoho_sandbox)


def test_a_preview_of_a_big_send_starts_no_job_and_changes_nothing(zoho_sandbox, sandbox_connection, shop):
    sync_settings = make_settings(sandbox_connection)

    preview = dry_run(sync_settings)

    assert preview.status == SyncRun.Status.SUCCEEDED and preview.created > MIN_ROWS
    assert not job_creations(zoho_sandbox) and not BulkJob.objects.exists()
    assert not SyncedRecord.objects.exists()

"""Big sends go by Zoho Bulk Write through the real engine, end to end against the sandbox over HTTP: one job per
module, collected by the next runs (created/updated → synced with Zoho ids, refused rows → the inbox), a job
Zoho fails leaves its rows for a later run, and a grant without the bulk scopes falls back to upserts."""

import csv
import io
import zipfile
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.zoho.models import ZohoApiClient, ZohoConnection
from sandbox.zoho.models import BulkJob as ZohoSideJob
from syncs import bulk_sending, bulk_spool
from syncs.engine import Hooks, run_sync
from syncs.models import (
    CONTACTS,
    DEALS,
    LEADS,
    PERSON_MODULES,
    BulkJob,
    BulkJobRow,
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


class WorkerKilled(BaseException):
    pass


def sync(sync_settings, **hooks) -> SyncRun:
    return run_sync(sync_settings, hooks=Hooks(sleep=no_sleep, **hooks))


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


def uploaded_emails(job: BulkJob) -> list[str]:
    """The Email column of the file Zoho received for the job, in row order."""
    with zipfile.ZipFile(io.BytesIO(bytes(ZohoSideJob.objects.get(job_id=job.job_id).file.content))) as archive:
        (name,) = archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read(name).decode())))
    column = rows[0].index("Email")
    return [row[column] for row in rows[1:]]


def spooled_emails(job: BulkJob) -> list[str]:
    return [payload["Email"] for payload in job.rows.order_by("index").values_list("payload", flat=True)]


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


def test_a_jobs_rows_are_spooled_in_input_order_a_chunk_at_a_time_and_a_full_job_starts_the_next(
        zoho_sandbox, sandbox_connection, shop, monkeypatch):
    monkeypatch.setattr(bulk_sending, "SPOOL_CHUNK", 7)  # rows held in memory before they are written
    monkeypatch.setattr(bulk_spool, "READ_CHUNK", 4)  # rows read back per query for the file
    monkeypatch.setattr(bulk_sending, "JOB_ROWS", 15)  # a smaller job limit than Zoho's 25,000
    sync_settings = make_settings(sandbox_connection)

    first = sync(sync_settings)

    assert first.stop_reason == SyncRun.StopReason.BULK_WRITE
    jobs = list(BulkJob.objects.order_by("pk"))
    contacts = [job for job in jobs if job.module == CONTACTS]
    assert [job.row_count for job in contacts[:2]] == [15, 15]  # full jobs, then the remainder (> MIN_ROWS)
    assert all(job.state == BulkJob.State.ADDED and job.job_id for job in jobs)
    for job in jobs:
        emails = spooled_emails(job)
        assert emails == uploaded_emails(job)  # row i of the table is row i of the file Zoho received
        assert emails == sorted(emails) and len(emails) == job.row_count  # planned in key order, none lost
    assert BulkJobRow.objects.count() == sum(job.row_count for job in jobs)
    by_module = Counter()
    for job in jobs:
        by_module[job.module] += job.row_count
    assert not upserts(zoho_sandbox, CONTACTS)

    runs = sync_until_collected(sync_settings)

    assert runs[-1].status == SyncRun.Status.SUCCEEDED
    assert not BulkJob.objects.exists() and not BulkJobRow.objects.exists()
    for module in PERSON_MODULES:
        remainder = SyncedRecord.objects.filter(module=module, status="synced").count() - by_module[module]
        assert 0 <= remainder <= MIN_ROWS  # a remainder too small for a job went by upserts
        assert len(upserts(zoho_sandbox, module)) == (1 if remainder else 0)
    assert_org_matches_records(zoho_sandbox)


def test_a_module_too_small_for_a_job_goes_back_to_upserts_in_batches_of_100(
        zoho_sandbox, sandbox_connection, shop, settings, monkeypatch):
    settings.BULK_WRITE_MIN_ROWS = 36  # 47 Contacts: a job; 33 Leads: upserts
    monkeypatch.setattr(bulk_sending, "SPOOL_CHUNK", 3)
    monkeypatch.setattr(bulk_spool, "READ_CHUNK", 5)  # read back in chunks, still sent 100 a call
    sync_settings = make_settings(sandbox_connection)

    first = sync(sync_settings)

    assert first.stop_reason == SyncRun.StopReason.BULK_WRITE
    assert list(BulkJob.objects.values_list("module", flat=True)) == [CONTACTS]  # the Leads' spool is gone
    assert set(BulkJobRow.objects.values_list("job__module", flat=True)) == {CONTACTS}
    leads = SyncedRecord.objects.filter(module=LEADS, status="synced").count()
    assert 0 < leads <= 36 and len(upserts(zoho_sandbox, LEADS)) == 1
    assert len(zoho_sandbox.records(LEADS)) == leads
    assert not CustomerSnapshot.objects.filter(dirty=True, email__in=SyncedRecord.objects.filter(
        module=LEADS).values("key")).exists()
    assert sync_until_collected(sync_settings)[-1].status == SyncRun.Status.SUCCEEDED
    assert len(upserts(zoho_sandbox, LEADS)) == 1
    assert_org_matches_records(zoho_sandbox)


def test_a_collection_stopped_midway_goes_on_where_it_stopped_and_records_nothing_twice(
        zoho_sandbox, sandbox_connection, shop, monkeypatch):
    monkeypatch.setattr(bulk_sending, "RESULT_CHUNK", 10)
    unique = zoho_sandbox.add_custom_field(CONTACTS, "Home City", "text", unique=True).api_name
    sync_settings = make_settings(sandbox_connection)
    FieldMapping.objects.create(settings=sync_settings, module=CONTACTS, position=99, store_field="city",
                                zoho_field=unique)  # some rows refused: DUPLICATE_DATA
    sync(sync_settings)
    contacts = BulkJob.objects.get(module=CONTACTS)
    zoho_sandbox.run_bulk_jobs()  # Zoho finished both jobs: the next run collects them

    def die_after_first_chunk(run):
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        sync(sync_settings, after_batch=die_after_first_chunk)
    contacts.refresh_from_db()
    assert contacts.collected == 10  # the first chunk was recorded, with its mark
    assert SyncedRecord.objects.filter(module=CONTACTS).count() == 10

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # the dead worker's claim goes stale
        run = sync(sync_settings)
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.error_summary
    assert not BulkJob.objects.exists()
    records = Counter(SyncedRecord.objects.filter(module=CONTACTS).values_list("status", flat=True))
    assert records["failed"] + records["synced"] == contacts.row_count
    errors = RecordError.objects.filter(module=CONTACTS)
    assert errors.count() == records["failed"] > 0  # one entry per refused row: none written twice
    assert not errors.exclude(status=RecordError.Status.OPEN).exists()
    assert_org_matches_records(zoho_sandbox)


def test_a_job_zoho_accepted_just_before_the_worker_died_is_sent_again_without_duplicates(
        zoho_sandbox, sandbox_connection, shop):
    def die(run):
        raise WorkerKilled  # after Zoho accepted the first job (Contacts), before it was recorded

    sync_settings = make_settings(sandbox_connection)
    with pytest.raises(WorkerKilled):
        sync(sync_settings, after_upsert=die)
    assert list(BulkJob.objects.values_list("module", "state", "job_id")) == [(CONTACTS, "BUILDING", "")]
    assert zoho_sandbox.run_bulk_jobs() == 1  # Zoho writes the job nobody follows
    contacts_in_zoho = len(zoho_sandbox.records(CONTACTS))
    assert contacts_in_zoho > MIN_ROWS and not SyncedRecord.objects.exists()

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # the dead worker's claim goes stale
        runs = sync_until_collected(sync_settings)

    assert runs[-1].status == SyncRun.Status.SUCCEEDED
    assert len(job_creations(zoho_sandbox)) == 3  # the lost one, then Contacts and Leads again
    assert not BulkJob.objects.exists() and not BulkJobRow.objects.exists()
    assert len(zoho_sandbox.records(CONTACTS)) == contacts_in_zoho  # matched by Email: no duplicate
    assert SyncedRecord.objects.filter(module=CONTACTS, status="synced").count() == contacts_in_zoho
    assert sum(run.updated for run in runs) >= contacts_in_zoho  # Zoho updated them, created none again
    assert_org_matches_records(zoho_sandbox)


def test_a_run_that_finds_its_jobs_still_running_stops_before_reading_the_stores(
        zoho_sandbox, sandbox_connection, shop, store_sandbox):
    sync_settings = make_settings(sandbox_connection)
    assert sync(sync_settings).stop_reason == SyncRun.StopReason.BULK_WRITE
    store_requests = len(store_sandbox.requests)

    waiting = sync(sync_settings)  # the sandbox's jobs are ADDED: one status read each, then the run stops

    assert (waiting.status, waiting.stop_reason) == (SyncRun.Status.PARTIAL, SyncRun.StopReason.BULK_WRITE)
    assert len(store_sandbox.requests) == store_requests  # the shop was not read
    assert [c["path"].rsplit("/", 2)[-2] for c in zoho_sandbox.calls()[-2:]] == ["write", "write"]
    assert sync_until_collected(sync_settings)[-1].status == SyncRun.Status.SUCCEEDED
    assert len(store_sandbox.requests) > store_requests  # the run that collected the jobs read the shop again

"""Fault matrix, Zoho side: each fault is injected with the sandbox's knobs mid-run, then the next run must
converge: one Zoho record per email, every one known to the app, nothing left pending (no loss, no duplicate).
Rows already covered in tests/syncs/test_engine.py (429 storm, 5xx, 207, record deleted in Zoho, worker
killed after the upsert) are listed in docs/reliability.md and not repeated here."""

import pytest

from integrations.zoho.models import ZohoConnection
from sandbox.zoho.models import ApiClient
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, SyncedRecord, SyncRun
from tests.reliability.conftest import assert_converged, assert_nothing_marked_without_zoho
from tests.syncs.test_engine import sync, upserts, zoho_emails

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def first_batch_then(action):
    """An after_batch hook that runs `action` once, after the first batch Zoho confirmed."""
    done = []

    def hook(run):
        if not done:
            done.append(run.pk)
            action()

    return hook


def test_it_refreshes_once_on_a_401_mid_run_and_continues(zoho_sandbox, shops, main):
    run = sync(main, after_batch=first_batch_then(zoho_sandbox.expire_access_tokens))
    assert run.status == "succeeded"
    main.connection.refresh_from_db()
    assert len(main.connection.refresh_history) == 1  # exactly one refresh, shared by the rest of the run
    assert_converged(zoho_sandbox, shops)


def reauthorize(zoho_sandbox, connection):
    """What the admin does after the alert: a new consent, tokens stored, connected again."""
    client = ApiClient.objects.get(client_id=connection.api_client.client_id)
    tokens = zoho_sandbox.grant_tokens(client)
    connection.refresh_token, connection.access_token = tokens["refresh_token"], tokens["access_token"]
    connection.access_token_expires_at = None
    connection.status = ZohoConnection.Status.CONNECTED
    connection.save()


def test_it_stops_cleanly_when_the_refresh_token_is_revoked_mid_run(zoho_sandbox, shops, main):
    def revoke():
        zoho_sandbox.revoke_refresh_tokens()
        zoho_sandbox.expire_access_tokens()

    run = sync(main, after_batch=first_batch_then(revoke))
    assert run.status == "failed" and "re-authorisation" in run.error_summary
    main.connection.refresh_from_db()
    assert main.connection.status == "needs_reauth"
    first_module = CONTACTS if zoho_sandbox.records(CONTACTS) else LEADS
    other = LEADS if first_module == CONTACTS else CONTACTS
    assert zoho_sandbox.records(first_module) and not zoho_sandbox.records(other)
    assert not SyncedRecord.objects.filter(module=other, status="synced").exists()  # unsent stay pending
    assert CustomerSnapshot.objects.filter(dirty=True).exists()
    assert_nothing_marked_without_zoho(zoho_sandbox)
    refreshes = [c for c in zoho_sandbox.calls() if "oauth" in c["path"]]
    assert len(refreshes) <= 1  # one refused refresh, no loop

    reauthorize(zoho_sandbox, main.connection)
    main.refresh_from_db()
    assert sync(main).status == "succeeded"
    assert_converged(zoho_sandbox, shops)


@pytest.mark.parametrize("mode", ["timeout", "500", "503"])
def test_it_fails_with_the_work_kept_when_zoho_stays_down_and_the_next_run_completes(zoho_sandbox, shops, main,
                                                                                      mode):
    zoho_sandbox.fault(fail_next=1000, fail_mode=mode)
    run = sync(main)
    assert run.status == "failed" and run.error_summary
    assert run.zoho_calls <= 10  # bounded retries with backoff, not a tight loop
    assert not SyncedRecord.objects.filter(status="synced").exists()
    assert CustomerSnapshot.objects.filter(dirty=True).count() == CustomerSnapshot.objects.count()

    zoho_sandbox.fault(fail_next=0)
    assert sync(main).status == "succeeded"
    assert_converged(zoho_sandbox, shops)


@pytest.mark.parametrize("mode", ["malformed", "html"])
def test_it_retries_a_garbled_zoho_answer_and_finishes_without_duplicates(zoho_sandbox, shops, main, mode):
    run = sync(main, after_batch=first_batch_then(lambda: zoho_sandbox.fault(fail_next=2, fail_mode=mode)))
    assert run.status == "succeeded", run.error_summary
    assert_converged(zoho_sandbox, shops)


def test_it_fails_cleanly_on_endless_garbage_and_the_next_run_completes(zoho_sandbox, shops, main):
    run = sync(main, after_batch=first_batch_then(lambda: zoho_sandbox.fault(fail_next=1000, fail_mode="html")))
    assert run.status == "failed" and "unreadable response" in run.error_summary
    assert_nothing_marked_without_zoho(zoho_sandbox)
    zoho_sandbox.fault(fail_next=0)
    assert sync(main).status == "succeeded"
    assert_converged(zoho_sandbox, shops)


def test_a_record_deleted_in_zoho_between_runs_is_recreated_once_by_a_reset(zoho_sandbox, shops, main):
    sync(main)
    victims = zoho_sandbox.delete_records(CONTACTS, count=3)
    assert len(victims) == 3
    assert sync(main).status == "succeeded"
    assert not set(victims) & {r["id"] for r in zoho_sandbox.records(CONTACTS)}  # skipped until a reset
    before = len(upserts(zoho_sandbox))
    assert sync(main, SyncRun.Trigger.RESET).status == "succeeded"
    assert len(upserts(zoho_sandbox)) > before
    assert max(zoho_emails(zoho_sandbox, CONTACTS).values()) == 1
    assert_converged(zoho_sandbox, shops)

"""The sync engine against the Zoho and store sandboxes (both in-process, over `responses`)."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.stores.sources import get_source
from sandbox.stores import services as shop_services
from sandbox.stores.models import SandboxCustomer
from syncs.engine import Hooks, run_sync
from syncs.foreground import run_in_foreground
from syncs.merge import merge, normalise_email, route
from syncs.models import CONTACTS, LEADS, CustomerSnapshot, RecordError, SyncedRecord, SyncRun, SyncSettings
from syncs.services import retry_errors
from syncs.validation import EMAIL_RE
from tests.syncs.conftest import make_settings, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so the engine's error handling never sees it."""


def sync(sync_settings, trigger=SyncRun.Trigger.MANUAL, **hooks):
    """In the foreground, as `sync_now`: slice after slice, waiting for Zoho (without sleeping) when it says."""
    return run_in_foreground(sync_settings, trigger, hooks=Hooks(sleep=no_sleep, **hooks)).last


@pytest.fixture
def shops(store_sandbox):
    """Two shops that share eight buyers' emails (plus invalid emails, guests, newsletter-only people)."""
    first = store_sandbox.woocommerce("shop-a", customers=30, seed="a")
    second = store_sandbox.woocommerce("shop-b", customers=30, seed="b")
    return [store_sandbox.app_store(first), store_sandbox.app_store(second, is_my_store=False)]


@pytest.fixture
def main(sandbox_connection):
    return make_settings(sandbox_connection, sync_deals=False)  # people only here; Deals: test_orders.py


def expected_people(stores):
    """Email → module, computed from what the stores say (the merge rule applied by hand)."""
    people = {}
    for store in stores:
        for customer in get_source(store).customers(None):
            email = normalise_email(customer.email)
            if EMAIL_RE.match(email):
                people.setdefault(email, []).append(customer)
    expected = {}
    for email, customers in people.items():
        purchased = any(c.has_purchased or c.order_count for c in customers)
        expected[email] = route({"has_purchased": purchased}, True, True)
    return expected


def zoho_emails(zoho_sandbox, module):
    return Counter(r["Email"] for r in zoho_sandbox.records(module))


def upserts(zoho_sandbox, module=None):
    return [c for c in zoho_sandbox.calls() if c["path"].endswith("/upsert")
            and (module is None or f"/{module}/" in c["path"])]


def a_customer(shop_slug="shop-a", module=CONTACTS):
    """A registered sandbox customer of one shop only, whose person lands in `module`."""
    for customer in SandboxCustomer.objects.filter(store__slug=shop_slug).exclude(email__startswith="shared"):
        record = SyncedRecord.objects.filter(key=customer.email, module=module, status="synced").first()
        if record:
            return customer, record
    raise AssertionError("no such customer")


def test_it_creates_one_zoho_record_per_distinct_email_in_the_right_module(zoho_sandbox, shops, main):
    run = sync(main)
    expected = expected_people(shops)
    contacts, leads = zoho_emails(zoho_sandbox, CONTACTS), zoho_emails(zoho_sandbox, LEADS)
    assert set(contacts) == {e for e, m in expected.items() if m == CONTACTS}
    assert set(leads) == {e for e, m in expected.items() if m == LEADS}
    assert max([*contacts.values(), *leads.values()]) == 1  # no duplicates, shared buyers merged
    assert "shared.buyer1@example.com" in contacts
    assert run.status == "succeeded" and run.created == len(expected) and run.failed == 8  # 4 bad emails × 2
    assert run.seen == 60 and run.progress_done == run.progress_total == len(expected)
    assert len(upserts(zoho_sandbox)) == 2  # one per module: ceil(N/100)
    ids = {r["id"] for r in zoho_sandbox.records(CONTACTS)}
    assert set(SyncedRecord.objects.filter(module=CONTACTS).values_list("zoho_id", flat=True)) == ids
    assert RecordError.objects.filter(code="INVALID_EMAIL", status="open").count() == 8


def test_it_sums_shared_buyers_across_stores(zoho_sandbox, shops, main):
    main.mappings.create(module=CONTACTS, position=99, store_field="order_count", zoho_field="Description",
                         transform="text")
    sync(main)
    person = merge([s for s in CustomerSnapshot.objects.filter(email="shared.buyer1@example.com")])
    zoho = next(r for r in zoho_sandbox.records(CONTACTS) if r["Email"] == "shared.buyer1@example.com")
    assert zoho["Description"] == str(person["order_count"])
    counts = [get_source(s).customer(c.source_id).order_count for s in shops for c in get_source(s).customers(None)
              if c.email == "shared.buyer1@example.com"]
    assert person["order_count"] == sum(counts) and len(counts) == 2


def test_it_sends_numbers_and_yes_no_values_into_text_fields_as_text(zoho_sandbox, shops, main):
    # Mapped in the admin without the "As text" transform: Zoho refuses a JSON number in a text field.
    main.mappings.create(module=CONTACTS, position=98, store_field="order_count", zoho_field="Description")
    main.mappings.create(module=CONTACTS, position=99, store_field="newsletter", zoho_field="Department")
    run = sync(main)
    assert run.status == "succeeded" and run.failed == 8  # only the invalid emails
    zoho = next(r for r in zoho_sandbox.records(CONTACTS) if r["Email"] == "shared.buyer1@example.com")
    assert zoho["Description"].isdigit() and int(zoho["Description"]) > 0
    assert zoho["Department"] in ("true", "false")


def test_it_makes_no_zoho_call_when_nothing_changed(zoho_sandbox, shops, main):
    sync(main)
    before = len(zoho_sandbox.calls())
    run = sync(main)
    assert run.status == "succeeded" and run.zoho_calls == 0 and run.created == run.updated == 0
    assert len(zoho_sandbox.calls()) == before


def test_it_sends_only_the_record_whose_mapped_field_changed(zoho_sandbox, shops, main):
    sync(main)
    customer, record = a_customer()
    shop_services.update_customer(customer, first_name="Zebulon")
    before = len(upserts(zoho_sandbox))
    run = sync(main)
    assert run.updated == 1 and run.created == 0
    assert len(upserts(zoho_sandbox)) == before + 1
    assert next(r for r in zoho_sandbox.records(CONTACTS) if r["id"] == record.zoho_id)["First_Name"] == "Zebulon"


def test_it_skips_a_record_deleted_in_zoho_until_a_reset_recreates_it_once(zoho_sandbox, shops, main):
    sync(main)
    customer, record = a_customer()
    zoho_sandbox.delete_records(CONTACTS, ids=[record.zoho_id])
    shop_services.update_customer(customer, first_name="Changed")
    run = sync(main)
    assert run.skipped == 1 and run.created == run.updated == 0
    assert customer.email not in zoho_emails(zoho_sandbox, CONTACTS)
    assert SyncedRecord.objects.get(pk=record.pk).status == "deleted_in_zoho"

    reset = sync(main, SyncRun.Trigger.RESET)
    assert reset.status == "succeeded" and reset.progress_done == reset.progress_total > 0
    contacts = zoho_emails(zoho_sandbox, CONTACTS)
    assert contacts[customer.email] == 1 and max(contacts.values()) == 1
    assert reset.created == 1  # every other person already existed: updated by email, not duplicated
    assert SyncedRecord.objects.get(pk=record.pk).status == "synced"


def test_it_recreates_a_record_deleted_in_zoho_when_the_policy_says_so(zoho_sandbox, shops, main):
    main.deleted_in_zoho_policy = SyncSettings.DeletedInZoho.RECREATE
    main.save()
    sync(main)
    customer, record = a_customer()
    zoho_sandbox.delete_records(CONTACTS, ids=[record.zoho_id])
    shop_services.update_customer(customer, first_name="Back")
    run = sync(main)
    assert run.created == 1
    assert zoho_emails(zoho_sandbox, CONTACTS)[customer.email] == 1
    assert SyncedRecord.objects.get(pk=record.pk).zoho_id != record.zoho_id


def test_it_converts_a_lead_who_starts_purchasing(zoho_sandbox, shops, main):
    sync(main)
    customer, lead = a_customer(module=LEADS)
    shop_services.create_order(customer.store, customer)
    run = sync(main)
    assert run.status == "succeeded", run.error_summary
    zoho_lead = next(r for r in zoho_sandbox.records(LEADS) if r["id"] == lead.zoho_id)
    assert zoho_lead["Converted__s"] is True
    assert zoho_emails(zoho_sandbox, CONTACTS)[customer.email] == 1  # the converted one, updated by email
    assert SyncedRecord.objects.get(pk=lead.pk).status == "converted"
    assert any(c["path"].endswith(f"Leads/{lead.zoho_id}/actions/convert") for c in zoho_sandbox.calls())
    assert run.report["conversions"] == [{"email": customer.email, "lead_id": lead.zoho_id}]


def mark_deleted_in_store(store):
    """Stand for a store reporting a customer as deleted: its snapshot says so and is due again. (The oldest
    customer: the newest is read again by the next run's inclusive read.)"""
    contacts = SyncedRecord.objects.filter(module=CONTACTS).values_list("key", flat=True)
    snapshot = CustomerSnapshot.objects.filter(store=store, email__in=contacts).order_by("updated_at").first()
    CustomerSnapshot.objects.filter(pk=snapshot.pk).update(data={**snapshot.data, "deleted": True}, dirty=True)
    return SyncedRecord.objects.get(module=CONTACTS, key=snapshot.email)


@pytest.mark.parametrize(("policy", "gone"), [("delete", True), ("ignore", False)])
def test_it_follows_the_policy_for_customers_deleted_in_the_store(zoho_sandbox, store_sandbox, main, policy, gone):
    main.deleted_in_store_policy = policy
    main.save()
    shop = store_sandbox.woocommerce("shop-del", customers=12, seed="d")
    store = store_sandbox.app_store(shop)
    sync(main)
    record = mark_deleted_in_store(store)
    sync(main)
    assert (record.key not in zoho_emails(zoho_sandbox, CONTACTS)) is gone
    assert SyncedRecord.objects.get(pk=record.pk).status == ("deleted_in_store" if gone else "synced")


def test_it_sets_a_field_for_customers_deleted_in_the_store(zoho_sandbox, store_sandbox, main):
    main.deleted_in_store_policy = "set_field"
    main.deleted_in_store_field, main.deleted_in_store_value = "Description", "Deleted in the store"
    main.save()
    store = store_sandbox.app_store(store_sandbox.woocommerce("shop-del", customers=12, seed="d"))
    sync(main)
    record = mark_deleted_in_store(store)
    run = sync(main)
    assert run.updated == 1
    zoho = next(r for r in zoho_sandbox.records(CONTACTS) if r["id"] == record.zoho_id)
    assert zoho["Description"] == "Deleted in the store"


def test_it_puts_records_zoho_refuses_in_the_inbox_and_retries_them(zoho_sandbox, shops, main):
    zoho_sandbox.fault(partial_next=1)  # the first upsert answers 207: its last record is refused
    run = sync(main)
    assert run.status == "succeeded" and run.failed == 8 + 1
    error = RecordError.objects.get(code="CANNOT_PROCESS")
    assert error.status == "open" and error.payload["Email"] == error.key
    assert error.key not in zoho_emails(zoho_sandbox, error.module)
    assert SyncedRecord.objects.get(key=error.key, module=error.module).status == "failed"
    assert sync(main).zoho_calls == 0  # a refused record is not resent on its own every run

    assert retry_errors(RecordError.objects.filter(pk=error.pk)) == 1  # runs inline in tests (sync=True)
    assert zoho_emails(zoho_sandbox, error.module)[error.key] == 1
    error.refresh_from_db()
    assert error.status == "resolved"
    assert max(zoho_emails(zoho_sandbox, CONTACTS).values()) == 1


def test_it_stops_cleanly_in_a_429_storm_and_the_next_run_sends_everything(zoho_sandbox, shops, main):
    zoho_sandbox.fault(fail_next=1000, fail_mode="429")
    run = sync(main)
    assert run.status == "partial" and "rate limiting" in run.error_summary
    assert run.zoho_calls <= 30  # bounded retries, no tight loop
    assert not SyncedRecord.objects.filter(status="synced").exists()  # nothing confirmed, nothing marked
    assert CustomerSnapshot.objects.filter(dirty=True).exists()

    zoho_sandbox.fault(fail_next=0)
    again = sync(main)
    assert again.status == "succeeded"
    expected = expected_people(shops)
    assert set(zoho_emails(zoho_sandbox, CONTACTS)) | set(zoho_emails(zoho_sandbox, LEADS)) == set(expected)
    assert max(zoho_emails(zoho_sandbox, CONTACTS).values()) == 1


def test_it_rides_out_a_few_5xx_and_fails_cleanly_on_many(zoho_sandbox, shops, main):
    zoho_sandbox.fault(fail_next=2, fail_mode="500")
    run = sync(main)
    assert run.status == "succeeded" and run.created == len(expected_people(shops))

    customer, _ = a_customer()
    shop_services.update_customer(customer, last_name="Server-Error")
    zoho_sandbox.fault(fail_next=1000, fail_mode="503")
    failed = sync(main)
    assert failed.status == "failed" and "503" in failed.error_summary
    assert SyncedRecord.objects.get(key=customer.email, module=CONTACTS).payload_hash  # the old hash stays
    zoho_sandbox.fault(fail_next=0)
    assert sync(main).updated == 1
    assert next(r for r in zoho_sandbox.records(CONTACTS) if r["Email"] == customer.email)["Last_Name"] \
        == "Server-Error"


def test_it_refreshes_an_access_token_that_expires_mid_run(zoho_sandbox, shops, main):
    old_token = main.connection.access_token
    run = sync(main, after_batch=lambda run: zoho_sandbox.expire_access_tokens())
    assert run.status == "succeeded"
    assert set(zoho_emails(zoho_sandbox, CONTACTS)) | set(zoho_emails(zoho_sandbox, LEADS)) \
        == set(expected_people(shops))
    main.connection.refresh_from_db()
    assert main.connection.access_token != old_token


def test_it_stops_when_zoho_needs_reauthorisation(zoho_sandbox, shops, main):
    zoho_sandbox.revoke_refresh_tokens()
    zoho_sandbox.expire_access_tokens()
    run = sync(main)
    assert run.status == "failed" and "re-authorisation" in run.error_summary
    main.connection.refresh_from_db()
    assert main.connection.status == "needs_reauth"
    assert CustomerSnapshot.objects.filter(dirty=True).exists()


def test_it_resends_a_batch_zoho_accepted_when_the_worker_died_before_recording_it(zoho_sandbox, shops, main):
    def die(run):
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        sync(main, after_upsert=die)
    assert len(zoho_sandbox.records(CONTACTS)) > 0 and not SyncedRecord.objects.exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # the dead worker's claim goes stale
        run = sync(main)
    assert run.status == "succeeded"
    contacts = zoho_emails(zoho_sandbox, CONTACTS)
    assert max(contacts.values()) == 1 and run.updated == len(contacts)  # converged by email
    assert SyncedRecord.objects.filter(module=CONTACTS, status="synced").count() == len(contacts)


def test_it_never_runs_twice_at_once(zoho_sandbox, shops, main):
    inner = []
    sync(main, after_batch=lambda run: inner.append(run_sync(main, hooks=Hooks(sleep=no_sleep))))
    assert inner and inner[0] is None

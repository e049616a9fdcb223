from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.zoho import limits
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.errors import CreditBudgetExceeded, RateLimited
from integrations.zoho.models import ZohoApiSlot, ZohoApiUsage, ZohoConnection

from .conftest import API


def test_slots_are_shared_up_to_the_limit(connection):
    ZohoConnection.objects.filter(pk=connection.pk).update(concurrency_limit=2)
    connection.refresh_from_db()
    first, second = limits.try_acquire_slot(connection), limits.try_acquire_slot(connection)
    assert first and second and first[0] != second[0]
    assert limits.try_acquire_slot(connection) is None
    assert limits.slots_in_use(connection) == 2
    limits.release_slot(connection, *first)
    assert limits.try_acquire_slot(connection) is not None


def test_a_stale_slot_is_taken_over(connection):
    ZohoConnection.objects.filter(pk=connection.pk).update(concurrency_limit=1)
    connection.refresh_from_db()
    assert limits.try_acquire_slot(connection)
    ZohoApiSlot.objects.update(held_until=timezone.now() - timedelta(seconds=1))  # its worker died
    assert limits.try_acquire_slot(connection) is not None


def test_slots_are_per_org_for_every_connection_to_it(connection, api_client):
    other = ZohoConnection.objects.create(name="other", api_client=api_client, org_id=connection.org_id,
                                          concurrency_limit=1)
    ZohoConnection.objects.filter(pk=connection.pk).update(concurrency_limit=1)
    connection.refresh_from_db()
    assert limits.try_acquire_slot(connection)
    assert limits.try_acquire_slot(other) is None


def test_waiting_for_a_slot_gives_up_with_rate_limited(connection, no_sleep):
    ZohoConnection.objects.filter(pk=connection.pk).update(concurrency_limit=1)
    connection.refresh_from_db()
    assert limits.try_acquire_slot(connection)
    with pytest.raises(RateLimited), limits.concurrency_slot(connection, sleep=no_sleep, wait_seconds=0):
        pass


def test_a_waiting_worker_gets_the_slot_when_it_is_released(connection):
    ZohoConnection.objects.filter(pk=connection.pk).update(concurrency_limit=1)
    connection.refresh_from_db()
    held = limits.try_acquire_slot(connection)
    waits = []

    def other_worker_finishes(seconds):
        waits.append(seconds)
        limits.release_slot(connection, *held)

    with limits.concurrency_slot(connection, sleep=other_worker_finishes) as slot:
        assert slot == 0
    assert len(waits) == 1
    assert limits.slots_in_use(connection) == 0


@pytest.mark.parametrize(("edition", "limit"), [
    ("free", 5), ("standard", 10), ("professional", 15), ("enterprise", 20), ("zohooneenterprise", 20),
    ("ultimate", 25), ("", 5), ("mystery", 5)])
def test_concurrency_for_edition(edition, limit):
    assert limits.concurrency_for_edition(edition) == limit


@pytest.mark.parametrize(("records", "credits"), [(1, 1), (10, 1), (11, 2), (100, 10)])
def test_write_cost(records, credits):
    assert limits.write_cost(records) == credits


def test_credits_are_counted_over_a_rolling_24_hours(connection):
    now = timezone.now()
    limits.record_usage(connection, 7, now=now - timedelta(hours=25))  # outside the window
    limits.record_usage(connection, 3, now=now - timedelta(hours=5))
    limits.record_usage(connection, 4, now=now)
    limits.record_usage(connection, 1, now=now)
    assert limits.credits_used_24h(connection, now) == 8
    assert limits.calls_24h(connection, now) == 3
    assert ZohoApiUsage.objects.count() == 3  # hour buckets


def test_the_budget_stops_a_call_before_it_is_made(http, connection, no_sleep):
    ZohoConnection.objects.filter(pk=connection.pk).update(daily_credit_budget=12)
    connection.refresh_from_db()
    limits.record_usage(connection, 10, now=timezone.now() - timedelta(hours=3))
    crm = ZohoCRM(connection, sleep=no_sleep)
    http.get(f"{API}/crm/v8/org", json={"org": [{"id": "1"}]})
    crm.org()  # 11 of 12
    with pytest.raises(CreditBudgetExceeded) as raised:
        crm.upsert("Contacts", [{"Email": f"{i}@x.io"} for i in range(20)])  # would cost 2 more
    assert 20 * 3600 < raised.value.retry_after <= 22 * 3600
    assert len(http.calls) == 1  # the upsert never reached Zoho
    assert limits.credits_used_24h(connection) == 11


def test_no_budget_means_no_limit(connection):
    limits.record_usage(connection, 10_000)
    limits.check_budget(connection, 10)

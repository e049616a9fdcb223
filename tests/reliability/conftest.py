"""Shared set-up for the fault-matrix tests: two sandbox shops feeding the sandbox Zoho org, as in
tests/syncs/test_engine.py, whose helpers these tests reuse."""

import pytest

from syncs.models import CONTACTS, LEADS, CustomerSnapshot, SyncedRecord
from tests.syncs.conftest import make_settings, sandbox_connection  # noqa: F401  (a fixture)
from tests.syncs.test_engine import expected_people, zoho_emails


@pytest.fixture
def shops(store_sandbox):
    first = store_sandbox.woocommerce("shop-a", customers=30, seed="a")
    second = store_sandbox.woocommerce("shop-b", customers=30, seed="b")
    return [store_sandbox.app_store(first), store_sandbox.app_store(second, is_my_store=False)]


@pytest.fixture
def main(request):
    return make_settings(request.getfixturevalue("sandbox_connection"))


def assert_converged(zoho_sandbox, shops):
    """No loss, no duplicate: Zoho holds exactly one record per expected email, in the right module, and the
    app knows every one of them as synced with Zoho's id; nothing is left to send."""
    expected = expected_people(shops)
    contacts, leads = zoho_emails(zoho_sandbox, CONTACTS), zoho_emails(zoho_sandbox, LEADS)
    assert set(contacts) == {e for e, m in expected.items() if m == CONTACTS}
    assert set(leads) == {e for e, m in expected.items() if m == LEADS}
    assert max([*contacts.values(), *leads.values()]) == 1
    for module in (CONTACTS, LEADS):
        ids = {r["id"] for r in zoho_sandbox.records(module)}
        known = set(SyncedRecord.objects.filter(module=module, status="synced").values_list("zoho_id", flat=True))
        assert known == ids
    assert not CustomerSnapshot.objects.filter(dirty=True).exists()


def assert_nothing_marked_without_zoho(zoho_sandbox):
    """Every record the app calls synced is in Zoho under that id (nothing marked synced wrongly)."""
    for module in (CONTACTS, LEADS):
        ids = {r["id"] for r in zoho_sandbox.records(module)}
        marked = set(SyncedRecord.objects.filter(module=module, status="synced").values_list("zoho_id", flat=True))
        assert marked <= ids

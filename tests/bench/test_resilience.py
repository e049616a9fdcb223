"""What `bench_kill` and `bench_qcluster` judge by: duplicates in the Zoho org and upserts counted from its call log."""

import pytest
from django.utils import timezone

from bench.resilience import duplicates, upserts_since
from sandbox.zoho import services
from sandbox.zoho.models import ApiCall, Record

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def person(org, module, email, n, deleted=False):
    now = timezone.now()
    return Record(org=org, module=module, zoho_id=f"{org.id_prefix}{n:012d}", email=email, created_at=now,
                  modified_at=now, deleted_at=now if deleted else None)


def test_duplicates_counts_an_email_twice_in_a_module_and_one_both_a_contact_and_a_lead():
    org = services.create_org("dup-check")
    Record.objects.bulk_create([
        person(org, "Contacts", "a@example.com", 1), person(org, "Contacts", "a@example.com", 2),
        person(org, "Contacts", "b@example.com", 3), person(org, "Leads", "b@example.com", 4),
        person(org, "Leads", "c@example.com", 5), person(org, "Leads", "c@example.com", 6, deleted=True),
        person(org, "Accounts", "d@example.com", 7), person(org, "Accounts", "d@example.com", 8),
    ])
    assert duplicates(org) == {"within_a_module": 1, "contact_and_lead": 1, "emails": 3,
                                "records": 5}


def test_upserts_since_counts_upsert_calls_per_module_after_a_mark():
    org = services.create_org("calls-check")
    paths = ["/sandbox/zoho/crm/v8/Contacts/upsert", "/sandbox/zoho/crm/v8/Leads/upsert",
             "/sandbox/zoho/crm/v8/Contacts/upsert", "/sandbox/zoho/crm/v8/Contacts/search?email=x"]
    first = ApiCall.objects.create(org=org, method="POST", path=paths[0], status=200, credits=1)
    for path in paths[1:]:
        ApiCall.objects.create(org=org, method="POST", path=path, status=200, credits=1)
    assert upserts_since(org, 0) == {"Contacts": 2, "Leads": 1}
    assert upserts_since(org, first.pk) == {"Contacts": 1, "Leads": 1}

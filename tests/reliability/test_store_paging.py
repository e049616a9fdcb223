"""Fault matrix, store side: pages that change while they are read (a customer modified or deleted between
two page requests) never make a customer disappear from the read."""

import pytest

from integrations.stores.sources import get_source
from sandbox.stores import services as shop_services
from sandbox.stores.models import SandboxCustomer

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def read_with_a_change_after_the_first_page(source, change, since=None):
    seen, changed = [], False
    for customer in source.customers(since):
        seen.append(customer)
        if len(seen) == source.page_size and not changed:
            change(SandboxCustomer.objects.get(pk=int(seen[0].source_id)))  # a customer on the page just read
            changed = True
    assert changed
    return {c.email.strip().lower() for c in seen}


def emails(shop):
    return {c.email.strip().lower() for c in SandboxCustomer.objects.filter(store=shop)}


@pytest.mark.parametrize("kind", ["woocommerce", "magento"])
@pytest.mark.parametrize("what", ["modified", "deleted"])
def test_it_reads_every_customer_when_a_page_changes_under_it(store_sandbox, kind, what):
    shop = getattr(store_sandbox, kind)(f"{kind}-paging", customers=12, seed="p")
    store = store_sandbox.app_store(shop, config={"page_size": 5})
    source = get_source(store)
    before, victims = emails(shop), []

    def change(customer):
        victims.append(customer.email.strip().lower())
        if what == "modified":
            shop_services.update_customer(customer, first_name="Moved")
        else:
            customer.delete()

    read = read_with_a_change_after_the_first_page(source, change)
    remaining = before if what == "modified" else before - set(victims)
    assert remaining - read == set(), "customers skipped because a page shifted"

"""The Magento sandbox's database search answers exactly like the Python reference (`apply_search`)."""

import pytest
from django.utils import timezone

from sandbox.stores import payloads, services
from sandbox.stores.search import apply_search, search_queryset
from sandbox.stores.views import CUSTOMER_COLUMNS, CUSTOMER_FIELDS, ORDER_COLUMNS, ORDER_FIELDS

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def criteria(filters=(), sort=(), size=None, page=None) -> dict:
    tree = {"filter_groups": {str(g): {"filters": {str(i): {"field": f, "value": v, "condition_type": c}
                                                   for i, (f, v, c) in enumerate(group)}}
                              for g, group in enumerate(filters)},
            "sortOrders": {str(i): {"field": f, "direction": d} for i, (f, d) in enumerate(sort)}}
    if size is not None:
        tree.update(pageSize=str(size), currentPage=str(page or 1))
    return tree


def with_ids(tree, **ids):
    """Customer ids are only known once created (PostgreSQL does not restart sequences between tests)."""
    if isinstance(tree, dict):
        return {key: with_ids(value, **ids) for key, value in tree.items()}
    return tree.format(**ids) if isinstance(tree, str) else tree


CASES = [
    ("customers", criteria(sort=[("updated_at", "ASC"), ("entity_id", "ASC")], size=7, page=3)),
    ("customers", criteria([[("updated_at", "2024-06-01 00:00:00", "gteq")]], [("updated_at", "DESC")], 5, 99)),
    ("customers", criteria([[("website_id", "2", "eq")], [("entity_id", "{some}", "in")]])),
    ("customers", criteria([[("updated_at", "2024-03-01 12:00:00", "lt"), ("website_id", "2", "eq")]])),
    ("customers", criteria([[("email", "shared.buyer1@example.com", "eq")]])),
    ("orders", criteria([[("customer_id", "", "notnull")], [("updated_at", "2024-05-01 00:00:00", "gt")]],
                        [("updated_at", "ASC"), ("entity_id", "ASC")], 10, 2)),
    ("orders", criteria([[("customer_id", "{first_ten}", "in")]], [("entity_id", "ASC")], 4, 1)),
    # Keyset paging, as the app reads a long stream: the first page of the ids above the last one read.
    ("customers", criteria([[("website_id", "1", "eq")], [("entity_id", "{tenth}", "gt")]], [("entity_id", "ASC")],
                           7, 1)),
    ("orders", criteria([[("updated_at", "2024-01-01 00:00:00", "gteq")], [("customer_id", "", "notnull")],
                         [("entity_id", "{tenth_order}", "gt")]], [("entity_id", "ASC")], 5, 1)),
    ("orders", criteria([[("customer_id", "{first_three}", "nin")]], [("customer_id", "DESC")], 50, 1)),
]


@pytest.mark.parametrize(("resource", "search"), CASES)
def test_it_finds_the_same_page_total_and_echo_as_the_python_search(resource, search):
    shop, _ = services.get_or_create_store("magento", "search-shop", "Search shop")
    services.populate(shop, 50, seed="search")
    shop.customers.filter(pk__in=list(shop.customers.values_list("pk", flat=True)[:5])).update(
        date_modified=timezone.now())  # fractions of a second, as real edits have
    ids = list(shop.customers.order_by("pk").values_list("pk", flat=True))
    order_ids = list(shop.orders.order_by("pk").values_list("pk", flat=True))
    search = with_ids(search, some=",".join(str(i) for i in ids[::2]), first_ten=",".join(map(str, ids[:10])),
                      first_three=",".join(map(str, ids[:3])), tenth=ids[9], tenth_order=order_ids[9])
    if resource == "orders":
        rows, render, fields, columns = shop.orders.select_related("customer"), payloads.magento_order, ORDER_FIELDS, \
            ORDER_COLUMNS
    else:
        rows, render, fields, columns = shop.customers.all(), payloads.magento_customer, CUSTOMER_FIELDS, \
            CUSTOMER_COLUMNS
    expected_items, expected_total, expected_echo = apply_search([render(r) for r in rows], search, fields)
    page, total, echo = search_queryset(rows, search, columns)
    assert (total, echo) == (expected_total, expected_echo)
    assert [render(r) for r in page] == expected_items
    assert expected_items  # the case selects something


def test_it_leaves_what_it_cannot_express_exactly_to_the_python_search():
    shop, _ = services.get_or_create_store("magento", "search-shop", "Search shop")
    assert search_queryset(shop.customers.all(), criteria([[("email", "%@example.com", "like")]]),
                           CUSTOMER_COLUMNS) is None
    assert search_queryset(shop.customers.all(), criteria(sort=[("email", "ASC")]), CUSTOMER_COLUMNS) is None

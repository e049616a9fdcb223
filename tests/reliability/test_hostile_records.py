"""Property tests: whatever a store (or a signed webhook) sends, parsing gives a valid Customer or one clear
per-record error (InvalidRecord), and mapping gives a payload Zoho can take as JSON, never a crash."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.stores.models import Store
from integrations.stores.sources.base import MAPPABLE_FIELDS, Customer, parse_record
from integrations.stores.sources.errors import InvalidRecord
from integrations.stores.sources.magento import MagentoSource, Rollup
from integrations.stores.sources.woocommerce import WooCommerceSource
from integrations.stores.sources.zoho_org import ZohoOrgSource
from syncs.hashing import payload_hash
from syncs.mapping import STORE_FIELD_KINDS, Mapping, build_payload, default_mappings
from syncs.merge import merge, route, snapshot_data
from syncs.models import CONTACTS, LEADS, FieldMapping
from syncs.validation import field_specs, validate_record
from tests.syncs.test_validation import STOCK_FIELDS

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.floats(), st.text(max_size=30),
    st.sampled_from(["NaN", "Infinity", "-1e999", "sNaN", "1e400", "0001-01-01T00:00:00-05:00",
                     "9999-12-31T23:59:59+14:00", "2024-02-30", " 12.50 ", "yes", ""]),
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
dates = st.one_of(st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda d: d.isoformat()), json_values)
emails = st.one_of(st.emails(), st.text(max_size=40), json_values)


def record(required: dict, optional: dict):
    """A dict with every required key and any of the optional ones, each either well-typed or anything."""
    return st.fixed_dictionaries(
        {k: st.one_of(v, json_values) for k, v in required.items()},
        optional={k: st.one_of(v, json_values) for k, v in optional.items()},
    )


ADDRESS = record({}, {"first_name": st.text(max_size=20), "last_name": st.text(max_size=20), "email": emails,
                      "company": st.text(max_size=20), "address_1": st.text(max_size=20), "city": st.text(max_size=9),
                      "postcode": st.text(max_size=9), "country": st.text(max_size=3), "phone": st.text(max_size=9)})
WOO_CUSTOMER = st.one_of(json_values, record(
    {"id": st.integers(min_value=1)},
    {"email": emails, "first_name": st.text(max_size=20), "last_name": st.text(max_size=20), "billing": ADDRESS,
     "date_created_gmt": dates, "date_modified_gmt": dates,
     "meta_data": st.lists(record({"key": st.just("newsletter_subscribed")}, {"value": json_values}), max_size=2)},
))
WOO_ORDER = st.one_of(json_values, record(
    {"id": st.integers(min_value=1)},
    {"customer_id": st.integers(min_value=0), "status": st.sampled_from(["completed", "processing", "pending"]),
     "billing": ADDRESS, "total": st.one_of(st.decimals().map(str), st.text(max_size=8)), "number": st.text(max_size=8),
     "date_created_gmt": dates, "date_modified_gmt": dates, "date_paid_gmt": dates,
     "line_items": st.lists(record({}, {"name": st.text(max_size=9), "quantity": json_values, "total": json_values}),
                            max_size=2)},
))
MAGENTO_CUSTOMER = st.one_of(json_values, record(
    {"id": st.integers(min_value=1), "created_at": dates},
    {"email": emails, "firstname": st.text(max_size=20), "lastname": st.text(max_size=20), "prefix": json_values,
     "updated_at": dates, "website_id": st.integers(1, 3), "default_billing": json_values,
     "extension_attributes": record({}, {"is_subscribed": st.booleans()}),
     "addresses": st.lists(record({}, {"default_billing": st.booleans(), "street": st.lists(st.text(max_size=9)),
                                       "city": st.text(max_size=9), "country_id": st.text(max_size=2),
                                       "region": record({}, {"region_code": st.text(max_size=3)})}), max_size=2)},
))
ZOHO_RECORD = st.one_of(json_values, record(
    {"id": st.text(min_size=1, max_size=19)},
    {"Email": emails, "First_Name": st.text(max_size=20), "Last_Name": st.text(max_size=20),
     "Account_Name": st.one_of(st.text(max_size=9), record({"name": st.text(max_size=9)}, {})),
     "Modified_Time": dates, "Created_Time": dates, "Mailing_Street": st.text(max_size=20)},
))


def source(kind, config=None):
    store = Store(name="Hostile shop", kind=kind, base_url="https://shop.example", config=config or {})
    return {"woocommerce": WooCommerceSource, "magento": MagentoSource, "zoho": ZohoOrgSource}[kind](store)


WOO, MAGENTO, ZOHO = source("woocommerce"), source("magento", {"website_id": 1}), source("zoho")


def assert_valid_customer(customer):
    """A Customer the engine can stage, merge, route and map to JSON Zoho accepts."""
    assert isinstance(customer, Customer)
    for name in MAPPABLE_FIELDS:
        kind = STORE_FIELD_KINDS.get(name)
        value = customer.field(name)
        if kind == "text":
            assert isinstance(value, str), name
        elif kind == "number":
            assert isinstance(value, Decimal) and value.is_finite(), name
    assert isinstance(customer.order_count, int) and isinstance(customer.email, str)
    assert isinstance(customer.updated_at, datetime) and customer.updated_at.tzinfo is not None
    data = snapshot_data(customer)
    json.dumps(data, allow_nan=False)
    person = merge([SimpleNamespace(data=data, updated_at=customer.updated_at, store_id=1)])
    module = route(person, True, True)
    payload = build_payload(person, default_mappings(module), {}, "Unknown")
    json.dumps(payload, allow_nan=False)


def assert_parses_or_reports(parse, data):
    try:
        customer = parse(data)
    except InvalidRecord as exc:
        assert exc.message and len(exc.message) < 400 and exc.permanent
        return
    assert_valid_customer(customer)


@PROPERTY
@given(WOO_CUSTOMER)
def test_it_parses_any_woocommerce_customer_or_reports_it(data):
    assert_parses_or_reports(WOO.customer_from_json, data)


@PROPERTY
@given(WOO_ORDER)
def test_it_parses_any_woocommerce_order_or_reports_it(data):
    assert_parses_or_reports(lambda d: WOO.order_from_json(d).customer, data)


@PROPERTY
@given(MAGENTO_CUSTOMER)
def test_it_parses_any_magento_customer_or_reports_it(data):
    assert_parses_or_reports(lambda d: parse_record(MAGENTO.label, MAGENTO._customer, d, Rollup()), data)


@PROPERTY
@given(ZOHO_RECORD)
def test_it_parses_any_zoho_org_record_or_reports_it(data):
    assert_parses_or_reports(lambda d: parse_record(ZOHO.label, ZOHO._customer, d), data)


SPECS = {module: field_specs(json.loads(STOCK_FIELDS.read_text())["modules"][module]) for module in (CONTACTS, LEADS)}
person_values = st.one_of(json_values, st.decimals(allow_nan=True, allow_infinity=True).map(str))
mappings = st.lists(st.builds(Mapping, st.sampled_from(sorted(STORE_FIELD_KINDS)),
                              st.sampled_from(sorted({name for specs in SPECS.values() for name in specs})),
                              st.sampled_from([t.value for t in FieldMapping.Transform])), max_size=8)


@PROPERTY
@given(snapshots=st.lists(st.dictionaries(st.sampled_from(sorted(STORE_FIELD_KINDS)), person_values), min_size=1,
                          max_size=3),
       rows=mappings, lengths=st.dictionaries(st.text(max_size=12), st.integers(0, 300), max_size=3),
       module=st.sampled_from([CONTACTS, LEADS]))
def test_it_maps_any_person_to_a_json_payload_or_a_clear_record_problem(snapshots, rows, lengths, module):
    stored = [SimpleNamespace(data={**data, "email": "someone@example.com"}, updated_at=None, store_id=i)
              for i, data in enumerate(snapshots)]
    person = merge(stored)
    payload = build_payload(person, rows, lengths, "Unknown")
    assert payload["Email"] == "someone@example.com"
    json.dumps(payload, allow_nan=False)
    assert len(payload_hash(module, payload)) == 64
    problem = validate_record(payload, SPECS[module])
    assert problem is None or (problem.message and problem.code)

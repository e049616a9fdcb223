from decimal import Decimal

import pytest

from integrations.stores.sources.base import MAPPABLE_FIELDS
from syncs.mapping import STORE_FIELD_KINDS, Mapping, apply_transform, build_payload, mappings_by_module
from syncs.models import CONTACTS, LEADS

PERSON = {"email": "ann@example.com", "firstname": " Ann ", "lastname": "", "order_count": 2,
          "balance": Decimal("10.50"), "newsletter": True}


def test_it_knows_every_deconetwork_field():
    assert set(STORE_FIELD_KINDS) == set(MAPPABLE_FIELDS) | {"email"}


def test_it_always_sends_the_normalised_email_and_the_last_name_fallback():
    payload = build_payload(PERSON, [Mapping("firstname", "First_Name"), Mapping("lastname", "Last_Name")],
                            last_name_fallback="Unknown")
    assert payload == {"First_Name": "Ann", "Last_Name": "Unknown", "Email": "ann@example.com"}


def test_it_sends_numbers_as_numbers_and_empty_text_as_null():
    payload = build_payload({**PERSON, "company": "  "}, [Mapping("balance", "Balance"), Mapping("company", "Co")])
    assert payload["Balance"] == 10.5 and payload["Co"] is None


@pytest.mark.parametrize(("transform", "value", "expected"), [
    ("strip", "  a ", "a"), ("lower", "AbC", "abc"), ("upper", "abc", "ABC"), ("title", "ann lee", "Ann Lee"),
    ("truncate", "abcdef", "abc"), ("not", True, False), ("not", "yes", False), ("text", 3, "3"), ("", 3, 3),
])
def test_it_applies_transforms(transform, value, expected):
    assert apply_transform(value, transform, length=3) == expected


def test_it_prefills_deconetwork_defaults_per_module(sync_settings):
    rows = mappings_by_module(sync_settings)
    assert Mapping("email", "Email") in rows[CONTACTS]
    assert Mapping("lastname", "Last_Name", "truncate") in rows[LEADS]
    assert Mapping("company", "Company", "truncate") in rows[LEADS]
    assert [m.zoho_field for m in rows[CONTACTS]][:3] == ["Email", "First_Name", "Last_Name"]

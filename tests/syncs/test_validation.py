import json
from pathlib import Path

import pytest

from syncs.mapping import Mapping, default_mappings
from syncs.models import CONTACTS, LEADS
from syncs.validation import field_specs, fit_to_field_types, validate_mappings, validate_record

# Zoho's stock field metadata, as the sandbox serves it (compiled from Zoho's documentation).
STOCK_FIELDS = Path(__file__).resolve().parents[2] / "sandbox/zoho/data/standard_fields.json"

# Zoho's own shape (GET /settings/fields), trimmed to what validation reads.
CONTACT_FIELDS = [
    {"api_name": "Email", "data_type": "email", "length": 100},
    {"api_name": "First_Name", "data_type": "text", "length": 40},
    {"api_name": "Last_Name", "data_type": "text", "length": 80, "system_mandatory": True},
    {"api_name": "Phone", "data_type": "phone", "length": 30},
    {"api_name": "Full_Name", "data_type": "text", "length": 120, "read_only": False,
     "operation_type": {"api_create": False, "api_update": False}},
    {"api_name": "Modified_Time", "data_type": "datetime", "field_read_only": True},
    {"api_name": "Email_Opt_Out", "data_type": "boolean"},
    {"api_name": "Orders", "data_type": "integer", "length": 9},
    {"api_name": "Mailing_Country", "data_type": "picklist", "length": 120,
     "pick_list_values": [{"display_value": "-None-", "actual_value": "-None-"},
                          {"display_value": "United Kingdom", "actual_value": "United Kingdom"}]},
    {"api_name": "Account_Name", "data_type": "lookup"},
]
SPECS = field_specs(CONTACT_FIELDS)


def codes(problems):
    return sorted(p.code for p in problems)


def test_it_accepts_a_sound_mapping():
    rows = [Mapping("email", "Email"), Mapping("lastname", "Last_Name"), Mapping("order_count", "Orders"),
            Mapping("newsletter", "Email_Opt_Out", "not"), Mapping("country_name", "Mailing_Country")]
    assert validate_mappings(CONTACTS, rows, SPECS) == []


def test_it_reports_unknown_read_only_mismatched_duplicate_and_unsupported_fields():
    rows = [Mapping("email", "Email"), Mapping("lastname", "Last_Name"), Mapping("full_name", "Full_Name"),
            Mapping("city", "Modified_Time"), Mapping("city", "Nope"), Mapping("company", "Orders"),
            Mapping("phone_number", "Phone"), Mapping("zip", "Phone"), Mapping("company", "Account_Name"),
            Mapping("shoe_size", "First_Name")]
    assert codes(validate_mappings(CONTACTS, rows, SPECS)) == [
        "DUPLICATE_MAPPING", "READ_ONLY", "READ_ONLY", "TYPE_MISMATCH", "TYPE_MISMATCH", "UNKNOWN_FIELD",
        "UNKNOWN_STORE_FIELD", "UNSUPPORTED_TYPE",  # a date-time field takes dates only (city: type mismatch)
    ]


def test_it_requires_last_name_unless_a_fallback_is_set():
    rows = [Mapping("email", "Email")]
    assert codes(validate_mappings(CONTACTS, rows, SPECS)) == ["MANDATORY_NOT_MAPPED"]
    assert validate_mappings(CONTACTS, rows, SPECS, last_name_fallback="Unknown") == []


def test_it_keeps_email_as_the_match_key():
    rows = [Mapping("lastname", "Last_Name"), Mapping("store_url", "Email")]
    assert "EMAIL_IS_THE_KEY" in codes(validate_mappings(CONTACTS, rows, SPECS))


@pytest.mark.parametrize(("payload", "field"), [
    ({"Email": "a@b.co", "Last_Name": None}, "Last_Name"),
    ({"Email": "a@b.co", "Last_Name": "x" * 81}, "Last_Name"),
    ({"Email": "not-an-email", "Last_Name": "Lee"}, "Email"),
    ({"Email": "a@b.co", "Last_Name": "Lee", "Mailing_Country": "Atlantis"}, "Mailing_Country"),
    ({"Email": "a@b.co", "Last_Name": "Lee", "Orders": 1.5}, "Orders"),
    ({"Email": "a@b.co", "Last_Name": "Lee", "Email_Opt_Out": "yes"}, "Email_Opt_Out"),
])
def test_it_catches_records_zoho_would_refuse(payload, field):
    problem = validate_record(payload, SPECS)
    assert problem is not None and problem.field == field


def test_it_passes_a_good_record():
    payload = {"Email": "a@b.co", "Last_Name": "Lee", "Mailing_Country": "United Kingdom", "Orders": 2,
               "Email_Opt_Out": False, "Phone": None}
    assert validate_record(payload, SPECS) is None


@pytest.mark.parametrize("module", [CONTACTS, LEADS])
def test_it_validates_the_defaults_against_a_stock_org(module):
    specs = field_specs(json.loads(STOCK_FIELDS.read_text())["modules"][module])
    assert validate_mappings(module, default_mappings(module), specs) == []


def test_it_turns_numbers_and_booleans_into_text_for_text_fields_only():
    payload = {"First_Name": 1234.5, "Phone": 100.0, "Mailing_Country": True, "Orders": 3, "Email_Opt_Out": False}
    assert fit_to_field_types(payload, SPECS) == {
        "First_Name": "1234.5", "Phone": "100", "Mailing_Country": "true", "Orders": 3, "Email_Opt_Out": False,
    }

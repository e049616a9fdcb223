"""A fixed value is typed as its Zoho field takes it, and checked like any value sent."""

import pytest

from syncs.fixed_values import FixedValueError, typed_value
from syncs.validation import FieldSpec

LEAD_SOURCE = FieldSpec("Lead_Source", "picklist", 120, picklist=frozenset({"Online Store", "Web Download"}))


@pytest.mark.parametrize(("spec", "raw", "expected"), [
    (LEAD_SOURCE, " Online Store ", "Online Store"),
    (FieldSpec("Rating", "integer", 9), "42", 42),
    (FieldSpec("Amount", "currency", 16), "19.90", 19.9),
    (FieldSpec("Amount", "currency", 16), 5, 5.0),
    (FieldSpec("Email_Opt_Out", "boolean"), "yes", True),
    (FieldSpec("Email_Opt_Out", "boolean"), False, False),
    (FieldSpec("Date_of_Birth", "date"), "2024-02-29", "2024-02-29"),
    (FieldSpec("Tags", "multiselectpicklist", picklist=frozenset({"A", "B"})), "A; B", ["A", "B"]),
    (FieldSpec("Description", "textarea", 32000), "From the store", "From the store"),
])
def test_a_fixed_value_takes_its_fields_type(spec, raw, expected):
    assert typed_value(raw, spec) == expected


@pytest.mark.parametrize(("spec", "raw", "message"), [
    (LEAD_SOURCE, "Carrier pigeon", "'Carrier pigeon' is not one of the picklist values"),
    (FieldSpec("Rating", "integer", 9), "4.5", "takes a whole number"),
    (FieldSpec("Amount", "currency", 16), "lots", "takes a number"),
    (FieldSpec("Amount", "currency", 16), True, "takes a number"),
    (FieldSpec("Email_Opt_Out", "boolean"), "maybe", "takes true or false"),
    (FieldSpec("Date_of_Birth", "date"), "31/12/1990", "expected a date"),
    (FieldSpec("Tags", "multiselectpicklist", picklist=frozenset({"A"})), "A;Z", "'Z' is not one of"),
    (FieldSpec("Last_Name", "text", 3), "Longer", "longer than 3 characters"),
    (FieldSpec("Secondary_Email", "email", 100), "nope", "not a valid email address"),
    (FieldSpec("Owner", "ownerlookup"), "1", "cannot hold a fixed value"),
    (FieldSpec("Created_Time", "datetime", writable=False), "2024-01-01", "read-only"),
    (LEAD_SOURCE, "  ", "is empty"),
    (FieldSpec("Description", "textarea"), {"a": 1}, "takes text"),
])
def test_a_fixed_value_that_does_not_fit_is_refused_with_the_reason(spec, raw, message):
    with pytest.raises(FixedValueError, match=message.replace("(", r"\(")):
        typed_value(raw, spec)

"""Search criteria, Zoho's grammar: `((Field:operator:value)and(Field:operator:value))` (zoho-crm-api.md §7).
`equals` on text behaves like "contains", as Zoho's search index does."""

import re
from collections.abc import Callable

from .api_errors import ApiError

OPERATORS = {"equals", "not_equal", "starts_with", "in", "greater_than", "greater_equal", "less_than",
             "less_equal", "between"}
MAX_CRITERIA = 10
MAX_IN_VALUES = 100
Predicate = Callable[[dict], bool]


def invalid_query(reason: str, **details) -> ApiError:
    return ApiError(400, "INVALID_QUERY", "invalid query formed", {"reason": reason, **details})


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current + ("\\" if escaped else ""))
    return parts


def _compare(operator: str, actual, values: list[str], is_picklist: bool) -> bool:
    text = "" if actual is None else str(actual).lower()
    wanted = [value.lower() for value in values]
    if operator == "equals":
        return text == wanted[0] if is_picklist else wanted[0] in text
    if operator == "not_equal":
        return text != wanted[0]
    if operator == "starts_with":
        return text.startswith(wanted[0])
    if operator == "in":
        return text in wanted
    try:
        number, bounds = float(actual), [float(value) for value in values]
    except (TypeError, ValueError):
        number, bounds = text, wanted  # ISO dates and times compare as strings
    if operator == "between":
        return len(bounds) == 2 and bounds[0] <= number <= bounds[1]
    return {"greater_than": number > bounds[0], "greater_equal": number >= bounds[0],
            "less_than": number < bounds[0], "less_equal": number <= bounds[0]}[operator]


def _condition(text: str, fields: dict) -> Predicate:
    parts = _split_unescaped(text, ":")
    if len(parts) < 3:
        raise invalid_query("invalid criteria", value=text)
    api_name, operator, value = parts[0], parts[1], ":".join(parts[2:])
    if api_name not in fields and api_name != "id":
        raise invalid_query("the given field is not available", api_name=api_name)
    if operator not in OPERATORS:
        raise invalid_query("invalid operator found", api_name=api_name, operator=operator)
    values = _split_unescaped(value, ",") if operator in ("in", "between") else [value.replace("\\,", ",")]
    if len(values) > MAX_IN_VALUES:
        raise ApiError(400, "INVALID_QUERY", 'Only 100 values are allowed in "IN" criteria', {})
    is_picklist = api_name in fields and fields[api_name].data_type == "picklist"
    return lambda record: _compare(operator, record.get(api_name), values, is_picklist)


def parse(criteria: str, fields: dict) -> Predicate:
    """A predicate over rendered records; ApiError for what Zoho rejects."""
    tokens = re.findall(r"\(|\)|and|or|(?:\\.|[^()\\])+?(?=\)|$)", criteria.strip())
    position = 0
    count = 0

    def expression() -> Predicate:
        nonlocal position
        left = term()
        while position < len(tokens) and tokens[position] in ("and", "or"):
            joiner = tokens[position]
            position += 1
            right = term()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right) if joiner == "and" else (
                (lambda a, b: lambda r: a(r) or b(r))(left, right))
        return left

    def term() -> Predicate:
        nonlocal position, count
        if position >= len(tokens) or tokens[position] != "(":
            raise invalid_query("invalid criteria", value=criteria)
        position += 1
        if position < len(tokens) and tokens[position] == "(":
            inner = expression()
        else:
            if position >= len(tokens):
                raise invalid_query("invalid criteria", value=criteria)
            count += 1
            inner = _condition(tokens[position], fields)
            position += 1
        if position >= len(tokens) or tokens[position] != ")":
            raise invalid_query("invalid criteria", value=criteria)
        position += 1
        return inner

    predicate = expression()
    if position != len(tokens):
        raise invalid_query("invalid criteria", value=criteria)
    if count > MAX_CRITERIA:
        raise ApiError(400, "LIMIT_EXCEEDED", "no of criterium that can be given exceed the limit 15", {"limit": 15})
    return predicate

"""Magento's searchCriteria and fields= query syntax, parsed and applied to Python dicts."""

import re
from datetime import UTC, datetime, timedelta

from django.db.models import F, Q
from django.db.models.functions import TruncSecond

BRACKETS = re.compile(r"\[([^\]]*)\]")
CONDITIONS = {"eq", "neq", "gt", "gteq", "lt", "lteq", "in", "nin", "like", "null", "notnull", "from", "to"}


class SearchError(ValueError):
    def __init__(self, message, parameters=None):
        super().__init__(message)
        self.message, self.parameters = message, parameters


def parse_search_criteria(query) -> dict:
    """`searchCriteria[filter_groups][0][filters][0][field]=x…` → nested dicts (lists stay dicts keyed by index)."""
    tree: dict = {}
    present = False
    for key in query:
        if not key.startswith("searchCriteria"):
            continue
        present = True
        path = BRACKETS.findall(key[len("searchCriteria"):])
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if path:
            node[path[-1]] = query.get(key)
    if not present:
        raise SearchError('"%fieldName" is required. Enter and try again.', {"fieldName": "searchCriteria"})
    return tree


def _ordered(mapping: dict) -> list:
    return [mapping[k] for k in sorted(mapping, key=lambda k: int(k) if k.isdigit() else 0)]


def apply_search(rows: list[dict], criteria: dict, fields: dict, *, repeat_last_page: bool = True):
    """(page items, total_count, echoed search_criteria). `fields` maps allowed attribute → getter.

    Like Magento ≤ 2.3, a page past the end returns the last page again (clients must stop on total_count).
    """
    groups = _ordered(criteria.get("filter_groups", {}))
    echo_groups = []
    for group in groups:
        filters = _ordered(group.get("filters", {}))
        echo_groups.append({"filters": [
            {"field": f.get("field"), "value": f.get("value"), "condition_type": f.get("condition_type", "eq")}
            for f in filters
        ]})
        for f in filters:
            if f.get("field") not in fields:
                raise SearchError("Invalid attribute name: %1", [f.get("field")])
            if f.get("condition_type", "eq") not in CONDITIONS:
                raise SearchError('Invalid condition type "%1"', [f.get("condition_type")])
        rows = [r for r in rows if any(_match(fields[f["field"]](r), f) for f in filters)] if filters else rows
    sorts = _ordered(criteria.get("sortOrders", {}))
    for sort in reversed(sorts):
        field = sort.get("field")
        if field not in fields:
            raise SearchError("Invalid attribute name: %1", [field])
        rows = sorted(rows, key=lambda r, g=fields[field]: _sortable(g(r)),
                      reverse=(sort.get("direction") or "DESC").upper() == "DESC")
    total = len(rows)
    echo = {"filter_groups": echo_groups}
    if sorts:
        echo["sort_orders"] = [{"field": s.get("field"), "direction": (s.get("direction") or "DESC").upper()}
                               for s in sorts]
    size = criteria.get("pageSize")
    if size not in (None, ""):
        size, current = int(size), int(criteria.get("currentPage") or 1)
        echo["page_size"], echo["current_page"] = size, current
        last_page = max(1, -(-total // size)) if size else 1
        if repeat_last_page and current > last_page:
            current = last_page
        rows = rows[(current - 1) * size: current * size] if size else rows
    return rows, total, echo


def _sortable(value):
    return (value is None, value if value is not None else 0)


def _coerce(value, sample):
    if isinstance(sample, bool):
        return str(value).lower() in ("1", "true")
    if isinstance(sample, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def _match(actual, f) -> bool:
    condition, raw = f.get("condition_type", "eq"), f.get("value")
    if condition == "null":
        return actual is None
    if condition == "notnull":
        return actual is not None
    if condition in ("in", "nin"):
        values = {_coerce(v.strip(), actual) for v in str(raw).split(",")}
        return (actual in values) == (condition == "in")
    if condition == "like":
        pattern = "^" + re.escape(str(raw)).replace("%", ".*") + "$"
        return actual is not None and re.match(pattern, str(actual), re.IGNORECASE) is not None
    if actual is None:
        return False
    value = _coerce(raw, actual)
    try:
        return {
            "eq": actual == value, "neq": actual != value, "gt": actual > value, "gteq": actual >= value,
            "from": actual >= value, "lt": actual < value, "lteq": actual <= value, "to": actual <= value,
        }[condition]
    except TypeError:
        return False


def parse_fields(spec: str | None) -> dict | None:
    """`items[id,email,addresses[city]],total_count` → {"items": {"id": None, …}, "total_count": None}."""
    if not spec:
        return None
    result: dict = {}
    stack = [result]
    name = ""
    for char in spec:
        if char == "[":
            child: dict = {}
            stack[-1][name.strip()] = child
            stack.append(child)
            name = ""
        elif char == "]":
            if name.strip():
                stack[-1][name.strip()] = None
            stack.pop()
            name = ""
        elif char == ",":
            if name.strip():
                stack[-1][name.strip()] = None
            name = ""
        else:
            name += char
    if name.strip():
        stack[-1][name.strip()] = None
    return result


def apply_fields(value, spec):
    if spec is None:
        return value
    if isinstance(value, list):
        return [apply_fields(v, spec) for v in value]
    if isinstance(value, dict):
        return {k: apply_fields(v, spec[k]) for k, v in value.items() if k in spec}
    return value


# The same search, run by the database (Magento's collections are SQL): one page is read and rendered instead of
# the whole table, so a page costs the same in a shop of 100 customers as in one of 100,000. Criteria this cannot
# express exactly (unknown columns, `like`) return None and the caller falls back to `apply_search`.

ONE_SECOND = timedelta(seconds=1)


def search_queryset(queryset, criteria: dict, columns: dict):
    """(page rows, total_count, echoed search_criteria) or None. `columns` maps attribute → (model field, kind)
    with kind "int", "text" or "time" (rendered to the second as "YYYY-MM-DD HH:MM:SS")."""
    groups = _ordered(criteria.get("filter_groups", {}))
    echo_groups = []
    for group in groups:
        filters = _ordered(group.get("filters", {}))
        echo_groups.append({"filters": [
            {"field": f.get("field"), "value": f.get("value"), "condition_type": f.get("condition_type", "eq")}
            for f in filters
        ]})
        condition = Q()
        for f in filters:
            if f.get("field") not in columns:
                return None
            matched = _db_condition(columns[f["field"]], f.get("condition_type", "eq"), f.get("value"))
            if matched is None:
                return None
            condition |= matched
        if filters:
            queryset = queryset.filter(condition)
    sorts = _ordered(criteria.get("sortOrders", {}))
    ordering = []
    for sort in sorts:
        if sort.get("field") not in columns or columns[sort["field"]][1] == "text":
            return None  # text order depends on the database's collation; Python's is by code point
        column, kind = columns[sort["field"]]
        expression = TruncSecond(column) if kind == "time" else F(column)
        descending = (sort.get("direction") or "DESC").upper() == "DESC"
        ordering.append(expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True))
    queryset = queryset.order_by(*ordering, "pk")  # Python's stable sort keeps the table's id order for ties
    total = queryset.count()
    echo = {"filter_groups": echo_groups}
    if sorts:
        echo["sort_orders"] = [{"field": s.get("field"), "direction": (s.get("direction") or "DESC").upper()}
                               for s in sorts]
    size = criteria.get("pageSize")
    if size in (None, ""):
        return list(queryset), total, echo
    size, current = int(size), int(criteria.get("currentPage") or 1)
    echo["page_size"], echo["current_page"] = size, current
    if not size:
        return list(queryset), total, echo
    current = min(current, max(1, -(-total // size)))
    return list(queryset[(current - 1) * size: current * size]), total, echo


def _db_condition(column_kind, condition: str, raw):
    column, kind = column_kind
    if condition in ("null", "notnull"):
        return Q(**{f"{column}__isnull": condition == "null"})
    if condition not in ("eq", "neq", "gt", "gteq", "from", "lt", "lteq", "to", "in", "nin"):
        return None
    if condition in ("in", "nin"):
        values = [_db_value(kind, v.strip()) for v in str(raw).split(",")]
        if any(v is _UNUSABLE for v in values):
            return None
        matched = Q(**{f"{column}__in": [v for v in values if v is not None]})
        return matched if condition == "in" else ~matched  # the negation keeps NULLs, as `nin` does above
    value = _db_value(kind, raw)
    if value is _UNUSABLE or value is None:
        return None
    if kind == "time":  # the API compares the rendering, which drops fractions of a second
        bounds = {"eq": (value, value + ONE_SECOND), "gt": (value + ONE_SECOND, None), "gteq": (value, None),
                  "from": (value, None), "lt": (None, value), "lteq": (None, value + ONE_SECOND),
                  "to": (None, value + ONE_SECOND)}
        if condition == "neq":
            return ~(Q(**{f"{column}__gte": value}) & Q(**{f"{column}__lt": value + ONE_SECOND}))
        low, high = bounds[condition]
        matched = Q()
        if low is not None:
            matched &= Q(**{f"{column}__gte": low})
        if high is not None:
            matched &= Q(**{f"{column}__lt": high})
        return matched
    lookups = {"eq": "exact", "gt": "gt", "gteq": "gte", "from": "gte", "lt": "lt", "lteq": "lte", "to": "lte"}
    if condition == "neq":
        return ~Q(**{column: value}) & Q(**{f"{column}__isnull": False})
    return Q(**{f"{column}__{lookups[condition]}": value})


_UNUSABLE = object()


def _db_value(kind: str, raw):
    if raw in (None, ""):
        return None if kind != "text" else raw
    if kind == "int":
        try:
            return int(raw)
        except (TypeError, ValueError):
            return _UNUSABLE
    if kind == "time":
        try:
            return datetime.strptime(str(raw), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            return _UNUSABLE
    return str(raw)

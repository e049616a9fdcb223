"""Magento's searchCriteria and fields= query syntax, parsed and applied to Python dicts."""

import re

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

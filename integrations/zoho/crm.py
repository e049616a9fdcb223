"""The Zoho CRM v8 client every other part of the app uses.

Reference: https://www.zoho.com/crm/developer/docs/api/v8/ (upsert-records, get-records,
search-records, get-deleted-records, convert-lead, delete-records, field-meta, modules-api, get-org-data,
get-users). Each call: shared access token (tokens.py), budget + concurrency slot (limits.py), the
connection's keep-alive session, timeout + User-Agent (transport.py), retries with backoff for
429/5xx/network, one refresh on INVALID_TOKEN. `request()` is that call for any Zoho URL (bulk_write.py).
Request-level failures raise the errors.py taxonomy; per-record failures come back as RecordResult.
"""

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from django.utils import timezone

from . import limits, tokens, transport
from .errors import (
    ConfigurationError,
    RateLimited,
    ReauthorizationRequired,
    TransientError,
    ZohoError,
)
from .models import ZohoConnection, ZohoFieldCache

API_VERSION = "v8"
MAX_WRITE_RECORDS = 100
MAX_FIELDS_PER_GET = 50
FIELDS_CACHE_TTL = timedelta(hours=1)
COST_CONVERT_LEAD = 5
COST_DELETED_RECORDS = 2
SEARCH_IN_LIMIT = 100  # values of one `in` criterion
_REAUTH_CODES = {"INVALID_TOKEN", "AUTHENTICATION_FAILURE", "OAUTH_SCOPE_MISMATCH"}


@dataclass(frozen=True)
class RecordResult:
    """What Zoho said about one input record, in input order."""

    ok: bool
    action: str | None = None  # "insert" | "update" | None
    zoho_id: str | None = None
    code: str = ""
    message: str = ""
    field: str | None = None  # details.api_name of the offending field
    details: dict = dataclass_field(default_factory=dict)

    @classmethod
    def from_entry(cls, entry: dict) -> "RecordResult":
        details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
        ok = entry.get("status") == "success"
        offending = details.get("api_name")
        if not offending and isinstance(details.get("errors"), list) and details["errors"]:
            first = details["errors"][0]
            offending = (first.get("details") or {}).get("api_name") if isinstance(first, dict) else None
        return cls(
            ok=ok,
            action=entry.get("action") if ok else None,
            zoho_id=str(details["id"]) if ok and details.get("id") else None,
            code=str(entry.get("code", "")),
            message=str(entry.get("message", "")),
            field=None if ok else offending,
            details=details,
        )


def format_since(moment: datetime) -> str:
    """ISO-8601 with offset, as Zoho wants for If-Modified-Since."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


class ZohoCRM:
    """A CRM client for one connection; `calls` and `credits` count what this instance spent."""

    def __init__(self, connection: ZohoConnection, *, sleep: Callable[[float], None] = time.sleep,
                 backoff: transport.Backoff | None = None):
        self.connection = connection
        self.sleep = sleep
        self.backoff = backoff or transport.Backoff(sleep=sleep)
        self.calls = 0
        self.credits = 0
        self.credits_remaining: int | None = None  # X-API-CREDITS-REMAINING, once Zoho sends it
        self.session = transport.connection_session(connection)  # keep-alive, shared with token refreshes

    # --- metadata ------------------------------------------------------------------------------

    def org(self) -> dict:
        return self._first(self._request("GET", "org"), "org")

    def current_user(self) -> dict:
        return self._first(self._request("GET", "users", params={"type": "CurrentUser"}), "users")

    def modules(self) -> list[dict]:
        doc = self._request("GET", "settings/modules") or {}
        return [m for m in doc.get("modules", []) if m.get("api_supported", True)]

    def fields(self, module: str, refresh: bool = False) -> list[dict]:
        """The module's `fields` from /settings/fields, cached per connection for FIELDS_CACHE_TTL."""
        cached = ZohoFieldCache.objects.filter(connection=self.connection, module=module).first()
        if cached and not refresh and cached.fetched_at > timezone.now() - FIELDS_CACHE_TTL:
            return cached.fields
        doc = self._request("GET", "settings/fields", params={"module": module}) or {}
        fields = doc.get("fields", [])
        ZohoFieldCache.objects.update_or_create(
            connection=self.connection, module=module, defaults={"fields": fields, "fetched_at": timezone.now()}
        )
        return fields

    # --- records -------------------------------------------------------------------------------

    def upsert(self, module: str, records: list[dict], duplicate_check_fields: Iterable[str] = ("Email",),
               trigger: Iterable[str] = ()) -> list[RecordResult]:
        """ONE upsert call of ≤100 records; results in input order. `trigger=()` runs no workflows."""
        self._check_batch(records)
        body = {"data": list(records), "duplicate_check_fields": list(duplicate_check_fields),
                "trigger": list(trigger)}
        doc = self._request("POST", f"{module}/upsert", json=body, cost=limits.write_cost(len(records)),
                            per_record=True)
        return self._results(doc, len(records))

    def insert(self, module: str, records: list[dict], trigger: Iterable[str] = ()) -> list[RecordResult]:
        """ONE insert call of ≤100 records (no duplicate check: a record already in Zoho is created again)."""
        self._check_batch(records)
        doc = self._request("POST", module, json={"data": list(records), "trigger": list(trigger)},
                            cost=limits.write_cost(len(records)), per_record=True)
        return self._results(doc, len(records))

    def update(self, module: str, records: list[dict], trigger: Iterable[str] = ()) -> list[RecordResult]:
        """ONE update call of ≤100 records, each with its Zoho `id`."""
        self._check_batch(records)
        if any(not record.get("id") for record in records):
            raise ValueError("Every record of a Zoho update needs its id.")
        doc = self._request("PUT", module, json={"data": list(records), "trigger": list(trigger)},
                            cost=limits.write_cost(len(records)), per_record=True)
        return self._results(doc, len(records))

    def get_record(self, module: str, record_id: str) -> dict | None:
        doc = self._request("GET", f"{module}/{record_id}")
        return (doc or {}).get("data", [None])[0] if doc else None

    def get_records(self, module: str, fields: Iterable[str], modified_since: datetime | None = None,
                    per_page: int = 200) -> Iterator[dict]:
        """Every record (sorted by Modified_Time ascending), streamed page by page with `page_token`."""
        fields = list(fields)
        if not fields or len(fields) > MAX_FIELDS_PER_GET:
            raise ConfigurationError(f"Zoho lists need 1–{MAX_FIELDS_PER_GET} fields; {len(fields)} were asked for.",
                                     code="LIMIT_EXCEEDED")
        params = {"fields": ",".join(fields), "per_page": min(per_page, 200), "sort_by": "Modified_Time",
                  "sort_order": "asc"}
        headers = {"If-Modified-Since": format_since(modified_since)} if modified_since else {}
        while True:
            doc = self._request("GET", module, params=params, headers=headers)
            if not doc:
                return
            yield from doc.get("data", [])
            info = doc.get("info") or {}
            token = info.get("next_page_token")
            if not info.get("more_records") or not token:
                return
            params = {**params, "page_token": token}

    def search_by_email(self, module: str, email: str) -> list[dict]:
        """Records whose email fields equal `email` exactly (Zoho's search also returns partial matches)."""
        doc = self._request("GET", f"{module}/search", params={"email": email})
        wanted = email.strip().casefold()
        return [
            record for record in (doc or {}).get("data", [])
            if any(isinstance(v, str) and "email" in k.lower() and v.strip().casefold() == wanted
                   for k, v in record.items())
        ]

    def search_in(self, module: str, field: str, values: list[str], fields: Iterable[str] = ()) -> list[dict]:
        """Records whose `field` is one of `values` (≤ 100, one criteria search: `(field:in:a,b)`); Zoho
        compares without case. Freshly written records may not be found yet (Zoho's index lags)."""
        if not values:
            return []
        if len(values) > SEARCH_IN_LIMIT:
            raise ValueError(f"At most {SEARCH_IN_LIMIT} values per search.")
        escaped = ",".join(re.sub(r"([(),:\\])", r"\\\1", str(value)) for value in values)
        params = {"criteria": f"({field}:in:{escaped})"}
        if fields:
            params["fields"] = ",".join(fields)
        doc = self._request("GET", f"{module}/search", params=params)
        return list((doc or {}).get("data", []))

    def convert_lead(self, lead_id: str, *, deal: dict | None = None, assign_to: str | None = None) -> dict:
        """Convert a lead; returns the new ids by module, e.g. {"Contacts": "…", "Accounts": "…"}."""
        item: dict = {"overwrite": True, "notify_lead_owner": False, "notify_new_entity_owner": False}
        if deal:
            item["Deals"] = deal
        if assign_to:
            item["assign_to"] = {"id": assign_to}
        doc = self._request("POST", f"Leads/{lead_id}/actions/convert", json={"data": [item]},
                            cost=COST_CONVERT_LEAD, per_record=True)
        entry = self._first(doc, "data")
        result = RecordResult.from_entry(entry) if "status" in entry else None
        if result and not result.ok:
            raise ConfigurationError(f"Zoho could not convert lead {lead_id}: {result.code} {result.message}",
                                     code=result.code)
        ids = entry.get("details", entry) if result else entry
        return {k: (v.get("id") if isinstance(v, dict) else v) for k, v in ids.items()
                if k in ("Contacts", "Accounts", "Deals")}

    def deleted_records(self, module: str, since: datetime | None = None) -> Iterator[dict]:
        """Deleted records (recycle bin and permanent), page by page."""
        headers = {"If-Modified-Since": format_since(since)} if since else {}
        page = 1
        while True:
            doc = self._request("GET", f"{module}/deleted",
                                params={"type": "all", "page": page, "per_page": 200},
                                headers=headers, cost=COST_DELETED_RECORDS)
            if not doc:
                return
            yield from doc.get("data", [])
            if not (doc.get("info") or {}).get("more_records"):
                return
            page += 1

    def delete(self, module: str, ids: list[str]) -> list[RecordResult]:
        self._check_batch(ids)
        doc = self._request("DELETE", module, params={"ids": ",".join(ids)}, per_record=True)
        return self._results(doc, len(ids))

    # --- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _check_batch(items: list):
        if not items or len(items) > MAX_WRITE_RECORDS:
            raise ValueError(f"A Zoho write takes 1–{MAX_WRITE_RECORDS} records, not {len(items)}.")

    @staticmethod
    def _first(doc: dict | None, key: str) -> dict:
        items = (doc or {}).get(key)
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise ZohoError(f"Zoho's response has no {key!r} entry.", code="unexpected_response")
        return items[0]

    @staticmethod
    def _results(doc: dict | None, expected: int) -> list[RecordResult]:
        entries = (doc or {}).get("data")
        if not isinstance(entries, list) or len(entries) != expected:
            raise ZohoError(f"Zoho returned {len(entries or [])} results for {expected} records.",
                            code="unexpected_response")
        return [RecordResult.from_entry(e if isinstance(e, dict) else {}) for e in entries]

    def _request(self, method: str, path: str, **kwargs) -> dict | None:
        """One logical call to `/crm/v8/{path}` (with retries). Returns the JSON body, or None for 204/304."""
        return self.request(method, f"{self.connection.api_domain.rstrip('/')}/crm/{API_VERSION}/{path}",
                            label=path, **kwargs)

    def request(self, method: str, url: str, *, label: str = "", params=None, json=None, data=None, files=None,
                headers=None, cost: int = 1, per_record: bool = False, into: BinaryIO | None = None,
                scope_needs_reauth: bool = True) -> dict | None:
        """One logical call to any Zoho URL of this connection (with retries, token refresh, credits and a
        concurrency slot). Returns the JSON body (None for 204/304, and for a body saved `into` a file).

        `data`: a streamed body (a file-like object with a length), rewound before each attempt. `into`: a binary
        file the body of a 200 answer is written to as it arrives, instead of being held in memory.

        `scope_needs_reauth=False`: an OAUTH_SCOPE_MISMATCH raises ConfigurationError and leaves the connection
        usable (for optional features such as Bulk Write, whose scopes older grants lack).
        """
        connection = self.connection
        label = label or url
        if connection.status == ZohoConnection.Status.DISABLED:
            raise ConfigurationError("This Zoho connection is disabled.", code="disabled")
        token = tokens.access_token(connection, sleep=self.sleep)
        refreshed = False
        attempt = 0
        while True:
            limits.spend(connection, cost)
            self.calls += 1
            self.credits += cost
            if data is not None:
                data.seek(0)
            try:
                with limits.concurrency_slot(connection, sleep=self.sleep):
                    response = transport.send(
                        method, url, params=params, json=json, data=data, files=files, session=self.session,
                        headers={"Authorization": f"Zoho-oauthtoken {token}", **(headers or {})},
                        stream=into is not None,
                    )
                    if into is not None and response.status_code == 200:
                        transport.save_body(response, into)
            except TransientError:
                if attempt + 1 >= self.backoff.attempts:
                    raise
                self.backoff.wait(attempt)
                attempt += 1
                continue
            self._note_credits(response)
            status = response.status_code
            if status in (204, 304):
                return None
            if into is not None and status == 200:
                return None
            doc = _json(response)
            code = str(doc.get("code", "")) if isinstance(doc, dict) else ""
            if status == 401 and code == "INVALID_TOKEN" and not refreshed:
                token = tokens.refresh_access_token(connection, stale_token=token, sleep=self.sleep)
                refreshed = True
                continue
            garbled = status < 300 and not isinstance(doc, dict)  # an HTML error page, a truncated body
            if status == 429 or status >= 500 or garbled:
                retry_after = transport.retry_after_seconds(response)
                if attempt + 1 >= self.backoff.attempts:
                    if garbled:  # ambiguous (a write may have happened): the next run resends, by email
                        raise TransientError(f"Zoho sent an unreadable response to {method} {label} repeatedly "
                                             f"(HTTP {status}, {_content_type(response)}).",
                                             code="unexpected_response", status=status)
                    raise _retry_exhausted(status, code, retry_after)
                self.backoff.wait(attempt, retry_after)
                attempt += 1
                continue
            if status < 300 or (per_record and status == 400 and isinstance(doc, dict)
                                and isinstance(doc.get("data"), list)):
                return doc
            if code == "OAUTH_SCOPE_MISMATCH" and not scope_needs_reauth:
                raise ConfigurationError(
                    f"Zoho refused {label}: the grant lacks a scope this feature needs (OAUTH_SCOPE_MISMATCH).",
                    code=code, status=status,
                    hint="Generate a new Zoho API grant token with every scope listed on the Zoho CRM Integration "
                    "page (this feature's scopes were added later).",
                )
            raise self._request_error(status, code, doc, label)

    def _note_credits(self, response):
        remaining = response.headers.get("X-API-CREDITS-REMAINING")
        if remaining and remaining.isdigit():
            self.credits_remaining = int(remaining)

    def _request_error(self, status: int, code: str, doc, path: str) -> ZohoError:
        message = str(doc.get("message", "")) if isinstance(doc, dict) else ""
        text = f"Zoho refused {path}: {code or f'HTTP {status}'}{f' ({message})' if message else ''}."
        if status == 401 or code in _REAUTH_CODES:
            hint = {
                "OAUTH_SCOPE_MISMATCH": "The grant is missing a scope this app needs; generate a new Zoho API "
                "grant token (self-client: include every scope listed on the Zoho CRM Integration page).",
                "INVALID_TOKEN": "Zoho rejects even a freshly refreshed token: the token belongs to another data "
                "center or was revoked. Check the data center and generate a new Zoho API grant token.",
            }.get(code, "Generate a new Zoho API grant token.")
            tokens.mark_needs_reauthorization(self.connection, f"{text} {hint}")
            return ReauthorizationRequired(text, code=code, status=status, hint=hint)
        if code in ("INVALID_URL_PATTERN", "INVALID_HOST"):
            return ConfigurationError(text, code=code, status=status,
                                      hint="The API domain does not match the org's data center.")
        return ConfigurationError(text, code=code, status=status)


def _content_type(response) -> str:
    return (response.headers.get("Content-Type") or "no content type").split(";")[0][:60]


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _retry_exhausted(status: int, code: str, retry_after: float | None) -> ZohoError:
    if status == 429:
        return RateLimited(
            f"Zoho is rate limiting this org ({code or 'TOO_MANY_REQUESTS'}): the daily API credits or the "
            "concurrency limit are exhausted.",
            retry_after=retry_after, code=code or "TOO_MANY_REQUESTS", status=status,
            hint="Lower the concurrency limit of this connection to the org's edition, or wait.",
        )
    return TransientError(f"Zoho answered HTTP {status} ({code or 'server error'}) repeatedly.",
                          code=code, status=status)

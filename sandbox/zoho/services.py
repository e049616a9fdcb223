"""What a tester or the console does to the sandbox: create orgs, users and API clients, turn fault knobs,
delete records behind the app's back, reset. Shared by the pages, the management command and test fixtures."""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sandbox.routers import SANDBOX_DB

from . import identifiers
from .fields import CUSTOM_FIELD_TYPES, MODULES, field_defs
from .models import (
    AccessToken,
    ApiCall,
    ApiClient,
    BulkFile,
    BulkJob,
    CustomField,
    Faults,
    Org,
    OrgUser,
    Record,
    RefreshToken,
)


class SandboxError(Exception):
    """A request the sandbox refuses (bad input from a tester, not an API error)."""


def atomic():
    return transaction.atomic(using=SANDBOX_DB)


def create_org(name: str, *, edition: str = "enterprise", time_zone: str = "UTC",
               user_email: str | None = None, user_name: str = "Patricia Boyle") -> Org:
    with atomic():
        prefix = identifiers.random_digits(7)
        while Org.objects.filter(id_prefix=prefix).exists():
            prefix = identifiers.random_digits(7)
        org = Org.objects.create(name=name, zgid=identifiers.random_digits(9), edition=edition,
                                 time_zone=time_zone, id_prefix=prefix)
        Faults.objects.create(org=org)
        slug = re.sub(r"[^a-z0-9]+", "", name.lower()) or "org"
        add_user(org, user_email or f"admin@{slug}.example.com", user_name)
    return org


def add_user(org: Org, email: str, name: str) -> OrgUser:
    first, _, last = name.partition(" ")
    with atomic():
        (zoho_id,) = identifiers.next_ids(org)
        zuid = identifiers.random_digits(9)
        return OrgUser.objects.create(org=org, zoho_id=zoho_id, zuid=zuid, first_name=first,
                                      last_name=last or first, email=email)


def default_org() -> Org:
    org = Org.objects.first()
    if org is None:
        raise SandboxError("There is no sandbox Zoho org yet: run `manage.py demo` or create one.")
    return org


def get_org(name_or_id: str | None) -> Org:
    if not name_or_id:
        return default_org()
    lookup = {"pk": int(name_or_id)} if str(name_or_id).isdigit() else {"name": name_or_id}
    try:
        return Org.objects.get(**lookup)
    except Org.DoesNotExist:
        raise SandboxError(f"No sandbox org {name_or_id!r}.")


def create_client(org: Org, name: str, redirect_uris: list[str], homepage_url: str = "",
                  client_type: str = ApiClient.SERVER_BASED) -> ApiClient:
    uris = [uri.strip() for uri in redirect_uris if uri.strip()]
    if client_type == ApiClient.SERVER_BASED and not uris:
        raise SandboxError("A server-based client needs at least one redirect URI.")
    for uri in uris:
        if not re.match(r"^https?://[^\s/]+", uri):
            raise SandboxError(f"Redirect URI {uri!r} must be an http:// or https:// URL.")
    if not name.strip():
        raise SandboxError("A client needs a name.")
    return ApiClient.objects.create(
        org=org, name=name.strip(), homepage_url=homepage_url, client_type=client_type,
        client_id=identifiers.client_id(), client_secret=identifiers.client_secret(),
        redirect_uris="\n".join(uris),
    )


def get_client(client_id: str) -> ApiClient:
    try:
        return ApiClient.objects.select_related("org").get(client_id=client_id)
    except ApiClient.DoesNotExist:
        raise SandboxError(f"No sandbox client {client_id!r}.")


def add_custom_field(org: Org, module: str, label: str, data_type: str = "text", *, length: int = 255,
                     unique: bool = False, pick_list_values: list[str] | None = None) -> CustomField:
    if module not in MODULES:
        raise SandboxError(f"Unknown module {module!r}.")
    if data_type not in CUSTOM_FIELD_TYPES:
        raise SandboxError(f"Unsupported field type {data_type!r}.")
    api_name = re.sub(r"\W+", "_", label.strip()).strip("_")
    if api_name in field_defs(org, module):
        raise SandboxError(f"{module} already has a field {api_name}.")
    with atomic():
        (zoho_id,) = identifiers.next_ids(org)
        return CustomField.objects.create(
            org=org, module=module, api_name=api_name, field_label=label.strip(), data_type=data_type,
            length=length, unique=unique, pick_list_values=pick_list_values or [], zoho_id=zoho_id,
        )


# --- Fault knobs -------------------------------------------------------------------------------------------

def set_faults(org: Org, *, fail_next: int | None = None, fail_mode: str | None = None,
               latency_ms: int | None = None, partial_next: int | None = None,
               bulk_fail_next: int | None = None) -> Faults:
    if fail_mode is not None and fail_mode not in Faults.FAIL_MODES:
        raise SandboxError(f"Unknown failure {fail_mode!r}; choose from {', '.join(Faults.FAIL_MODES)}.")
    changes = {key: value for key, value in {
        "fail_next": fail_next, "fail_mode": fail_mode, "latency_ms": latency_ms, "partial_next": partial_next,
        "bulk_fail_next": bulk_fail_next,
    }.items() if value is not None}
    if any(value < 0 for key, value in changes.items() if key != "fail_mode"):
        raise SandboxError("Counts and latency cannot be negative.")
    with atomic():
        Faults.objects.filter(org=org).update(**changes)
    return Faults.objects.get(org=org)


def clear_faults(org: Org) -> Faults:
    return set_faults(org, fail_next=0, fail_mode="500", latency_ms=0, partial_next=0, bulk_fail_next=0)


def expire_access_tokens(org: Org) -> int:
    """Every live access token of the org expires now (as if an hour had passed)."""
    now = timezone.now()
    return AccessToken.objects.filter(client__org=org, expires_at__gt=now).update(expires_at=now - timedelta(seconds=1))


def revoke_refresh_tokens(org: Org) -> int:
    """As if the user removed the app under Connected Apps: refresh tokens and their access tokens go."""
    with atomic():
        AccessToken.objects.filter(client__org=org).update(revoked=True)
        count, _ = RefreshToken.objects.filter(client__org=org).delete()
    return count


def delete_records(org: Org, module: str, *, ids: list[str] | None = None, count: int | None = None,
                   by: OrgUser | None = None) -> list[str]:
    """A CRM user deletes records (to the recycle bin) behind the app's back."""
    live = Record.objects.filter(org=org, module=module, deleted_at=None)
    if ids:
        live = live.filter(zoho_id__in=ids)
    elif count is not None:
        live = live.order_by("-pk")[:count]
    deleted_ids = list(live.values_list("zoho_id", flat=True))
    with atomic():
        Record.objects.filter(zoho_id__in=deleted_ids).update(
            deleted_at=timezone.now(), deleted_by=by or org.users.first()
        )
    return deleted_ids


def reset(org: Org) -> None:
    """Forget the org's records, Bulk Write jobs, call log, tokens and faults (clients, users and custom fields
    stay)."""
    with atomic():
        Record.objects.filter(org=org).delete()
        BulkJob.objects.filter(org=org).delete()
        BulkFile.objects.filter(org=org).delete()
        ApiCall.objects.filter(org=org).delete()
        RefreshToken.objects.filter(client__org=org).delete()
        AccessToken.objects.filter(client__org=org).delete()
        Org.objects.filter(pk=org.pk).update(in_flight=0)
    clear_faults(org)


# --- JSON views of the state (command output, pages) -------------------------------------------------------

def org_summary(org: Org) -> dict:
    return {
        "id": org.pk, "name": org.name, "zgid": org.zgid, "edition": org.edition,
        "users": [{"id": user.zoho_id, "name": user.full_name, "email": user.email} for user in org.users.all()],
    }


def faults_summary(faults: Faults) -> dict:
    return {"fail_next": faults.fail_next, "fail_mode": faults.fail_mode, "latency_ms": faults.latency_ms,
            "partial_next": faults.partial_next, "bulk_fail_next": faults.bulk_fail_next}


def calls(org: Org, limit: int = 200) -> list[dict]:
    """The org's latest calls, oldest first; `path` without and `query` with the query string."""
    recent = ApiCall.objects.filter(org=org).order_by("-pk")[:limit]
    return [
        {"method": call.method, "path": call.path.partition("?")[0], "query": call.path.partition("?")[2],
         "status": call.status, "credits": call.credits, "at": call.at.isoformat()}
        for call in reversed(recent)
    ]

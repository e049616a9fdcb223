"""The sandbox's Zoho CRM v8 API: one entry point that routes `/crm/v8/…`, authenticates the token, applies
fault knobs, the org's concurrency and credit limits, and logs the call."""

import json
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.views.decorators.csrf import csrf_exempt

from . import api_errors, credits, faults, oauth
from .crm_handlers import HANDLERS, Call
from .fields import MODULES
from .models import ApiCall, Org

TOP_LEVEL = {"org", "users", "settings"}


@dataclass(frozen=True)
class Route:
    handler: str
    module: str | None = None
    record_id: str | None = None


def _route(method: str, segments: list[str]) -> Route:
    """Which handler serves the path; ApiError for unknown URLs, modules and methods."""
    if not segments:
        raise api_errors.invalid_url()
    head, rest = segments[0], segments[1:]
    table: dict[tuple, str]
    if head in TOP_LEVEL:
        key = tuple(segments)
        table = {("org",): "org", ("users",): "users", ("settings", "modules"): "modules",
                 ("settings", "fields"): "fields", ("settings", "layouts"): "layouts"}
        if len(segments) == 3 and segments[:2] == ["settings", "modules"]:
            if segments[2] not in MODULES:
                raise api_errors.invalid_module(2)
            return _check_method(method, {"GET": "module"}, Route("module", segments[2]))
        if key not in table:
            raise api_errors.invalid_url()
        return _check_method(method, {"GET": table[key]}, Route(table[key]))
    if not head[:1].isalpha():
        raise api_errors.invalid_url()
    if head not in MODULES:
        raise api_errors.invalid_module(0)
    if not rest:
        methods = {"GET": "list", "POST": "insert", "PUT": "update", "DELETE": "delete"}
        return _check_method(method, methods, Route("", head))
    if len(rest) == 1 and rest[0] in ("upsert", "search", "deleted"):
        allowed = {"upsert": {"POST": "upsert"}, "search": {"GET": "search"}, "deleted": {"GET": "deleted"}}
        return _check_method(method, allowed[rest[0]], Route("", head))
    if rest[0].isdigit() and len(rest[0]) <= 19:
        if len(rest) == 1:
            methods = {"GET": "get", "PUT": "update_one", "DELETE": "delete_one"}
            return _check_method(method, methods, Route("", head, rest[0]))
        if head == "Leads" and rest[1:] == ["actions", "convert"]:
            return _check_method(method, {"POST": "convert"}, Route("", head, rest[0]))
    raise api_errors.invalid_url()


def _check_method(method: str, methods: dict, route: Route) -> Route:
    if method not in methods:
        raise api_errors.ApiError(400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one")
    return Route(methods[method], route.module, route.record_id)


def _authenticate(request):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Zoho-oauthtoken "):
        raise api_errors.authentication_failure()
    access = oauth.access_token_for(header)
    if access is None:
        raise api_errors.invalid_token()
    return access


class InFlight:
    """Counts the org's in-flight calls in the database, so every process shares the concurrency limit."""

    def __init__(self, org: Org):
        self.org = org

    def __enter__(self):
        Org.objects.filter(pk=self.org.pk).update(in_flight=F("in_flight") + 1)
        current = Org.objects.values_list("in_flight", flat=True).get(pk=self.org.pk)
        if current > self.org.max_concurrency:
            self.__exit__()
            raise api_errors.too_many_requests()
        return self

    def __exit__(self, *exc_info):
        Org.objects.filter(pk=self.org.pk).update(in_flight=F("in_flight") - 1)


def _parse_body(request):
    if request.method not in ("POST", "PUT"):
        return None
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise api_errors.ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "body", "json_path": "$"})


@csrf_exempt
@login_not_required
def api(request, path: str):
    def resolve():
        route = _route(request.method, [segment for segment in path.split("/") if segment])
        return HANDLERS[route.handler], route.module, route.record_id

    return serve(request, resolve)


def serve(request, resolve, *, json_body: bool = True):
    """Run one API call: `resolve()` → (handler, module, record id) or ApiError; then authentication, fault
    knobs, the org's concurrency and credit limits, the handler, the credit header and the call log."""
    org, cost = None, 0
    try:
        handler, module, record_id = resolve()
        access = _authenticate(request)
        org = access.client.org
        failure = faults.take_failure(org)
        if failure:
            response = faults.failure_response(failure, request)
        else:
            with InFlight(org):
                if credits.remaining(org) <= 0:
                    raise api_errors.too_many_requests()
                faults.add_latency(org)
                call = Call(request=request, access=access, org=org, module=module, record_id=record_id,
                            body=_parse_body(request) if json_body else None)
                response, cost = handler(call)
            for header, value in credits.headers(org, cost).items():
                response[header] = value
    except api_errors.ApiError as error:
        response = error.response()
    ApiCall.objects.create(org=org, method=request.method, path=request.get_full_path()[:500],
                           status=response.status_code, credits=cost)
    return response

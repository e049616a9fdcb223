"""Fault knobs applied to CRM API calls: fail the next N calls, add latency."""

import time

from django.conf import settings
from django.db.models import F
from django.http import HttpResponse, JsonResponse

from .api_errors import envelope
from .models import Faults, Org

# The in-process test transport sets this header; it turns a "timeout" into requests' ReadTimeout at once
# instead of making the view sleep past the client's timeout.
IN_PROCESS_HEADER = "X-Sandbox-In-Process"
FAULT_HEADER = "X-Sandbox-Fault"

HTML_ERROR_PAGE = """<!DOCTYPE html><html><head><title>Zoho CRM - Error</title></head>
<body><h1>Oops! Something went wrong.</h1><p>Please try again later.</p></body></html>"""


def take_failure(org: Org) -> str | None:
    """Use up one of the org's pending failures, if any; several processes may race for it."""
    faults = Faults.objects.filter(org=org).first()
    if faults is None or faults.fail_next == 0:
        return None
    claimed = Faults.objects.filter(pk=faults.pk, fail_next__gt=0).update(fail_next=F("fail_next") - 1)
    return faults.fail_mode if claimed else None


def take_partial(org: Org) -> bool:
    return bool(Faults.objects.filter(org=org, partial_next__gt=0).update(partial_next=F("partial_next") - 1))


def add_latency(org: Org):
    latency_ms = Faults.objects.filter(org=org).values_list("latency_ms", flat=True).first()
    if latency_ms:
        time.sleep(latency_ms / 1000)  # emulates a slow network; held inside the in-flight window


def failure_response(mode: str, request) -> HttpResponse:
    if mode == "429":
        return JsonResponse(envelope("TOO_MANY_REQUESTS", "API call limit exceeded. Please try again after some "
                                     "time."), status=429)
    if mode == "500":
        return JsonResponse(envelope("INTERNAL_ERROR", "Internal server error occurred."), status=500)
    if mode == "503":
        return HttpResponse("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                            status=503, content_type="text/html")
    if mode == "malformed":
        return HttpResponse('{"data":[{"code":"SUCCESS","details":{"id":', content_type="application/json")
    if mode == "html":
        return HttpResponse(HTML_ERROR_PAGE, content_type="text/html;charset=UTF-8")
    # "timeout": a real client gives up first; only then does this answer arrive.
    if not request.headers.get(IN_PROCESS_HEADER):
        time.sleep(settings.HTTP_TIMEOUT[1] + 1)
    response = HttpResponse("", status=504)
    response[FAULT_HEADER] = "timeout"
    return response

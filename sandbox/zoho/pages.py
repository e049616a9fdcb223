"""Sandbox pages for demos: each org's records per module, its API call log, and the fault knobs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import credits, services
from .fields import CUSTOM_FIELD_TYPES, MODULE_ORDER
from .models import Faults, Org, Record
from .records import display_name

CALLS_SHOWN = 100
RECORDS_SHOWN = 500


@login_not_required
def index(request):
    orgs = Org.objects.prefetch_related("users", "clients")
    return render(request, "sandbox/zoho/index.html", {"orgs": orgs})


@login_not_required
def org_detail(request, org_id):
    org = get_object_or_404(Org, pk=org_id)
    module = request.GET.get("module") if request.GET.get("module") in MODULE_ORDER else MODULE_ORDER[0]
    records = Record.objects.filter(org=org, module=module).order_by("-modified_at")[:RECORDS_SHOWN]
    rows = [{"record": record, "name": display_name(record)} for record in records]
    return render(request, "sandbox/zoho/org.html", {
        "org": org, "module": module, "modules": MODULE_ORDER, "rows": rows,
        "calls": services.calls(org, CALLS_SHOWN), "faults": Faults.objects.get_or_create(org=org)[0],
        "fail_modes": Faults.FAIL_MODES, "credits_used": credits.used(org), "field_types": CUSTOM_FIELD_TYPES,
        "custom_fields": org.custom_fields.all(),
    })


@login_not_required
@require_POST
def org_faults(request, org_id):
    org = get_object_or_404(Org, pk=org_id)
    action = request.POST.get("action")
    try:
        if action == "set":
            services.set_faults(
                org, fail_next=int(request.POST.get("fail_next") or 0), fail_mode=request.POST.get("fail_mode"),
                latency_ms=int(request.POST.get("latency_ms") or 0),
                partial_next=int(request.POST.get("partial_next") or 0),
            )
            messages.success(request, "Fault knobs saved.")
        elif action == "clear":
            services.clear_faults(org)
            messages.success(request, "Faults cleared.")
        elif action == "expire-access-tokens":
            messages.success(request, f"{services.expire_access_tokens(org)} access tokens expired.")
        elif action == "revoke-refresh-tokens":
            messages.success(request, f"{services.revoke_refresh_tokens(org)} refresh tokens revoked.")
        elif action == "delete-records":
            module = request.POST.get("module", MODULE_ORDER[0])
            deleted = services.delete_records(org, module, count=int(request.POST.get("count") or 1))
            messages.success(request, f"Deleted {len(deleted)} {module} records.")
        elif action == "add-field":
            field = services.add_custom_field(org, request.POST.get("module", ""), request.POST.get("label", ""),
                                              request.POST.get("data_type", "text"))
            messages.success(request, f"Custom field {field.module}.{field.api_name} added.")
        elif action == "reset":
            services.reset(org)
            messages.success(request, "Org reset: records, tokens, call log and faults cleared.")
        else:
            messages.error(request, "Unknown action.")
    except (services.SandboxError, ValueError) as error:
        messages.error(request, str(error))
    return redirect("sandbox-zoho-org", org_id=org.pk)

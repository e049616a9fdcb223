"""API credits as Zoho counts them (zoho-crm-api.md §4.1): 1 per call by default, 1 per 10 records for
insert/update/upsert, 5 for lead conversion, 2 for deleted-record ids, 500 per Bulk Write job; a rolling
24-hour budget per org."""

import math
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from .models import ApiCall, Org

WINDOW = timedelta(hours=24)
FIXED_COSTS = {"convert": 5, "deleted": 2, "bulk_write": 500}


def cost(operation: str, record_count: int = 0) -> int:
    if operation in ("insert", "update", "upsert"):
        return max(1, math.ceil(record_count / 10))
    return FIXED_COSTS.get(operation, 1)


def used(org: Org) -> int:
    since = timezone.now() - WINDOW
    return ApiCall.objects.filter(org=org, at__gt=since).aggregate(total=Sum("credits"))["total"] or 0


def remaining(org: Org) -> int:
    return max(0, org.credit_budget - used(org))


def headers(org: Org, spent_now: int) -> dict:
    """`X-API-CREDITS-REMAINING` appears once half of the day's credits are used (this call included)."""
    left = max(0, remaining(org) - spent_now)
    return {"X-API-CREDITS-REMAINING": str(left)} if left <= org.credit_budget / 2 else {}

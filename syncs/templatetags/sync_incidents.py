"""`{% load sync_incidents %}{% open_incidents %}`: the dashboard's banner for the alerts open now (the ones the
alert emails are about), so the page says it too. Re-authorization has its own banner (zoho_alerts)."""

from django import template
from django.utils import timezone

from integrations.zoho.models import connections_for
from syncs.alerts import grace
from syncs.models import Incident

register = template.Library()


def open_for(user):
    """Open incidents past their grace that `user` may see: staff all, an affiliate their connections' only."""
    incidents = Incident.objects.filter(closed_at__isnull=True).exclude(kind=Incident.Kind.REAUTHORIZATION)
    if not user.is_staff:
        incidents = incidents.filter(connection__in=connections_for(user))
    now = timezone.now()
    return [i for i in incidents.select_related("connection").order_by("opened_at", "id")
            if i.started_at + grace(i.kind) <= now]


@register.inclusion_tag("syncs/_incidents.html", takes_context=True)
def open_incidents(context):
    user = context["request"].user
    return {"incidents": open_for(user) if user.is_authenticated else []}

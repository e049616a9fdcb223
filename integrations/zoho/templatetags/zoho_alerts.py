"""`{% load zoho_alerts %}{% zoho_alerts %}`: the dashboard's banner for Zoho connections that need people."""

from django import template

from integrations.zoho.models import connections_for
from integrations.zoho.pages import connection_page

register = template.Library()


@register.inclusion_tag("zoho/_alerts.html", takes_context=True)
def zoho_alerts(context):
    user = context["request"].user
    if not user.is_authenticated:
        return {"connections": []}
    connections = connections_for(user).needing_reauthorization().order_by("name")
    return {"connections": [(connection, connection_page(connection)) for connection in connections]}

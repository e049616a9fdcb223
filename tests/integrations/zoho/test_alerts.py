from django.template import Context, Template
from django.test import RequestFactory

from integrations.zoho.models import ZohoConnection


def render_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load zoho_alerts %}{% zoho_alerts %}").render(Context({"request": request}))


def test_the_dashboard_banner_lists_connections_needing_reauthorization(admin_user, affiliate_user, connection):
    assert "Needs re-authorization" not in render_for(admin_user)
    ZohoConnection.objects.filter(pk=connection.pk).update(status="needs_reauth", last_error="Zoho said no.")
    html = render_for(admin_user)
    assert "Needs re-authorization" in html and "Zoho said no." in html
    assert f"/zoho/connections/{connection.pk}/" in html
    assert "Needs re-authorization" not in render_for(affiliate_user)  # not theirs

from django.urls import path, re_path

from . import accounts_views, crm_views, pages

urlpatterns = [
    path("", pages.index, name="sandbox-zoho-index"),
    path("orgs/<int:org_id>/", pages.org_detail, name="sandbox-zoho-org"),
    path("orgs/<int:org_id>/faults/", pages.org_faults, name="sandbox-zoho-faults"),
    path("accounts/oauth/v2/auth", accounts_views.authorize, name="sandbox-zoho-authorize"),
    path("accounts/oauth/v2/token", accounts_views.token, name="sandbox-zoho-token"),
    path("accounts/oauth/v2/token/revoke", accounts_views.revoke, name="sandbox-zoho-revoke"),
    path("accounts/console/", accounts_views.console, name="sandbox-zoho-console"),
    re_path(r"^crm/v8/(?P<path>.*)$", crm_views.api, name="sandbox-zoho-crm"),
]

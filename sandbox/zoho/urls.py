from django.urls import path, re_path

from . import accounts_views, bulk_views, crm_views, pages

urlpatterns = [
    path("", pages.index, name="sandbox-zoho-index"),
    path("orgs/<int:org_id>/", pages.org_detail, name="sandbox-zoho-org"),
    path("orgs/<int:org_id>/faults/", pages.org_faults, name="sandbox-zoho-faults"),
    path("accounts/oauth/v2/auth", accounts_views.authorize, name="sandbox-zoho-authorize"),
    path("accounts/oauth/v2/token", accounts_views.token, name="sandbox-zoho-token"),
    path("accounts/oauth/v2/token/revoke", accounts_views.revoke, name="sandbox-zoho-revoke"),
    path("accounts/console/", accounts_views.console, name="sandbox-zoho-console"),
    re_path(r"^crm/v8/(?P<path>.*)$", crm_views.api, name="sandbox-zoho-crm"),
    # Bulk Write: the upload host (`content.zohoapis.{tld}` at Zoho), the jobs, the result download.
    path("content/crm/v8/upload", bulk_views.upload, name="sandbox-zoho-bulk-upload"),
    path("crm/bulk/v8/write", bulk_views.jobs, name="sandbox-zoho-bulk-jobs"),
    path("crm/bulk/v8/write/<str:job_id>", bulk_views.job, name="sandbox-zoho-bulk-job"),
    path("download/v2/crm/<str:zgid>/bulk-write/<str:job_id>/<str:name>.zip", bulk_views.download,
         name="sandbox-zoho-bulk-download"),
]

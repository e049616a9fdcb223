from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Zoho Store Sync administration"
admin.site.site_title = "Zoho Store Sync"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("integrations.zoho.urls")),
    path("", include("integrations.stores.urls")),
    # Always routed; integrations.sandbox.middleware answers 404 while SANDBOX_ENABLED is off.
    path("sandbox/", include("integrations.sandbox.urls")),
    path("", include("syncs.urls")),
    path("", include("profiles.urls")),
]

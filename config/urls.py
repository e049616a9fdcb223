from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Zoho Store Sync administration"
admin.site.site_title = "Zoho Store Sync"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("integrations.zoho.urls")),
    path("", include("integrations.stores.urls")),
    path("", include("syncs.urls")),
    path("", include("profiles.urls")),
]

if settings.SANDBOX_ENABLED:
    # Routed only when enabled: with the sandbox off, /sandbox/... is a plain 404 and no sandbox code is loaded.
    urlpatterns.insert(-1, path("sandbox/", include("sandbox.urls")))

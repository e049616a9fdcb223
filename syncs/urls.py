from django.urls import path

from syncs import health
from syncs.views import dashboard, history, inbox, mapping, preview, progress, reset, runs, wizard

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", dashboard.home, name="home"),
    # Admin → Marketing → Zoho CRM Integration (the Zoho actions it posts to are in integrations/zoho/urls.py).
    path("zoho/", wizard.wizard, name="zoho-integration"),
    path("zoho/connections/<int:pk>/", wizard.wizard, name="zoho-connection"),
    path("zoho/connections/<int:pk>/record-mapping/", wizard.record_mapping, name="sync-record-mapping"),
    path("zoho/connections/<int:pk>/mapping/<str:module>/", mapping.mapping, name="sync-mapping"),
    path("zoho/connections/<int:pk>/preview/", preview.preview, name="sync-preview"),
    path("zoho/connections/<int:pk>/preview/cancel/", preview.cancel, name="sync-preview-cancel"),
    path("zoho/connections/<int:pk>/save/", preview.save, name="sync-save"),
    path("zoho/connections/<int:pk>/sync-now/", runs.sync_now, name="sync-now"),
    path("zoho/connections/<int:pk>/reset-sync/", reset.reset_sync, name="sync-reset"),
    path("zoho/connections/<int:pk>/history/", history.history, name="sync-history"),
    path("zoho/connections/<int:pk>/errors/", inbox.inbox, name="sync-errors"),
    path("zoho/connections/<int:pk>/errors/retry-all/", inbox.retry_all, name="sync-errors-retry-all"),
    path("zoho/connections/<int:pk>/errors/export.csv", inbox.export, name="sync-errors-export"),
    path("zoho/connections/<int:pk>/status.json", progress.connection_status, name="sync-status"),
    path("runs/<int:run_id>/", runs.run_detail, name="sync-run"),
    path("runs/<int:run_id>/progress.json", progress.run_progress, name="sync-run-progress"),
    path("errors/<int:error_id>/retry/", inbox.retry, name="sync-error-retry"),
    path("errors/<int:error_id>/ignore/", inbox.ignore, name="sync-error-ignore"),
]

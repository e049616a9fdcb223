from django.urls import path

from . import views

# The grant-flow views beside the "Zoho CRM Integration" page. The page itself is the setup wizard, owned by
# syncs (syncs/urls.py), which registers it at start-up (integrations/zoho/pages.py) for these views to return to.
urlpatterns = [
    path("zoho/connections/<int:pk>/verify/", views.verify, name="zoho-verify"),
    path("zoho/connections/<int:pk>/reset/", views.reset, name="zoho-reset"),
    path("zoho/connections/<int:pk>/fields/refresh/", views.refresh_fields, name="zoho-fields-refresh"),
    # Registered in Zoho's API console (and by the sandbox demo) as the Authorized Redirect URI.
    path("zoho/oauth/callback/", views.oauth_callback, name="zoho-oauth-callback"),
]

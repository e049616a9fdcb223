from django.urls import path

from . import views

# The "Zoho CRM Integration" page itself (`zoho-integration`, `zoho-connection`) is the setup wizard in
# syncs/urls.py; these are the Zoho actions it posts to.
urlpatterns = [
    path("zoho/connections/<int:pk>/verify/", views.verify, name="zoho-verify"),
    path("zoho/connections/<int:pk>/reset/", views.reset, name="zoho-reset"),
    path("zoho/connections/<int:pk>/fields/refresh/", views.refresh_fields, name="zoho-fields-refresh"),
    # Registered in Zoho's API console (and by the sandbox demo) as the Authorized Redirect URI.
    path("zoho/oauth/callback/", views.oauth_callback, name="zoho-oauth-callback"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("zoho/", views.integration, name="zoho-integration"),
    path("zoho/connections/<int:pk>/", views.integration, name="zoho-connection"),
    path("zoho/connections/<int:pk>/verify/", views.verify, name="zoho-verify"),
    path("zoho/connections/<int:pk>/reset/", views.reset, name="zoho-reset"),
    path("zoho/connections/<int:pk>/fields/refresh/", views.refresh_fields, name="zoho-fields-refresh"),
    # Registered in Zoho's API console (and by the sandbox demo) as the Authorized Redirect URI.
    path("zoho/oauth/callback/", views.oauth_callback, name="zoho-oauth-callback"),
]

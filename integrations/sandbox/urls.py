from django.urls import include, path

from integrations.sandbox import views

urlpatterns = [
    path("", views.index, name="sandbox-index"),
    path("zoho/", include("integrations.sandbox.zoho.urls")),
    path("", include("integrations.sandbox.stores.urls")),
]

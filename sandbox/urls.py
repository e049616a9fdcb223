from django.urls import include, path

from sandbox import views

urlpatterns = [
    path("", views.index, name="sandbox-index"),
    path("zoho/", include("sandbox.zoho.urls")),
    path("", include("sandbox.stores.urls")),
]

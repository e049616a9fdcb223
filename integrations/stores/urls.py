from django.urls import path

from integrations.stores import views, webhooks

urlpatterns = [
    path("stores/", views.store_list, name="store-list"),
    path("stores/add/<str:kind>/", views.store_add, name="store-add"),
    path("stores/<int:pk>/", views.store_detail, name="store-detail"),
    path("stores/<int:pk>/edit/", views.store_edit, name="store-edit"),
    path("stores/<int:pk>/test/", views.store_test, name="store-test"),
    path("stores/<int:pk>/webhook-secret/", views.store_webhook_secret, name="store-webhook-secret"),
    path("webhooks/woocommerce/<uuid:public_id>/", webhooks.woocommerce_webhook, name="woocommerce-webhook"),
]

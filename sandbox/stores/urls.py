from django.urls import path

from sandbox.stores import views

urlpatterns = [
    path("stores/", views.store_index, name="sandbox-stores"),
    path("stores/<slug:slug>/orders/", views.create_order, name="sandbox-store-create-order"),
    path("stores/<slug:slug>/orders/<int:order_id>/", views.change_order, name="sandbox-store-change-order"),
    path("woocommerce/<slug:slug>/wp-json/<path:route>", views.woocommerce_api, name="sandbox-woocommerce-api"),
    path("magento/<slug:slug>/rest/<path:route>", views.magento_api, name="sandbox-magento-api"),
]

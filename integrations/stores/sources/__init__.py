"""The store kinds this app reads, healthchecks style: kind → dotted path of its Source class."""

from importlib import import_module

SOURCES = {
    "woocommerce": "integrations.stores.sources.woocommerce.WooCommerceSource",
    "magento": "integrations.stores.sources.magento.MagentoSource",
    "zoho": "integrations.stores.sources.zoho_org.ZohoOrgSource",
}


def source_class(kind: str):
    module_path, _, class_name = SOURCES[kind].rpartition(".")
    return getattr(import_module(module_path), class_name)


def get_source(store):
    """The Source that reads `store` (a stores.Store row)."""
    return source_class(store.kind)(store)

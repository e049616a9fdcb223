"""The store kinds are declared once (integrations/stores/kinds.py): the model's choices, the sources, the forms
and the store pages all read that registry, and the sandbox adds its emulators from its own side."""

import pytest

from integrations.stores import kinds
from integrations.stores.forms import form_for
from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.base import Source


def test_the_model_choices_are_the_registry():
    assert Store.Kind.choices == [("woocommerce", "WooCommerce"), ("magento", "Magento 2"),
                                  ("zoho", "Zoho CRM org")]
    assert Store.Kind.MAGENTO == "magento" and Store.Kind.ZOHO.label == "Zoho CRM org"
    assert [key for key, _ in Store.Kind.choices] == list(kinds.KINDS)


@pytest.mark.parametrize("key", list(kinds.KINDS))
def test_each_kind_names_a_source_and_a_form_that_agree_with_it(key):
    kind = kinds.KINDS[key]
    store = Store(name="x", kind=key, base_url="https://shop.example.com")
    source = get_source(store)
    assert isinstance(source, Source) and type(source) is kind.source_class()
    assert source.kind == key
    assert form_for(key).kind == key


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        form_for("shopify")
    with pytest.raises(KeyError):
        kinds.register_emulator("shopify", kinds.Emulator("Shopify emulator", "sandbox-stores"))


def test_the_sandbox_registers_an_emulator_for_every_kind_from_its_own_side():
    # The sandbox is installed in tests; it registered these in sandbox.apps (the product never imports it).
    assert {key: kind.emulator.url_name for key, kind in kinds.KINDS.items()} == {
        "woocommerce": "sandbox-stores", "magento": "sandbox-stores", "zoho": "sandbox-zoho-index"}


@pytest.mark.django_db
def test_the_add_page_links_the_kinds_emulator(admin_client):
    body = admin_client.get("/stores/add/magento/").content.decode()
    assert "Add a Magento 2 store" in body
    assert 'href="/sandbox/stores/">Magento 2 emulator</a>' in body
    assert admin_client.get("/stores/add/shopify/").status_code == 404

"""The store kinds, declared once. Each kind names its label, its Source class and its form (dotted paths,
loaded on first use, so the model can read labels without importing sources or forms). `Store.Kind`,
`sources.get_source` and the store pages read this registry; adding a kind is one entry here.

The sandbox adds, for the kinds it emulates, where its emulator lives (`register_emulator`, from the sandbox's
AppConfig.ready): the product never imports the sandbox, so the sandbox registers itself while it is installed.
"""

from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Emulator:
    """A sandbox stand-in for a kind: its name and the URL name of its page (where shops or orgs are made)."""

    label: str
    url_name: str


@dataclass(frozen=True)
class StoreKind:
    key: str
    label: str
    source: str  # dotted path of the Source subclass that reads this kind
    form: str  # dotted path of the StoreForm subclass that adds and edits it

    def source_class(self):
        return import_string(self.source)

    def form_class(self):
        return import_string(self.form)

    @property
    def emulator(self) -> Emulator | None:
        return _emulators.get(self.key)


KINDS: dict[str, StoreKind] = {
    kind.key: kind
    for kind in (
        StoreKind("woocommerce", "WooCommerce", "integrations.stores.sources.woocommerce.WooCommerceSource",
                  "integrations.stores.forms.WooCommerceStoreForm"),
        StoreKind("magento", "Magento 2", "integrations.stores.sources.magento.MagentoSource",
                  "integrations.stores.forms.MagentoStoreForm"),
        StoreKind("zoho", "Zoho CRM org", "integrations.stores.sources.zoho_org.ZohoOrgSource",
                  "integrations.stores.forms.ZohoOrgStoreForm"),
    )
}

_emulators: dict[str, Emulator] = {}


def register_emulator(kind: str, emulator: Emulator) -> None:
    if kind not in KINDS:
        raise KeyError(f"No store kind {kind!r} to emulate.")
    _emulators[kind] = emulator


def choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label) for kind in KINDS.values()]

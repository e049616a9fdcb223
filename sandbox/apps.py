from django.apps import AppConfig


class Config(AppConfig):
    """The sandbox's shell: its index page, templates, the access gate and the `demo` command; at start-up it
    registers its emulators with the store-kind registry (integrations/stores/kinds.py). The emulators themselves
    are the apps `sandbox_zoho` and `sandbox_stores`, which know nothing of the product."""

    name = "sandbox"
    verbose_name = "Sandbox"

    def ready(self):
        # The product lists its store kinds without knowing the sandbox; the sandbox names its stand-ins.
        from integrations.stores.kinds import Emulator, register_emulator

        register_emulator("woocommerce", Emulator("WooCommerce emulator", "sandbox-stores"))
        register_emulator("magento", Emulator("Magento 2 emulator", "sandbox-stores"))
        register_emulator("zoho", Emulator("Zoho CRM emulator", "sandbox-zoho-index"))

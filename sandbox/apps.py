from django.apps import AppConfig


class Config(AppConfig):
    """The sandbox's shell: its index page, templates, the access gate and the `demo` command. The emulators
    themselves are the apps `sandbox_zoho` and `sandbox_stores`."""

    name = "sandbox"
    verbose_name = "Sandbox"

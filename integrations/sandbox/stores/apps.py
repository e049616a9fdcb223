from django.apps import AppConfig


class Config(AppConfig):
    name = "integrations.sandbox.stores"
    label = "sandbox_stores"
    verbose_name = "Sandbox: stores"

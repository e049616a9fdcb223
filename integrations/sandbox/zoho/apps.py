from django.apps import AppConfig


class Config(AppConfig):
    name = "integrations.sandbox.zoho"
    label = "sandbox_zoho"
    verbose_name = "Sandbox: Zoho"

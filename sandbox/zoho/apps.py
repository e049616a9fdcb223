from django.apps import AppConfig


class Config(AppConfig):
    name = "sandbox.zoho"
    label = "sandbox_zoho"
    verbose_name = "Sandbox: Zoho"

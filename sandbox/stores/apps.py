from django.apps import AppConfig


class Config(AppConfig):
    name = "sandbox.stores"
    label = "sandbox_stores"
    verbose_name = "Sandbox: stores"

from django.apps import AppConfig


class Config(AppConfig):
    name = "integrations.stores"
    label = "stores"
    verbose_name = "Stores"

from django.apps import AppConfig


class Config(AppConfig):
    name = "syncs"
    label = "syncs"
    verbose_name = "Syncs"

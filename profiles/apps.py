from django.apps import AppConfig


class Config(AppConfig):
    name = "profiles"
    verbose_name = "User profiles"

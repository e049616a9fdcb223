from django.apps import AppConfig


class Config(AppConfig):
    name = "integrations.zoho"
    label = "zoho"
    verbose_name = "Zoho CRM"

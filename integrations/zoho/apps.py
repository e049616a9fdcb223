from django.apps import AppConfig


class Config(AppConfig):
    name = "integrations.zoho"
    label = "zoho"
    verbose_name = "Zoho CRM"

    def ready(self):
        from . import revocation  # noqa: F401  (connects the revoke-on-delete receiver)

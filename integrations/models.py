"""The audit log: who did what to a connection or a store, and when. Rows are written by `integrations.audit`
and never hold a secret or a customer's data, only what was done (e.g. which secret names changed)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CONNECT = "connect", "Connected to Zoho"
        DISCONNECT = "disconnect", "Zoho token reset"
        SETTINGS = "settings", "Settings changed"
        SECRET = "secret", "Secret changed"
        IMPORT = "import", "Sync started"
        RESET = "reset", "Sync reset"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    actor = models.CharField(max_length=150, help_text="The user name at the time, or how it was done.")
    action = models.CharField(max_length=12, choices=Action.choices)
    connection = models.ForeignKey("zoho.ZohoConnection", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="audit_entries")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="audit_entries")
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.get_action_display()}"

import uuid

from django.conf import settings
from django.db import models

from integrations.encryption import EncryptedTextField


class Store(models.Model):
    """An online store whose customers are synced: WooCommerce, Magento 2 or another Zoho CRM org."""

    class Kind(models.TextChoices):
        WOOCOMMERCE = "woocommerce", "WooCommerce"
        MAGENTO = "magento", "Magento 2"
        ZOHO = "zoho", "Zoho CRM org"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    base_url = models.URLField(blank=True)
    credentials = EncryptedTextField(blank=True, help_text="JSON of the kind's keys, encrypted.")
    webhook_secret = EncryptedTextField(blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="Non-secret, per-kind settings.")
    zoho_connection = models.ForeignKey(
        "zoho.ZohoConnection", null=True, blank=True, on_delete=models.PROTECT, related_name="source_stores",
        help_text="For a Zoho CRM org store: the connection to read from.",
    )
    is_my_store = models.BooleanField(
        "My store", default=True, help_text="Your own store, as opposed to an affiliate store."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        help_text="The affiliate store's owner.",
    )
    enabled = models.BooleanField(default=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_message = models.TextField(blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name

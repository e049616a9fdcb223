"""Sandbox WooCommerce and Magento 2 stores: their customers (with the store's own fields), products, orders
and (WooCommerce) webhooks.

These tables stand for the outside shops (database alias "sandbox"); the app reads them only over HTTP.
"""

import secrets

from django.db import models
from django.utils import timezone


def _woo_key(prefix: str) -> str:
    return prefix + secrets.token_hex(20)


class SandboxStore(models.Model):
    class Kind(models.TextChoices):
        WOOCOMMERCE = "woocommerce", "WooCommerce"
        MAGENTO = "magento", "Magento 2"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="USD")
    # WooCommerce REST keys; for Magento, the Integration's OAuth 1.0a consumer key and secret
    consumer_key = models.CharField(max_length=64, blank=True)
    consumer_secret = models.CharField(max_length=64, blank=True)
    # Magento Integration access token and secret (OAuth 1.0a)
    access_token = models.CharField(max_length=64, blank=True)
    access_token_secret = models.CharField(max_length=64, blank=True)
    # Magento 2.4.4+: "Allow OAuth Access Tokens to be used as standalone Bearer tokens" (off by default)
    allow_bearer_tokens = models.BooleanField(default=False)
    # Fault knob: the host drops the Authorization header (keys only work in the query string).
    strips_authorization = models.BooleanField(default=False)
    newsletter_meta_key = models.CharField(max_length=64, default="newsletter_subscribed")
    # Magento's customer attributes added by the merchant (GET /V1/attributeMetadata/customer/custom):
    # [{"code", "label", "input" (text|textarea|select|multiselect|boolean|date), "backend_type", "options"}].
    customer_attributes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        if self.kind == self.Kind.WOOCOMMERCE and not self.consumer_key:
            self.consumer_key, self.consumer_secret = _woo_key("ck_"), _woo_key("cs_")
        if self.kind == self.Kind.MAGENTO:
            for name in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
                if not getattr(self, name):
                    setattr(self, name, secrets.token_hex(16))
        super().save(*args, **kwargs)


    @property
    def integration_keys(self) -> dict:
        """What a merchant copies from System → Extensions → Integrations → Activate (Magento only)."""
        return {"consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret,
                "access_token": self.access_token, "access_token_secret": self.access_token_secret}


class SandboxWebsite(models.Model):
    """A Magento website (customer account scope)."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="websites")
    website_id = models.PositiveIntegerField()
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=100)

    class Meta:
        unique_together = [("store", "website_id")]

    def __str__(self):
        return self.code


class SandboxCustomer(models.Model):
    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="customers")
    email = models.CharField(max_length=254)
    prefix = models.CharField(max_length=40, blank=True)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    company = models.CharField(max_length=500, blank=True)
    address_1 = models.CharField(max_length=500, blank=True)
    address_2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=60, blank=True)
    role = models.CharField(max_length=40, default="customer")
    website_id = models.PositiveIntegerField(default=1)
    newsletter = models.BooleanField(default=False)
    # The store's own fields: WooCommerce user meta (keys starting with "_" are private), Magento custom
    # attribute values by attribute code.
    meta = models.JSONField(default=dict, blank=True)
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.email


class SandboxProduct(models.Model):
    """A catalogue item. In WooCommerce a variable product's variations are rows with a `parent`; in Magento
    every row is a product of its own (configurable parents have no price of their own)."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="products")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="variations")
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    active = models.BooleanField(default=True)
    # A variation's attributes, e.g. {"Colour": "Blue", "Size": "L"}.
    attributes = models.JSONField(default=dict, blank=True)
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.sku or self.name

    @property
    def is_variable(self) -> bool:
        return self.parent_id is None and self.variations.exists()


class SandboxOrder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PROCESSING = "processing", "Processing"
        ON_HOLD = "on-hold", "On hold"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(SandboxCustomer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING)
    currency = models.CharField(max_length=3, default="USD")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    billing = models.JSONField(default=dict, help_text="first_name, last_name, company, address_1, …, email, phone")
    line_items = models.JSONField(default=list, help_text="[{name, sku, quantity, price, product_id, discount, tax}]")
    newsletter = models.BooleanField(default=False)
    date_created = models.DateTimeField(default=timezone.now)
    date_modified = models.DateTimeField(default=timezone.now)
    date_paid = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Order #{self.pk}"

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None


class SandboxWebhook(models.Model):
    """A WooCommerce webhook: topic → delivery URL, signed with its secret."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=40)
    delivery_url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    status = models.CharField(max_length=10, default="active")
    failure_count = models.PositiveIntegerField(default=0)
    last_response = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.topic} → {self.delivery_url}"


class SandboxDelivery(models.Model):
    """The log of webhook deliveries (WooCommerce → Status → Logs, source webhooks-delivery)."""

    webhook = models.ForeignKey(SandboxWebhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=64)
    resource_id = models.PositiveIntegerField()
    response_code = models.IntegerField(null=True)
    response_body = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.delivery_id} ({self.response_code})"

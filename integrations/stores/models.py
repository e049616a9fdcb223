import json
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from integrations.encryption import UNDECRYPTABLE_MESSAGE, EncryptedTextField, is_undecryptable, mask
from integrations.stores import kinds


class Store(models.Model):
    """An online store whose customers are synced: WooCommerce, Magento 2 or another Zoho CRM org."""

    # Store.Kind.WOOCOMMERCE, .MAGENTO, .ZOHO: built from the one registry of kinds (kinds.py).
    Kind = models.TextChoices("Kind", [(key.upper(), (key, label)) for key, label in kinds.choices()])

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

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("store-detail", args=[self.pk])

    # Secrets

    def get_credentials(self) -> dict:
        """The kind's keys (e.g. consumer_key/consumer_secret, access_token), decrypted. Keys are bound to the
        store URL they were entered for: once the URL changes they are not used (nor sent) until entered again."""
        if not self.credentials:
            return {}
        try:
            value = json.loads(self.credentials)
        except ValueError:
            return {}
        if not isinstance(value, dict):
            return {}
        bound_to = value.pop(URL_BINDING, None)
        if bound_to is not None and not same_url(bound_to, self.base_url):
            return {}
        return value

    def set_credentials(self, values: dict) -> None:
        values = {k: v for k, v in (values or {}).items() if v and k != URL_BINDING}
        self.credentials = json.dumps({**values, URL_BINDING: self.base_url or ""}) if values else ""

    @property
    def credentials_undecryptable(self) -> bool:
        """The saved keys exist but no key in FIELD_ENCRYPTION_KEYS can decrypt them (they must be entered again)."""
        return is_undecryptable(self.credentials)

    def masked_credentials(self) -> dict:
        """Each saved key masked, for pages; says so when the keys cannot be decrypted."""
        if self.credentials_undecryptable:
            return {"keys": UNDECRYPTABLE_MESSAGE}
        return {name: mask(value) for name, value in self.get_credentials().items()}

    def ensure_webhook_secret(self) -> str:
        if not self.webhook_secret:
            self.webhook_secret = new_webhook_secret()
        return self.webhook_secret

    @property
    def webhook_url(self) -> str:
        return settings.SITE_URL + reverse("woocommerce-webhook", args=[self.public_id])

    def record_check(self, result) -> None:
        self.last_check_ok = result.ok
        self.last_check_message = result.message
        self.last_checked_at = timezone.now()
        self.save(update_fields=["last_check_ok", "last_check_message", "last_checked_at"])

    @classmethod
    def visible_to(cls, user):
        """Staff see every store; an affiliate owner sees only the stores they own."""
        if user.is_staff:
            return cls.objects.all()
        return cls.objects.filter(owner=user)


URL_BINDING = "_for_url"  # the store URL the saved keys were entered for


def same_url(a: str, b: str) -> bool:
    return (a or "").strip().rstrip("/") == (b or "").strip().rstrip("/")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEvent(models.Model):
    """A raw WooCommerce webhook delivery, stored once per (store, resource, id, modification time).

    WooCommerce's delivery id changes per attempt and its payload is the resource's current state, so
    the resource's own modification time is the idempotency key. A delivery is a trigger: it stays pending
    until a run has read its store (`mark_deliveries_read`), or is ignored when no connection reads the store
    (`ignore_deliveries`). No attempt counter: nothing expires while Zoho or the store is unavailable.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events")
    topic = models.CharField(max_length=64)
    resource = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64)
    modified_at = models.DateTimeField()
    body = models.TextField(help_text="The raw JSON body, exactly as received.")
    delivery_id = models.CharField(max_length=128, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    triggered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the store's change was announced to the sync (store_changed).")
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "resource", "resource_id", "modified_at"], name="webhook_event_once_per_change"
            )
        ]
        indexes = [models.Index(fields=["store", "status", "received_at"])]
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.topic} #{self.resource_id} @ {self.modified_at:%Y-%m-%d %H:%M:%S}"

    def json(self):
        return json.loads(self.body)


def mark_deliveries_read(store, received_before) -> int:
    """The store's pending deliveries received before a run began reading the store: what they announced has
    been read (the run read every change up to that moment)."""
    return WebhookEvent.objects.filter(store=store, status=WebhookEvent.Status.PENDING,
                                       received_at__lte=received_before).update(
        status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now(), error="")


def note_deliveries_triggered(store, now) -> int:
    return WebhookEvent.objects.filter(store=store, status=WebhookEvent.Status.PENDING,
                                       triggered_at__isnull=True).update(triggered_at=now)


def deliveries_never_triggered(received_before) -> list[int]:
    """Ids of the stores with pending deliveries whose change was never announced (the process died between
    storing a delivery and sending `store_changed`)."""
    return sorted(set(WebhookEvent.objects.filter(
        status=WebhookEvent.Status.PENDING, triggered_at__isnull=True, received_at__lt=received_before,
    ).values_list("store_id", flat=True)))


def ignore_deliveries(store, reason: str) -> int:
    """The store's pending deliveries that nothing will read (no connection syncs the store), saying why."""
    return WebhookEvent.objects.filter(store=store, status=WebhookEvent.Status.PENDING).update(
        status=WebhookEvent.Status.IGNORED, processed_at=timezone.now(), error=reason[:2000])

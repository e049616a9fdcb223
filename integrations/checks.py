"""System checks that refuse unsafe production settings, each saying what to set."""

from urllib.parse import urlparse

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, router


@register(Tags.security, deploy=False)
def settings_check(app_configs=None, **kwargs):
    errors = []
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is not set: secrets cannot be stored encrypted.",
                hint="Set FIELD_ENCRYPTION_KEYS to a Fernet key, generated with: python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
                id="zohosync.E002",
            )
        )
    for key in settings.FIELD_ENCRYPTION_KEYS:
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                Error(
                    "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                    hint="Each comma-separated key must be 32 url-safe base64-encoded bytes.",
                    id="zohosync.E003",
                )
            )
    site = urlparse(settings.SITE_URL)
    if site.scheme not in ("http", "https") or not site.netloc:
        errors.append(
            Error(
                f"SITE_URL {settings.SITE_URL!r} is not an absolute http(s) URL.",
                hint="Set SITE_URL to the address users open, e.g. https://sync.example.com",
                id="zohosync.E004",
            )
        )
    if not 0 < settings.SYNC_SLICE_SECONDS < settings.Q_TIMEOUT:
        errors.append(
            Error(
                f"SYNC_SLICE_SECONDS ({settings.SYNC_SLICE_SECONDS}) must be positive and below Q_TIMEOUT "
                f"({settings.Q_TIMEOUT}): a sync slice must end before django-q2 kills its worker.",
                hint="Set SYNC_SLICE_SECONDS to about half of Q_TIMEOUT (defaults: 240 and 600).",
                id="zohosync.E010",
            )
        )
    if not settings.DEBUG:
        if site.scheme != "https":
            errors.append(
                Error(
                    "SITE_URL must use https when DEBUG is off: Zoho sends OAuth codes and "
                    "WooCommerce signs webhooks to this address.",
                    hint="Set SITE_URL=https://your-host (behind a TLS proxy set BEHIND_HTTPS_PROXY=True).",
                    id="zohosync.E005",
                )
            )
        if settings.SANDBOX_ENABLED:
            errors.append(
                Error(
                    "SANDBOX_ENABLED is on with DEBUG off: the sandbox's fake Zoho and stores "
                    "would be reachable in production.",
                    hint="Set SANDBOX_ENABLED=False (or DEBUG=True on a demo machine).",
                    id="zohosync.E006",
                )
            )
    return errors


@register(Tags.database)
def undecryptable_secrets_check(app_configs=None, databases=None, **kwargs):
    """Stored secrets no key in FIELD_ENCRYPTION_KEYS can decrypt (a key was removed too early). A database
    check: `manage.py check --database default` (and `migrate`) run it."""
    from integrations.encryption import encrypted_fields, is_undecryptable

    warnings = []
    for model, names in encrypted_fields():
        alias = router.db_for_read(model)
        if alias not in (databases or ()):
            continue
        try:
            rows = model._default_manager.using(alias).values_list(*names)
            lost = sum(1 for row in rows if any(is_undecryptable(value) for value in row))
        except (DatabaseError, ImproperlyConfigured):
            continue  # not migrated yet, or no key at all (E002 says so)
        if lost:
            warnings.append(Warning(
                f"{lost} {model._meta.verbose_name_plural} have a secret ({', '.join(names)}) that cannot be "
                "decrypted: the key that wrote it is missing from FIELD_ENCRYPTION_KEYS.",
                hint="Put the old key back in FIELD_ENCRYPTION_KEYS (after the current one) and run "
                     "rotate_encryption_keys, or enter those secrets again on their pages.",
                id="zohosync.W010",
            ))
    return warnings


def refuse_unsafe_settings() -> None:
    """Raise ImproperlyConfigured when `settings_check` finds an error. The WSGI and ASGI entry points call it
    once the app is loaded, so gunicorn (or any server) refuses to serve with settings `check --deploy` refuses."""
    errors = settings_check()
    if errors:
        raise ImproperlyConfigured(
            "Refusing to serve with unsafe settings:\n"
            + "\n".join(f"  {error.id}: {error.msg} {error.hint}" for error in errors)
        )

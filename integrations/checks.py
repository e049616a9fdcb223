"""System checks that refuse unsafe production settings, each saying what to set."""

from urllib.parse import urlparse

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


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


def refuse_unsafe_settings() -> None:
    """Raise ImproperlyConfigured when `settings_check` finds an error. The WSGI and ASGI entry points call it
    once the app is loaded, so gunicorn (or any server) refuses to serve with settings `check --deploy` refuses."""
    errors = settings_check()
    if errors:
        raise ImproperlyConfigured(
            "Refusing to serve with unsafe settings:\n"
            + "\n".join(f"  {error.id}: {error.msg} {error.hint}" for error in errors)
        )

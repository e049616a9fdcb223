"""Tell people when a connection needs them: email to staff users, when email is configured."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from .pages import connection_page

logger = logging.getLogger(__name__)


def email_configured() -> bool:
    backend = settings.EMAIL_BACKEND
    return not backend.endswith("smtp.EmailBackend") or bool(settings.EMAIL_HOST)


def staff_emails() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def reauthorization_needed(connection) -> int:
    """Email staff that `connection` must be re-authorized; returns the number of emails sent."""
    recipients = staff_emails()
    if connection.owner and connection.owner.email and connection.owner.email not in recipients:
        recipients.append(connection.owner.email)
    if not recipients or not email_configured():
        return 0
    url = settings.SITE_URL + connection_page(connection)
    body = (
        f"Zoho CRM connection \"{connection}\" needs re-authorization, so its syncs are paused.\n\n"
        f"What Zoho said: {connection.last_error}\n\n"
        f"To fix it, open {url} and click \"Generate Zoho API Grant Token\".\n"
    )
    try:
        return send_mail(f"[Zoho Store Sync] Re-authorize Zoho CRM: {connection}", body, None, recipients)
    except Exception:
        logger.exception("Could not email the re-authorization alert for Zoho connection %s", connection.pk)
        return 0

"""Alert emails: who gets an incident's mail, what it says, and sending it (one message per recipient, so
an affiliate never sees the other recipients' addresses)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from syncs.models import Incident

logger = logging.getLogger(__name__)
PREFIX = "[Zoho Store Sync]"

WHAT_TO_DO = {
    Incident.Kind.FAILING_RUNS: "Open the connection's sync history to see why its runs fail; syncs keep trying "
                                "on their schedule.",
    Incident.Kind.STORE_UNREADABLE: "Check the store's address and API key on the Stores page (Check connection); "
                                    "its customers are not synced meanwhile.",
    Incident.Kind.REAUTHORIZATION: "Its syncs are paused. Open the connection and click \"Generate Zoho API Grant "
                                   "Token\", then accept on Zoho's page.",
    Incident.Kind.CREDIT_BUDGET: "Syncs pause when the budget is spent and resume as the 24-hour window moves on. "
                                 "Raise the connection's daily credit budget if this is expected.",
    Incident.Kind.WORKER_DOWN: "No sync runs until a worker is back: start `manage.py qcluster` (or its service).",
}


def email_configured() -> bool:
    backend = settings.EMAIL_BACKEND
    return not backend.endswith("smtp.EmailBackend") or bool(settings.EMAIL_HOST)


def staff_emails() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def recipients(incident: Incident) -> list[str]:
    """Active staff with an email, ALERT_EMAILS, and the owner of an affiliate connection the incident is about."""
    addresses = {*staff_emails(), *(a.strip() for a in settings.ALERT_EMAILS if a.strip())}
    owner = incident.connection.owner if incident.connection_id else None
    if owner is not None and owner.is_active and owner.email:
        addresses.add(owner.email)
    return sorted(addresses)


def page_url(incident: Incident) -> str:
    if incident.kind == Incident.Kind.REAUTHORIZATION:
        return settings.SITE_URL + reverse("zoho-connection", args=[incident.connection_id])
    if incident.connection_id:
        return settings.SITE_URL + reverse("sync-history", args=[incident.connection_id])
    return settings.SITE_URL + reverse("home")


def about(incident: Incident) -> str:
    return f"Zoho CRM connection \"{incident.connection}\"" if incident.connection_id else "This installation"


def opening(incident: Incident) -> tuple[str, str]:
    title = incident.get_kind_display()
    where = f": {incident.connection}" if incident.connection_id else ""
    body = (f"{about(incident)}: {title.lower()}.\n\n"
            f"{incident.summary}\n\n"
            f"{WHAT_TO_DO[incident.kind]}\n\n"
            f"Open {page_url(incident)}\n\n"
            "You get one more email when this is over.\n")
    return f"{PREFIX} {title}{where}", body


def recovery(incident: Incident) -> tuple[str, str]:
    title = incident.get_kind_display()
    where = f": {incident.connection}" if incident.connection_id else ""
    body = (f"{about(incident)} is fine again: \"{title}\" ended at {incident.closed_at:%Y-%m-%d %H:%M} UTC "
            f"(it began at {incident.started_at:%Y-%m-%d %H:%M} UTC).\n\n"
            f"Open {page_url(incident)}\n")
    return f"{PREFIX} Recovered: {title}{where}", body


def send(incident: Incident, subject: str, body: str) -> int:
    """Mail each recipient separately; returns how many messages went out (0 when email is not set up)."""
    to = recipients(incident)
    if not to or not email_configured():
        return 0
    messages = [EmailMessage(subject, body, None, [address]) for address in to]
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:
        logger.exception("Could not email alert %s (%s)", incident.pk, incident.kind)
        return 0

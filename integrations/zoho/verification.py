""""Verify Zoho API Authentication Token": ask Zoho who we are, store it, and say what is wrong if not."""

from dataclasses import dataclass

from django.utils import timezone

from .crm import ZohoCRM
from .errors import ZohoError
from .models import ZohoConnection


@dataclass(frozen=True)
class Verification:
    org_id: str
    org_name: str
    edition: str
    data_center: str
    user_email: str
    scopes: list[str]

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def summary(self) -> str:
        scopes = ", ".join(self.scopes) or "not reported by Zoho"
        return (f"Connected to Zoho CRM org “{self.org_name}” (id {self.org_id}, edition {self.edition or 'unknown'}, "
                f"data center {self.data_center}) as {self.user_email or 'unknown user'}. Scopes: {scopes}.")


def edition_of(org: dict) -> str:
    details = org.get("license_details") or {}
    return str(details.get("paid_type") or org.get("edition") or ("free" if details.get("paid") is False else ""))


def verify_connection(connection: ZohoConnection, crm: ZohoCRM | None = None) -> Verification:
    """Call org and current user; store what they say. On failure record `last_error` and re-raise."""
    crm = crm or ZohoCRM(connection)
    try:
        org = crm.org()
        user = crm.current_user()
    except ZohoError as exc:
        ZohoConnection.objects.filter(pk=connection.pk).update(last_error=exc.explanation)
        connection.refresh_from_db()
        raise
    connection.refresh_from_db()
    connection.org_id = str(org.get("id", ""))
    connection.org_name = str(org.get("company_name") or org.get("domain_name") or "")
    connection.edition = edition_of(org)
    connection.user_email = str(user.get("email", ""))
    connection.last_verified_at = timezone.now()
    connection.last_error = ""
    connection.save(update_fields=["org_id", "org_name", "edition", "user_email", "last_verified_at",
                                   "last_error", "updated_at"])
    dc = connection.data_center
    return Verification(
        org_id=connection.org_id, org_name=connection.org_name, edition=connection.edition,
        data_center=dc.label if dc else connection.accounts_server, user_email=connection.user_email,
        scopes=connection.scopes,
    )

"""A Lead who started purchasing becomes a Contact by Zoho's conversion, not by a second record."""

from integrations.zoho.errors import ConfigurationError
from syncs.models import CONTACTS, SyncedRecord
from syncs.outcomes import Outcome

Status = SyncedRecord.Status
CONVERTIBLE = (Status.SYNCED, Status.FAILED, Status.PENDING)


def convert_lead(ctx, email: str, lead: SyncedRecord | None, outcome: Outcome) -> SyncedRecord | None:
    """Convert the person's Lead, if they have one in Zoho; returns their Contact's record (None: the Contact
    upsert by email finds or creates the person)."""
    sync_settings = ctx.sync_settings
    if not (lead and lead.zoho_id and lead.status in CONVERTIBLE and sync_settings.sync_contacts):
        return None
    ctx.sample("conversions", {"email": email, "lead_id": lead.zoho_id})
    if ctx.dry_run:
        return SyncedRecord(settings=sync_settings, module=CONTACTS, key=email, zoho_id=lead.zoho_id)
    try:
        ids = ctx.crm.convert_lead(lead.zoho_id)
    except ConfigurationError:
        ids = {}  # already converted or gone: the Contact upsert (by email) finds or creates the person
    finally:
        ctx.note_calls()
    lead.status = Status.CONVERTED
    lead.payload_hash = ""
    outcome.records.append(lead)
    contact_id = ids.get("Contacts")
    if not contact_id:
        return None
    contact = SyncedRecord(settings=sync_settings, module=CONTACTS, key=email, zoho_id=str(contact_id),
                           status=Status.PENDING)
    outcome.records.append(contact)
    return contact

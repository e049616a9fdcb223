"""Writing the audit log (integrations.models.AuditEntry): connects, token resets, settings and secret changes,
syncs started by a person and resets. Callers say what was done in words; never pass a secret or customer data."""

from integrations.models import AuditEntry

Action = AuditEntry.Action
COMMAND_LINE = "command line"


def record(action: str, detail: str, *, user=None, connection=None, store=None, actor: str = "") -> AuditEntry:
    """One entry; `user` is the signed-in user (None for commands, then `actor` says who or what)."""
    authenticated = user if user is not None and user.is_authenticated else None
    return AuditEntry.objects.create(
        action=action, detail=detail[:300], user=authenticated, connection=connection, store=store,
        actor=(authenticated.get_username() if authenticated else actor or COMMAND_LINE)[:150],
    )


def for_connection(connection, limit: int = 20):
    return list(AuditEntry.objects.filter(connection=connection).select_related("store")[:limit])


def for_store(store, limit: int = 20):
    return list(AuditEntry.objects.filter(store=store)[:limit])

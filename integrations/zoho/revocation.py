"""Refresh tokens this app stops using are revoked at Zoho, so none stays valid there: the old token when a
connection is authorized again, and the token of a deleted connection (after the delete is committed, so no
database transaction is open during the HTTP call). A failed revoke is logged, never raised: the new grant or
the delete has already happened, and the person is told to check Connected Apps."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import oauth
from .errors import ZohoError
from .models import ZohoConnection

logger = logging.getLogger(__name__)


def revoke_quietly(accounts_server: str, token: str, *, why: str) -> bool:
    """Revoke `token` at `accounts_server`; True when Zoho confirmed it. Never raises."""
    if not token or not accounts_server:
        return False
    try:
        revoked = oauth.revoke_token(accounts_server, token)
    except ZohoError as exc:
        logger.warning("Could not revoke the %s Zoho refresh token: %s", why, exc.message)
        return False
    if not revoked:
        logger.warning("Zoho did not confirm the revocation of the %s refresh token", why)
    return revoked


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho-revoke-on-delete")
def revoke_on_delete(sender, instance: ZohoConnection, using, **kwargs):
    token, accounts_server = instance.refresh_token, instance.accounts_server
    if token:
        transaction.on_commit(lambda: revoke_quietly(accounts_server, token, why="deleted connection's"),
                              using=using)

"""Zoho-shaped identifiers: 19-digit record ids, `1000.<hex>.<hex>` tokens and codes."""

import secrets

from django.db.models import F

from .models import Org


def random_digits(length: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))


def token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


def client_id() -> str:
    return "1000." + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(30))


def client_secret() -> str:
    return secrets.token_hex(21)


def next_ids(org: Org, count: int = 1) -> list[str]:
    """Reserve `count` record ids for the org: its 7-digit prefix, then a 12-digit sequence (19 digits in all,
    like Zoho's `4150868000000376008`). Call inside the caller's transaction."""
    Org.objects.filter(pk=org.pk).update(next_id=F("next_id") + count)
    last = Org.objects.values_list("next_id", flat=True).get(pk=org.pk)
    return [f"{org.id_prefix}{n:012d}" for n in range(last - count, last)]

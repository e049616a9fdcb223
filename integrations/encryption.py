"""Secrets at rest: a model field that stores Fernet tokens, never plaintext.

`FIELD_ENCRYPTION_KEYS` holds one or more Fernet keys. The first encrypts; every key decrypts, so a
new key can be put first, `manage.py rotate_encryption_keys` run, and the old key dropped later.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections, models, router, transaction
from django.dispatch import receiver

MASK = "••••••••"


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty. Generate a key with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}")


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
            "was the key that encrypted it removed?"
        )


UNDECRYPTABLE_MESSAGE = "cannot be decrypted: the key that wrote it is missing from FIELD_ENCRYPTION_KEYS"


class Undecryptable(str):
    """What an encrypted field holds when no key in FIELD_ENCRYPTION_KEYS can decrypt its column: an empty
    (falsy) secret, so the app treats it as missing and asks for it again, that remembers its ciphertext, so
    saving the row unchanged writes the ciphertext back (putting the lost key back restores the secret)."""

    def __new__(cls, ciphertext: str):
        value = super().__new__(cls, "")
        value.ciphertext = ciphertext
        return value

    def __repr__(self):
        return "<undecryptable secret>"


def is_undecryptable(value) -> bool:
    return isinstance(value, Undecryptable)


def mask(secret: str | None, visible: int = 4) -> str:
    """What the UI may show of a secret: its last few characters at most."""
    if is_undecryptable(secret):
        return UNDECRYPTABLE_MESSAGE
    if not secret:
        return ""
    if len(secret) <= visible * 3:
        return MASK
    return MASK + secret[-visible:]


class EncryptedTextField(models.TextField):
    """A text field whose value is encrypted with Fernet before it reaches the database.

    Empty values are stored as "" so "no secret yet" stays queryable.
    """

    def get_prep_value(self, value):
        if is_undecryptable(value):
            return value.ciphertext  # unchanged: never overwrite a secret we could not read
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return _fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            return Undecryptable(value)


def encrypted_fields():
    """(model, [field names]) for every model with encrypted fields."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def rotate(model, field_names) -> int:
    """Re-encrypt every stored value of the fields with the newest key; returns rows rewritten.

    Works on the raw columns (the ciphertext), so rows are rewritten without decrypting to Python
    objects and without touching any other column or `auto_now` field. Each row is read and rewritten in
    one short transaction that locks it (SELECT … FOR UPDATE; SQLite's immediate transactions lock the
    database), so a token refreshed by a worker meanwhile is never overwritten with its old value. A value
    no key can decrypt is left as it is.
    """
    fernet = _fernet()
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    columns = [qn(model._meta.get_field(name).column) for name in field_names]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk} FROM {table}")  # noqa: S608
        row_pks = [row[0] for row in cursor.fetchall()]
    assignments = ", ".join(f"{c} = %s" for c in columns)
    rewritten = 0
    for row_pk in row_pks:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {pk} = %s{lock}", [row_pk])  # noqa: S608
            tokens = cursor.fetchone()
            if tokens is None:
                continue  # deleted meanwhile
            rotated = [_rotated(fernet, token) for token in tokens]
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", [*rotated, row_pk])  # noqa: S608
            rewritten += 1
    return rewritten


def _rotated(fernet: MultiFernet, token):
    if not token:
        return token
    try:
        return fernet.rotate(token.encode()).decode()
    except InvalidToken:
        return token  # undecryptable: keep it for when its key comes back

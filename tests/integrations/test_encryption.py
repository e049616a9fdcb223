import json
import threading

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from integrations.encryption import decrypt, encrypt, mask
from integrations.zoho.models import ZohoApiClient

SECRET = "1000.plaintext-client-secret-value"


def raw_column(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_it_stores_no_plaintext_in_the_database_column():
    client = ZohoApiClient.objects.create(name="c", data_center="us", client_id="id", client_secret=SECRET)
    stored = raw_column(ZohoApiClient, client.pk, "client_secret")
    assert SECRET not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert ZohoApiClient.objects.get(pk=client.pk).client_secret == SECRET


@pytest.mark.django_db
def test_it_keeps_empty_secrets_empty():
    client = ZohoApiClient.objects.create(name="c", data_center="us", client_id="id", client_secret="")
    assert raw_column(ZohoApiClient, client.pk, "client_secret") == ""


def test_it_decrypts_with_any_key_and_encrypts_with_the_first(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt(token) == "s3cret"
    assert Fernet(new).decrypt(encrypt("x").encode()) == b"x"


def test_it_explains_a_missing_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt("x")


def test_it_explains_a_removed_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        decrypt(token)


@pytest.mark.django_db
def test_it_rotates_every_secret_to_the_newest_key(settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    client = ZohoApiClient.objects.create(name="c", data_center="us", client_id="id", client_secret=SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    call_command("rotate_encryption_keys", "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["rotated"]["zoho.ZohoApiClient"]["rows"] == 1
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: the row must still decrypt
    assert ZohoApiClient.objects.get(pk=client.pk).client_secret == SECRET


def test_it_masks_all_but_the_last_characters():
    assert mask("1000.abcdefghijklmnop.wxyz") == "••••••••wxyz"
    assert "short" not in mask("short")
    assert mask("") == ""


@pytest.mark.django_db(transaction=True)
def test_rotation_never_overwrites_a_token_refreshed_while_it_runs(settings):
    """A worker refreshes the access token between rotation's read and its write: the rotation holds the row's
    lock, so the worker's write waits and lands after it, and the refreshed token survives."""
    from integrations.zoho.models import ZohoConnection
    from tests.syncs.conftest import make_connection

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    row = make_connection("rotating", access_token="1000.before-refresh")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    worker = threading.Thread(target=_refresh_in_another_connection, args=(row.pk,))

    def refresh_right_after_rotation_reads(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not worker.is_alive() and worker.ident is None and sql.startswith("SELECT") and "access_token" in sql:
            worker.start()
            worker.join(timeout=0.5)  # with the row locked it cannot finish now
        return result

    with connection.execute_wrapper(refresh_right_after_rotation_reads):
        call_command("rotate_encryption_keys")
    worker.join(timeout=30)
    assert worker.ident is not None and not worker.is_alive()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert ZohoConnection.objects.get(pk=row.pk).access_token == "1000.after-refresh"


def _refresh_in_another_connection(pk):
    from django.db import connections

    from integrations.zoho.models import ZohoConnection

    try:
        ZohoConnection.objects.filter(pk=pk).update(access_token="1000.after-refresh")
    finally:
        connections.close_all()


@pytest.mark.django_db
def test_rotation_leaves_a_secret_no_key_can_decrypt_as_it_is(settings):
    lost, current = Fernet.generate_key().decode(), settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [lost]
    client = ZohoApiClient.objects.create(name="c", data_center="us", client_id="id", client_secret=SECRET)
    before = raw_column(ZohoApiClient, client.pk, "client_secret")
    settings.FIELD_ENCRYPTION_KEYS = current
    call_command("rotate_encryption_keys")
    assert raw_column(ZohoApiClient, client.pk, "client_secret") == before

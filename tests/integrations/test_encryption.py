import json

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

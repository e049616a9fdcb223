"""A secret written with a key that is no longer in FIELD_ENCRYPTION_KEYS: every page that shows its row still
renders and says so, `manage.py check` warns, the secret can be entered again, and saving the row unchanged
keeps the ciphertext (putting the key back restores the secret)."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from integrations.checks import undecryptable_secrets_check
from integrations.encryption import UNDECRYPTABLE_MESSAGE
from integrations.stores.models import Store
from integrations.zoho.models import ZohoConnection
from tests.syncs.conftest import make_connection, make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
LOST_KEY = Fernet.generate_key().decode()


@pytest.fixture
def lost_rows(settings):
    """A store, its webhook secret and a Zoho connection written with a key that is then removed."""
    current = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [LOST_KEY]
    connection_row = make_connection("lost", refresh_token="1000.lost-refresh", access_token="1000.lost-access",
                                     org_name="Lost org")
    connection_row.api_client.client_secret = "lost-client-secret"
    connection_row.api_client.save()
    store = Store(name="Lost shop", kind="woocommerce", base_url="https://lost.example", webhook_secret="whsec-lost")
    store.set_credentials({"consumer_key": "ck_lost", "consumer_secret": "cs_lost"})
    store.save()
    settings.FIELD_ENCRYPTION_KEYS = current
    make_settings(ZohoConnection.objects.get(pk=connection_row.pk))
    return store, connection_row


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_every_page_listing_the_rows_renders_and_says_the_secret_cannot_be_decrypted(admin_client, lost_rows):
    store, zoho = lost_rows
    pages = ["/stores/", f"/stores/{store.pk}/", f"/stores/{store.pk}/edit/", "/admin/stores/store/",
             f"/admin/stores/store/{store.pk}/change/", "/admin/zoho/zohoconnection/",
             f"/admin/zoho/zohoconnection/{zoho.pk}/change/", "/admin/zoho/zohoapiclient/",
             f"/admin/zoho/zohoapiclient/{zoho.api_client.pk}/change/", f"/zoho/connections/{zoho.pk}/", "/zoho/", "/"]
    for url in pages:
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url
    for url in (f"/stores/{store.pk}/", f"/stores/{store.pk}/edit/", f"/admin/stores/store/{store.pk}/change/",
                f"/admin/zoho/zohoapiclient/{zoho.api_client.pk}/change/", f"/zoho/connections/{zoho.pk}/"):
        assert UNDECRYPTABLE_MESSAGE in admin_client.get(url).content.decode(), url


def test_check_warns_about_each_model_with_undecryptable_secrets(lost_rows):
    assert undecryptable_secrets_check() == []  # a database check: only with --database
    warnings = undecryptable_secrets_check(databases=["default"])
    assert {w.id for w in warnings} == {"zohosync.W010"}
    text = " ".join(w.msg for w in warnings).lower()
    assert "stores have" in text and "zoho connections have" in text and "missing from field_encryption_keys" in text
    out = io.StringIO()
    call_command("check", "--database", "default", "--fail-level", "CRITICAL", stdout=out, stderr=out)
    assert "zohosync.W010" in out.getvalue()


def test_the_secret_can_be_entered_again_and_an_unchanged_save_keeps_the_ciphertext(admin_client, lost_rows,
                                                                                    settings):
    store, zoho = lost_rows
    before = raw("stores_store", "webhook_secret", store.pk)
    Store.objects.get(pk=store.pk).save()  # e.g. a "Test connection" recording its result
    assert raw("stores_store", "webhook_secret", store.pk) == before
    settings.FIELD_ENCRYPTION_KEYS = [*settings.FIELD_ENCRYPTION_KEYS, LOST_KEY]  # the old key comes back
    assert Store.objects.get(pk=store.pk).webhook_secret == "whsec-lost"
    assert ZohoConnection.objects.get(pk=zoho.pk).refresh_token == "1000.lost-refresh"
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:-1]  # … and is lost again: enter new keys
    response = admin_client.post(f"/stores/{store.pk}/edit/", {
        "name": "Lost shop", "base_url": "https://lost.example", "is_my_store": "on", "enabled": "on",
        "consumer_key": "ck_new", "consumer_secret": "cs_new", "customer_role": "all"})
    assert response.status_code == 302
    saved = Store.objects.get(pk=store.pk)
    assert saved.get_credentials() == {"consumer_key": "ck_new", "consumer_secret": "cs_new"}
    assert saved.webhook_secret  # a new webhook secret replaced the unreadable one (shown on the store page)


def test_a_connection_whose_tokens_cannot_be_decrypted_asks_for_a_new_authorization(lost_rows):
    _, zoho = lost_rows
    stored = ZohoConnection.objects.get(pk=zoho.pk)
    assert not stored.is_authorized and stored.refresh_token == ""

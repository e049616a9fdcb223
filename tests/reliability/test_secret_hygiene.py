"""Secrets never leave their encrypted columns: not into logs (captured at DEBUG, every logger, during a
whole OAuth flow and a failing sync), not into task arguments or results, not into run summaries, inbox
messages or a connection's last error. The log filter is NOT installed here (tests run without LOGGING), so
these assert that the code never logs a secret in the first place; the filter is a second line of defence."""

import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection as db
from django_q.models import Task

from integrations.encryption import encrypted_fields
from integrations.logging import redact
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from syncs.engine import Hooks
from syncs.foreground import run_in_foreground
from syncs.models import RecordError, SyncRun
from syncs.services import save_settings, settings_for, start_sync
from tests.integrations.zoho.test_e2e_sandbox import connect_through_consent
from tests.syncs.conftest import make_store, no_sleep

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def raw_values(model, fields):
    columns = ", ".join(db.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {db.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        return [value for row in cursor.fetchall() for value in row if value]


def everything_logged(caplog) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_no_secret_is_logged_stored_in_tasks_or_shown_in_errors_during_oauth_and_a_failing_sync(
        http, zoho_sandbox, admin_client, caplog, store_sandbox):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "django", "django.request", "django.db.backends", "django_q"):
        caplog.set_level(logging.DEBUG, logger=name)
    shop = store_sandbox.woocommerce("hygiene-shop", customers=8, seed="h")
    store = store_sandbox.app_store(shop)

    # The OAuth flow: consent → callback (the grant code) → tokens; then verify and a refresh.
    response, sandbox_client = connect_through_consent(admin_client, zoho_sandbox)
    connection = ZohoConnection.objects.get()
    admin_client.post(f"/zoho/connections/{connection.pk}/verify/")
    first_access_token = connection.access_token
    zoho_sandbox.expire_access_tokens()

    # A sync that fails: Zoho keeps answering 500, then the refresh token is revoked.
    sync_settings = settings_for(connection)
    save_settings(sync_settings)
    zoho_sandbox.fault(fail_next=1000, fail_mode="500")
    run_in_foreground(sync_settings, hooks=Hooks(sleep=no_sleep))  # waits (unslept) until it fails
    zoho_sandbox.fault(fail_next=0)
    zoho_sandbox.revoke_refresh_tokens()
    zoho_sandbox.expire_access_tokens()
    ZohoConnection.objects.filter(pk=connection.pk).update(access_token_expires_at=None)
    start_sync(sync_settings)  # through django-q2 (inline in tests): a Task row is saved

    connection.refresh_from_db()
    assert connection.status == "needs_reauth"
    runs = list(SyncRun.objects.order_by("pk"))
    assert [r.status for r in runs] == ["failed", "failed"] and Task.objects.exists()

    callback_code = dict(parse_qsl(urlsplit(response.wsgi_request.get_full_path()).query)).get("code", "")
    secrets = {
        "client secret": sandbox_client.client_secret,
        "first access token": first_access_token,
        "refresh token": issued_refresh_token(http),
        "grant code": callback_code,
        "woocommerce key": store.get_credentials()["consumer_key"],
        "woocommerce secret": store.get_credentials()["consumer_secret"],
        "webhook secret": store.webhook_secret,
    }
    assert all(secrets.values())
    ciphertexts = [v for model, fields in encrypted_fields() for v in raw_values(model, fields)]
    assert len(ciphertexts) >= 4 and all(c.startswith("gAAAA") for c in ciphertexts)

    places = {
        "logs": everything_logged(caplog),
        "task rows": " ".join(f"{t.func} {t.args!r} {t.kwargs!r} {t.result!r}" for t in Task.objects.all()),
        "run summaries": " ".join(r.error_summary + repr(r.report) for r in runs),
        "inbox": " ".join(e.message + repr(e.payload) for e in RecordError.objects.all()),
        "last error": connection.last_error,
    }
    assert "500" in places["run summaries"] and places["logs"]
    for place, text in places.items():
        leaked = [name for name, secret in secrets.items() if secret in text]
        leaked += ["ciphertext"] if any(c in text for c in ciphertexts) else []
        assert leaked == [], f"{leaked} found in {place}"


def issued_refresh_token(http) -> str:
    """The refresh token Zoho issued, read from the token response that carried it."""
    for call in http.calls:
        if call.request.url.endswith("/oauth/v2/token") and b"refresh_token" in (call.response.content or b""):
            token = call.response.json().get("refresh_token")
            if token:
                return token
    return ""


def test_the_log_filter_redacts_what_a_careless_message_would_leak():
    leaky = ("POST https://accounts.zoho.com/oauth/v2/token?refresh_token=1000.abcdef0123456789abcdef.0123456789abcdef"
             "&client_secret=s3cr3t Authorization: Zoho-oauthtoken 1000.0123456789abcdef0123.fedcba9876543210 "
             "key ck_0123456789abcdef0123456789abcdef")
    cleaned = redact(leaky)
    for secret in ("1000.abcdef0123456789abcdef", "s3cr3t", "1000.0123456789abcdef0123", "ck_0123456789abcdef"):
        assert secret not in cleaned


def test_secrets_are_ciphertext_in_every_encrypted_column(admin_user):
    client = ZohoApiClient.objects.create(name="c", data_center="us", client_id="1000.X", client_secret="plain-secret")
    ZohoConnection.objects.create(name="n", api_client=client, refresh_token="plain-refresh",
                                  access_token="plain-access")
    store = make_store("Raw", webhook_secret="plain-webhook")
    store.set_credentials({"consumer_key": "plain-ck", "consumer_secret": "plain-cs"})
    store.save()
    for model, fields in encrypted_fields():
        for value in raw_values(model, fields):
            assert value.startswith("gAAAA") and "plain" not in value, (model.__name__, value[:12])

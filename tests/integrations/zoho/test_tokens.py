import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection as db_connection
from django.db import connections
from django.utils import timezone

from integrations.zoho import tokens
from integrations.zoho.errors import RateLimited, ReauthorizationRequired, TransientError
from integrations.zoho.models import ZohoConnection

from .conftest import ACCESS_TOKEN, NEW_ACCESS_TOKEN, REFRESH_TOKEN, TOKEN_URL, make_client, make_connection, refresh_ok


def test_a_fresh_token_is_reused_without_any_request(http, connection):
    assert tokens.access_token(connection) == ACCESS_TOKEN
    assert len(http.calls) == 0


def test_an_expired_token_is_refreshed_once_and_stored(http, expired_connection, no_sleep):
    http.post(TOKEN_URL, json=refresh_ok(api_domain="https://www.zohoapis.com"))
    assert tokens.access_token(expired_connection, sleep=no_sleep) == NEW_ACCESS_TOKEN
    stored = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert stored.access_token == NEW_ACCESS_TOKEN
    assert stored.refresh_token == REFRESH_TOKEN  # a refresh response has no refresh token: keep ours
    assert stored.access_token_expires_at > timezone.now() + timedelta(minutes=59)
    assert stored.refresh_claimed_until is None
    assert len(stored.refresh_history) == 1
    assert tokens.access_token(stored) == NEW_ACCESS_TOKEN  # and then shared, no second refresh
    assert len(http.calls) == 1 and no_sleep.calls == []


def test_tokens_are_encrypted_at_rest(connection):
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token, access_token FROM zoho_zohoconnection WHERE id = %s", [connection.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("gAAAA") for value in raw)
    assert REFRESH_TOKEN not in "".join(raw)


@pytest.mark.parametrize("error", ["invalid_code", "invalid_client"])
def test_a_refused_refresh_needs_reauthorization(http, expired_connection, admin_user, error):
    http.post(TOKEN_URL, json={"error": error})
    with pytest.raises(ReauthorizationRequired):
        tokens.access_token(expired_connection)
    stored = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert stored.status == ZohoConnection.Status.NEEDS_REAUTH
    assert error in stored.last_error
    assert stored.refresh_claimed_until is None
    assert mail.outbox == []  # the re-authorization alert (tests/syncs/test_alerts.py) mails it, once
    # no refresh loop: the next attempt fails at once, without a request
    with pytest.raises(ReauthorizationRequired):
        tokens.access_token(stored)
    assert len(http.calls) == 1


def test_throttled_refresh_is_rate_limited_not_reauth(http, expired_connection):
    http.post(TOKEN_URL, json={"error": "Access Denied", "status": "failure",
                               "error_description": "You have made too many requests continuously."})
    with pytest.raises(RateLimited):
        tokens.access_token(expired_connection)
    stored = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert stored.status == ZohoConnection.Status.CONNECTED and stored.refresh_claimed_until is None


def test_it_stays_within_zohos_refresh_limit(http, expired_connection):
    now = timezone.now()
    expired_connection.refresh_history = [(now - timedelta(minutes=m)).isoformat() for m in range(tokens.REFRESH_LIMIT)]
    expired_connection.save()
    with pytest.raises(RateLimited) as raised:
        tokens.access_token(expired_connection)
    assert 0 < raised.value.retry_after <= 600
    assert len(http.calls) == 0


def test_a_worker_that_loses_the_claim_uses_the_winners_token(http, expired_connection):
    """Another worker holds the claim; when it finishes, this one takes its token and never refreshes."""
    ZohoConnection.objects.filter(pk=expired_connection.pk).update(
        refresh_claimed_until=timezone.now() + timedelta(seconds=30))

    def other_worker_finishes(seconds):
        ZohoConnection.objects.filter(pk=expired_connection.pk).update(
            access_token=NEW_ACCESS_TOKEN, access_token_expires_at=timezone.now() + timedelta(hours=1),
            refresh_claimed_until=None)

    assert tokens.access_token(expired_connection, sleep=other_worker_finishes) == NEW_ACCESS_TOKEN
    assert len(http.calls) == 0


def test_a_stale_claim_is_taken_over(http, expired_connection):
    ZohoConnection.objects.filter(pk=expired_connection.pk).update(
        refresh_claimed_until=timezone.now() - timedelta(seconds=1))
    http.post(TOKEN_URL, json=refresh_ok())
    assert tokens.access_token(expired_connection) == NEW_ACCESS_TOKEN


def test_invalid_token_refresh_is_skipped_when_another_worker_already_refreshed(http, connection):
    """A 401 with token A after another worker stored token B: use B, do not refresh again."""
    ZohoConnection.objects.filter(pk=connection.pk).update(access_token=NEW_ACCESS_TOKEN)
    assert tokens.refresh_access_token(connection, stale_token=ACCESS_TOKEN) == NEW_ACCESS_TOKEN
    assert len(http.calls) == 0


def test_not_authorized_connections_need_authorization(db):
    pending = make_connection(make_client(), name="pending", refresh_token="", access_token="",
                              status=ZohoConnection.Status.PENDING)
    with pytest.raises(ReauthorizationRequired, match="not authorized yet"):
        tokens.access_token(pending)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_refresh_exactly_once(http):
    """Two threads (two DB connections) find the token expired at the same moment; Zoho sees one refresh.

    The winner's refresh response is held back until the loser has seen the claim and started waiting,
    so the test exercises the contended path every time without depending on timing.
    """
    connection = make_connection(make_client(), access_token_expires_at=timezone.now() - timedelta(minutes=1))
    loser_waiting = threading.Event()

    def refresh_callback(request):
        assert loser_waiting.wait(timeout=10), "the other worker never waited for the claim"
        import json
        return 200, {}, json.dumps(refresh_ok())

    http.add_callback("POST", TOKEN_URL, callback=refresh_callback)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            mine = ZohoConnection.objects.get(pk=connection.pk)
            barrier.wait(timeout=10)
            results.append(tokens.access_token(mine, sleep=lambda seconds: loser_waiting.set()))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert results == [NEW_ACCESS_TOKEN, NEW_ACCESS_TOKEN]
    assert len(http.calls) == 1
    stored = ZohoConnection.objects.get(pk=connection.pk)
    assert stored.access_token == NEW_ACCESS_TOKEN and stored.refresh_claimed_until is None


def test_an_unrecognised_token_answer_keeps_the_connection_connected(http, expired_connection, admin_user):
    http.post(TOKEN_URL, json={})
    with pytest.raises(TransientError):
        tokens.access_token(expired_connection)
    stored = ZohoConnection.objects.get(pk=expired_connection.pk)
    assert stored.status == ZohoConnection.Status.CONNECTED and stored.refresh_claimed_until is None
    assert stored.refresh_token and len(mail.outbox) == 0

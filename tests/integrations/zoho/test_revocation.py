"""No refresh token this app stops using stays valid at Zoho: re-authorizing revokes the replaced one, deleting
a connection revokes its own (after the commit), and a failed revoke never undoes the new grant or the delete."""

import pytest
from responses import matchers

from integrations.zoho import grants
from integrations.zoho.models import ZohoConnection

from .conftest import REFRESH_TOKEN, TOKEN_URL

NEW_GRANT = {"access_token": "1000.new.access", "refresh_token": "1000.new.refresh",
             "api_domain": "https://www.zohoapis.com", "expires_in": 3600}


def revoked(http, token, answer=None):
    http.post(f"{TOKEN_URL}/revoke", json=answer or {"status": "success"},
              match=[matchers.urlencoded_params_matcher({"token": token})])


def test_re_authorizing_revokes_the_replaced_refresh_token(http, connection):
    http.post(TOKEN_URL, json=NEW_GRANT)
    revoked(http, REFRESH_TOKEN)
    grants.exchange_pasted_grant(connection, "1000.grant")
    connection.refresh_from_db()
    assert connection.refresh_token == "1000.new.refresh" and connection.status == "connected"
    assert [c.request.url for c in http.calls] == [TOKEN_URL, f"{TOKEN_URL}/revoke"]


def test_a_failed_revoke_keeps_the_new_grant(http, connection, caplog):
    http.post(TOKEN_URL, json=NEW_GRANT)
    revoked(http, REFRESH_TOKEN, answer={"status": "failure"})
    grants.exchange_pasted_grant(connection, "1000.grant")
    connection.refresh_from_db()
    assert connection.refresh_token == "1000.new.refresh"
    assert "did not confirm the revocation" in caplog.text and REFRESH_TOKEN not in caplog.text


def test_deleting_a_connection_revokes_its_refresh_token_after_the_commit(
        http, connection, django_capture_on_commit_callbacks):
    revoked(http, REFRESH_TOKEN)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        connection.delete()
        assert len(http.calls) == 0  # not while the delete's transaction is open
    assert len(callbacks) == 1 and len(http.calls) == 1
    assert not ZohoConnection.objects.exists()


def test_deleting_an_unauthorized_connection_calls_nobody(http, connection, django_capture_on_commit_callbacks):
    ZohoConnection.objects.filter(pk=connection.pk).update(refresh_token="")
    with django_capture_on_commit_callbacks(execute=True):
        ZohoConnection.objects.get(pk=connection.pk).delete()
    assert len(http.calls) == 0


@pytest.fixture
def connection(db):
    from .conftest import make_connection

    return make_connection()

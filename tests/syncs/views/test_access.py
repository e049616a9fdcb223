"""Every sync page for both roles: staff see all; an affiliate owner gets 404 for others' objects, their own
when the platform allows affiliate integrations, and 403 for changes when it does not."""

import pytest

from syncs import urls
from syncs.models import RecordError, SyncRun
from tests.syncs.conftest import make_connection, make_settings

from .conftest import mark_verified

# (url name, method, path template); {c} a connection, {r} a run, {e} an inbox error.
PAGES = [
    ("zoho-connection", "get", "/zoho/connections/{c}/"),
    ("zoho-connection", "post", "/zoho/connections/{c}/"),
    ("sync-record-mapping", "post", "/zoho/connections/{c}/record-mapping/"),
    ("sync-mapping", "get", "/zoho/connections/{c}/mapping/Contacts/"),
    ("sync-preview", "get", "/zoho/connections/{c}/preview/"),
    ("sync-preview-cancel", "post", "/zoho/connections/{c}/preview/cancel/"),
    ("sync-save", "post", "/zoho/connections/{c}/save/"),
    ("sync-now", "post", "/zoho/connections/{c}/sync-now/"),
    ("sync-reset", "get", "/zoho/connections/{c}/reset-sync/"),
    ("sync-history", "get", "/zoho/connections/{c}/history/"),
    ("sync-errors", "get", "/zoho/connections/{c}/errors/"),
    ("sync-errors-retry-all", "post", "/zoho/connections/{c}/errors/retry-all/"),
    ("sync-errors-export", "get", "/zoho/connections/{c}/errors/export.csv"),
    ("sync-status", "get", "/zoho/connections/{c}/status.json"),
    ("sync-run", "get", "/runs/{r}/"),
    ("sync-run-progress", "get", "/runs/{r}/progress.json"),
    ("sync-error-retry", "post", "/errors/{e}/retry/"),
    ("sync-error-ignore", "post", "/errors/{e}/ignore/"),
]
READ_ONLY = {"sync-history", "sync-errors-export",
             "sync-errors", "sync-status", "sync-run", "sync-run-progress", "zoho-connection:get"}


def objects(owner=None, name="main"):
    sync_settings = make_settings(mark_verified(make_connection(name=name, owner=owner)))
    run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="failed",
                                 error_summary="Zoho said no.")
    error = RecordError.objects.create(settings=sync_settings, run=run, module="Contacts", key=f"{name}@example.com",
                                       code="INVALID_DATA", message="bad")
    return {"c": sync_settings.connection_id, "r": run.pk, "e": error.pk}


def call(client, method, template, ids):
    # An empty POST changes nothing that matters here: forms are invalid or settings already as they are.
    return getattr(client, method)(template.format(**ids))


def test_every_sync_url_is_enumerated():
    names = {p.name for p in urls.urlpatterns} - {"healthz", "home", "zoho-integration"}
    assert names == {name for name, _, _ in PAGES}


@pytest.mark.django_db
def test_an_affiliate_gets_404_for_every_page_of_another_owner(affiliate_client, http):
    platform = objects(name="platform-conn")
    objects(owner=None, name="other")
    for name, method, template in PAGES:
        assert call(affiliate_client, method, template, platform).status_code == 404, name
    from django.contrib.auth import get_user_model

    someone = get_user_model().objects.create_user("carol")
    carols = objects(owner=someone, name="carol")
    for name, method, template in PAGES:
        assert call(affiliate_client, method, template, carols).status_code == 404, name


@pytest.mark.django_db
def test_an_allowed_affiliate_reaches_every_page_of_their_own(affiliate_client, affiliate_user, http):
    make_settings(make_connection(name="platform-conn"), allow_affiliate_integrations=True)
    mine = objects(owner=affiliate_user, name="bob")
    for name, method, template in PAGES:
        status = call(affiliate_client, method, template, mine).status_code
        assert status in (200, 302, 400), (name, status)


@pytest.mark.django_db
def test_an_affiliate_not_allowed_reads_but_cannot_change(affiliate_client, affiliate_user, http):
    make_settings(make_connection(name="platform-conn"))
    mine = objects(owner=affiliate_user, name="bob")
    for name, method, template in PAGES:
        status = call(affiliate_client, method, template, mine).status_code
        key = f"{name}:{method}" if name == "zoho-connection" else name
        assert status == (200 if key in READ_ONLY else 403), (name, method, status)


@pytest.mark.django_db
def test_staff_reach_every_page_of_every_owner(admin_client, affiliate_user, http):
    for ids in (objects(name="platform-conn"), objects(owner=affiliate_user, name="bob")):
        for name, method, template in PAGES:
            status = call(admin_client, method, template, ids).status_code
            assert status in (200, 302, 400), (name, status)

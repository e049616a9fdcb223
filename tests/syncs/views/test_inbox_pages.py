"""The error inbox at scale: pagination, search, filters, "Retry all matching" and the CSV export."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from syncs.models import RecordError, SyncRun
from syncs.views.inbox import PAGE_SIZE

from ..conftest import make_connection, make_settings
from .conftest import body, texts

pytestmark = pytest.mark.django_db


def error(sync_settings, key, module="Contacts", code="INVALID_DATA", status="open", **fields):
    return RecordError.objects.create(settings=sync_settings, module=module, key=key, code=code, status=status,
                                      message=fields.pop("message", f"{key} is bad"), **fields)


def keys(page: str) -> list[str]:
    return [line.split("<code>")[1].split("</code>")[0] for line in page.split("\n") if 'data-label="Customer"' in line]


def test_the_inbox_is_paginated_past_the_old_100_rows(admin_client, sync_settings):
    for n in range(120):
        error(sync_settings, f"c{n:03}@example.com")
    url = f"/zoho/connections/{sync_settings.connection.pk}/errors/"
    first = body(admin_client.get(url))
    assert len(keys(first)) == PAGE_SIZE and "Page 1 of 3" in first and "120 records match." in first
    last = body(admin_client.get(url, {"page": 3}))
    assert len(keys(last)) == 20
    seen = set(keys(first)) | set(keys(body(admin_client.get(url, {"page": 2})))) | set(keys(last))
    assert len(seen) == 120


def test_search_and_filters_narrow_the_list(admin_client, sync_settings):
    error(sync_settings, "jane@example.com", code="INVALID_EMAIL")
    error(sync_settings, "john@example.com", module="Leads")
    error(sync_settings, "jane.doe@shop.example", module="Leads", code="MANDATORY_NOT_FOUND")
    error(sync_settings, "Shop #1001", module="Deals", code="DUPLICATE_DATA")
    error(sync_settings, "janet@example.com", status="ignored")
    url = f"/zoho/connections/{sync_settings.connection.pk}/errors/"
    assert sorted(keys(body(admin_client.get(url, {"q": "JANE"})))) == ["jane.doe@shop.example", "jane@example.com"]
    assert sorted(keys(body(admin_client.get(url, {"module": "Leads"})))) == ["jane.doe@shop.example",
                                                                               "john@example.com"]
    assert keys(body(admin_client.get(url, {"q": "jane", "code": "MANDATORY_NOT_FOUND"}))) == ["jane.doe@shop.example"]
    assert keys(body(admin_client.get(url, {"q": "#1001"}))) == ["Shop #1001"]
    assert keys(body(admin_client.get(url, {"q": "jane", "status": "ignored"}))) == ["janet@example.com"]
    assert len(keys(body(admin_client.get(url, {"status": "any"})))) == 5
    page = body(admin_client.get(url, {"code": "NOT_A_CODE", "module": "Leads"}))
    assert "Select a valid choice" in page and len(keys(page)) == 2  # the bad filter is said, the rest applies
    codes = body(admin_client.get(url))
    assert '<option value="DUPLICATE_DATA">' in codes and '<option value="Deals">' in codes


def test_pagination_links_keep_the_filters(admin_client, sync_settings):
    for n in range(PAGE_SIZE + 1):
        error(sync_settings, f"lead{n}@example.com", module="Leads")
    error(sync_settings, "contact@example.com")
    page = body(admin_client.get(f"/zoho/connections/{sync_settings.connection.pk}/errors/", {"module": "Leads"}))
    assert "?module=Leads&status=open&page=2" in page
    assert 'errors/export.csv?module=Leads&status=open"' in page


def test_retry_all_matching_retries_every_page_of_the_filter_and_nothing_else(admin_client, sync_settings):
    leads = [error(sync_settings, f"lead{n}@example.com", module="Leads") for n in range(PAGE_SIZE + 5)]
    contact = error(sync_settings, "contact@example.com")
    other = error(make_settings(make_connection("other")), "lead-other@example.com", module="Leads")
    url = f"/zoho/connections/{sync_settings.connection.pk}/errors/"
    assert f"Retry all {PAGE_SIZE + 5} matching" in body(admin_client.get(url, {"module": "Leads"}))
    response = admin_client.post(f"{url}retry-all/", {"module": "Leads", "status": "open"})
    assert response.status_code == 302 and response.url == f"{url}?module=Leads&status=open"
    assert f"{PAGE_SIZE + 5} record(s) will be sent again" in texts(response)[0]
    statuses = dict(RecordError.objects.values_list("pk", "status"))
    assert {statuses[e.pk] for e in leads} == {"retrying"}
    assert statuses[contact.pk] == "open" and statuses[other.pk] == "open"
    assert SyncRun.objects.filter(settings=sync_settings).count() == 1  # one sync started for them all


def test_the_csv_export_holds_what_the_filters_show_as_plain_text(admin_client, sync_settings):
    error(sync_settings, "a@example.com", field="Phone", message="=HYPERLINK(\"http://evil\")")
    error(sync_settings, "b@example.com", module="Leads")
    error(sync_settings, "c@example.com", status="ignored")
    response = admin_client.get(f"/zoho/connections/{sync_settings.connection.pk}/errors/export.csv",
                                {"module": "Contacts"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="error-inbox-main-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["When", "State", "Module", "Email or key", "Code", "Field", "Message", "Run"]
    assert [row[3] for row in rows[1:]] == ["a@example.com"]  # open Contacts only: b is a Lead, c is ignored
    assert rows[1][5] == "Phone" and rows[1][6] == "'=HYPERLINK(\"http://evil\")"  # never a formula


def test_the_csv_times_are_the_viewers_local_time(admin_client, admin_user, sync_settings):
    from profiles.models import Profile

    Profile.objects.update_or_create(user=admin_user, defaults={"time_zone": "Asia/Tokyo"})
    created = error(sync_settings, "a@example.com")
    response = admin_client.get(f"/zoho/connections/{sync_settings.connection.pk}/errors/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = timezone.localtime(created.created_at, ZoneInfo("Asia/Tokyo")).isoformat(timespec="seconds")
    assert rows[1][0] == expected and rows[1][0].endswith("+09:00")


def test_an_affiliate_cannot_export_or_retry_another_owners_inbox(affiliate_client):
    platform = make_settings(make_connection("platform"))
    error(platform, "a@example.com")
    url = f"/zoho/connections/{platform.connection.pk}/errors/"
    assert affiliate_client.get(f"{url}export.csv").status_code == 404
    assert affiliate_client.post(f"{url}retry-all/").status_code == 404
    assert RecordError.objects.get().status == "open"

"""The operator's day in a real browser: the time zone taken from the browser at first login, the sync history
chart and run filters, and the error inbox's search, filters, Retry all matching and CSV export."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from profiles.models import Profile
from syncs.models import RecordError, SyncRun
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.fixture
def tokyo_page(browser, live_server, settings):
    """A browser whose clock says Asia/Tokyo, as a user's in Japan would (its own context: not the `page` fixture's,
    so screenshots are taken from it directly)."""
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url,
                                  timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_first_login_takes_the_browsers_time_zone_and_the_history_chart_draws(tokyo_page, admin_user):
    page = tokyo_page
    sync_settings = make_settings()
    now = timezone.now()
    for days_ago, created, updated, failed in [(0, 12, 30, 2), (1, 40, 5, 0), (3, 8, 60, 6), (9, 120, 0, 1)]:
        at = now - timedelta(days=days_ago)
        SyncRun.objects.create(settings=sync_settings, trigger="schedule", status="succeeded" if not failed else
                               "partial", queued_at=at, started_at=at, finished_at=at, created=created,
                               updated=updated, failed=failed, zoho_calls=created // 10 + 3,
                               credits=(created + updated) // 10 + 3)
    failed_run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="failed", queued_at=now,
                                        started_at=now, finished_at=now, stop_reason="transient")

    with page.expect_response(re.compile(r"/profile/time-zone/$")) as detected:
        log_in(page, "alice", "alice-password")
    assert detected.value.json() == {"time_zone": "Asia/Tokyo", "changed": True}
    assert Profile.objects.get(user=admin_user).time_zone == "Asia/Tokyo"
    page.reload()  # from the next page on, times are local
    expect(page.get_by_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d JST")).first).to_be_visible()
    expect(page.locator("#detect-time-zone")).to_have_count(0)

    page.get_by_role("link", name="Sync history").click()
    expect(page.get_by_role("heading", name="Sync history")).to_be_visible()
    chart = page.locator("svg[data-chart=history]")
    expect(chart).to_be_visible()
    expect(chart.locator("rect[data-series=created]")).to_have_count(4)
    expect(chart.locator("rect[data-series=failed]")).to_have_count(3)
    expect(chart.locator("polyline")).to_have_count(2)
    assert chart.bounding_box()["width"] > 600
    page.screenshot(path=SCREENSHOTS / "19-sync-history.png", full_page=True)

    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("section[aria-labelledby=runs-heading] tbody tr")).to_have_count(1)
    page.get_by_role("link", name=f"Manual #{failed_run.pk}").click()
    expect(page.get_by_role("heading", name=f"Manual sync #{failed_run.pk}")).to_be_visible()
    expect(page.get_by_text("JST").first).to_be_visible()


def test_the_inbox_searches_filters_retries_what_matches_and_exports_it(page, screenshot, admin_user, tmp_path):
    sync_settings = make_settings()
    Profile.objects.create(user=admin_user, time_zone="Europe/London")
    for key, module, code in [("jane@example.com", "Contacts", "INVALID_DATA"),
                              ("jane.doe@shop.example", "Leads", "MANDATORY_NOT_FOUND"),
                              ("janet@example.com", "Leads", "INVALID_DATA"),
                              ("john@example.com", "Contacts", "INVALID_EMAIL")]:
        RecordError.objects.create(settings=sync_settings, module=module, key=key, code=code,
                                   message=f"{code.replace('_', ' ').lower()} for {key}")
    for n in range(60):
        RecordError.objects.create(settings=sync_settings, module="Contacts", key=f"bulk{n:02}@example.com",
                                   code="DUPLICATE_DATA", message="duplicate")

    log_in(page, "alice", "alice-password")
    page.get_by_role("link", name="Error inbox").click()
    expect(page.get_by_text("64 records match.")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()

    page.get_by_role("searchbox", name="Search").fill("jane")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("3 records match.")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="john@example.com")).to_have_count(0)

    page.get_by_label("Module").select_option("Leads")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("jane")  # the filters stay filled in
    screenshot("20-error-inbox-search")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "inbox.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("When,State,Module")
    assert sorted(line.split(",")[3] for line in lines[1:]) == ["jane.doe@shop.example", "janet@example.com"]

    page.get_by_role("button", name="Retry all 2 matching").click()
    expect(page.get_by_text("2 record(s) will be sent again")).to_be_visible()
    retried = set(RecordError.objects.filter(status="retrying").values_list("key", flat=True))
    assert retried == {"jane.doe@shop.example", "janet@example.com"}

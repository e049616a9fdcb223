import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from syncs.history import chart, daily_totals, nice_max
from syncs.models import SyncRun

from ..conftest import make_connection, make_settings
from .conftest import body

pytestmark = pytest.mark.django_db


def run(sync_settings, days_ago=0, hours=0, **fields):
    at = timezone.now().replace(hour=12, minute=0) - timedelta(days=days_ago) + timedelta(hours=hours)
    fields = {"trigger": SyncRun.Trigger.SCHEDULE, "status": SyncRun.Status.SUCCEEDED, **fields}
    return SyncRun.objects.create(settings=sync_settings, queued_at=at, started_at=at, finished_at=at, **fields)


def test_daily_totals_add_up_each_day_and_leave_out_previews_and_older_runs(sync_settings):
    run(sync_settings, 0, created=3, updated=2, zoho_calls=4, credits=5)
    run(sync_settings, 0, created=1, failed=1, zoho_calls=1, credits=1)
    run(sync_settings, 2, updated=7, zoho_calls=2, credits=3)
    run(sync_settings, 0, created=99, dry_run=True)
    run(sync_settings, 30, created=50)  # 31st day back: outside the chart
    days = daily_totals(sync_settings)
    assert len(days) == 30 and days[-1].day == timezone.localdate()
    today, two_days_ago = days[-1], days[-3]
    assert (today.created, today.updated, today.failed) == (4, 2, 1)
    assert (today.zoho_calls, today.credits, today.runs) == (5, 6, 2)
    assert (two_days_ago.updated, two_days_ago.credits, two_days_ago.runs) == (7, 3, 1)
    assert sum(day.records for day in days) == 14


def test_days_are_the_viewers_local_days(sync_settings):
    late = datetime(2026, 3, 10, 23, 30, tzinfo=ZoneInfo("UTC"))
    SyncRun.objects.create(settings=sync_settings, trigger="schedule", status="succeeded", queued_at=late, created=1)
    utc_days = daily_totals(sync_settings, today=late.date() + timedelta(days=1))
    assert utc_days[-2].created == 1
    with timezone.override(ZoneInfo("Europe/Berlin")):  # 00:30 on the 11th there
        local_days = daily_totals(sync_settings, today=late.date() + timedelta(days=1))
    assert local_days[-1].created == 1 and local_days[-2].created == 0


def test_the_chart_scales_to_a_round_maximum_and_stacks_the_bars(sync_settings):
    run(sync_settings, 0, created=30, updated=10, failed=5, zoho_calls=12, credits=18)
    run(sync_settings, 1, created=20)
    drawn = chart(daily_totals(sync_settings))
    assert [axis["max"] for axis in drawn.axes] == [50, 20]
    today = [bar for bar in drawn.bars if bar["title"].startswith(f"{timezone.localdate():%Y-%m-%d}")]
    assert [bar["name"] for bar in today] == ["created", "updated", "failed"]
    heights = [bar["h"] for bar in today]
    assert heights == [84.0, 28.0, 14.0]  # 30, 10, 5 of 50 on a 140 px panel
    assert today[1]["y"] + today[1]["h"] == today[0]["y"]  # updated sits on created
    assert [nice_max(v) for v in (0, 1, 3, 7, 11, 250)] == [1, 1, 5, 10, 20, 500]


def test_the_history_page_draws_the_chart_as_inline_svg_without_scripts(admin_client, sync_settings):
    run(sync_settings, 0, created=3, updated=2, zoho_calls=4, credits=5)
    response = admin_client.get(f"/zoho/connections/{sync_settings.connection.pk}/history/")
    assert response.status_code == 200
    page = body(response)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg
    assert svg.count('data-series="created"') == 1 and svg.count('data-series="updated"') == 1
    assert svg.count("<polyline") == 2
    assert "<script" not in svg and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert f"{timezone.localdate():%Y-%m-%d}: 3 created" in svg
    assert "The figures, day by day" in page


def test_the_run_list_is_paginated_and_links_each_report(admin_client, sync_settings):
    runs = [run(sync_settings, hours=-i) for i in range(30)]
    url = f"/zoho/connections/{sync_settings.connection.pk}/history/"
    first = body(admin_client.get(url))
    assert first.count('href="/runs/') == 25
    assert f'href="/runs/{runs[0].pk}/"' in first and f'href="/runs/{runs[29].pk}/"' not in first
    assert "Page 1 of 2" in first and "(30 in all)" in first
    second = body(admin_client.get(url, {"page": 2}))
    assert second.count('href="/runs/') == 5 and f'href="/runs/{runs[29].pk}/"' in second


def test_the_run_list_filters_by_trigger_and_status(admin_client, sync_settings):
    manual_failed = run(sync_settings, trigger="manual", status="failed", stop_reason="transient")
    scheduled = run(sync_settings)
    reset = run(sync_settings, trigger="reset")
    url = f"/zoho/connections/{sync_settings.connection.pk}/history/"
    page = body(admin_client.get(url, {"trigger": "manual"}))
    assert f"/runs/{manual_failed.pk}/" in page and f"/runs/{scheduled.pk}/" not in page
    assert "Zoho unavailable" in page
    page = body(admin_client.get(url, {"status": "succeeded"}))
    assert f"/runs/{scheduled.pk}/" in page and f"/runs/{reset.pk}/" in page
    assert f"/runs/{manual_failed.pk}/" not in page
    page = body(admin_client.get(url, {"trigger": "webhook", "status": "nonsense"}))
    assert "No runs match these filters" in page
    many = [run(sync_settings, trigger="manual", hours=-i) for i in range(26)]
    page = body(admin_client.get(url, {"trigger": "manual"}))
    assert "?trigger=manual&page=2" in page  # the next page keeps the filter
    assert f"/runs/{many[0].pk}/" in page


def test_an_affiliate_sees_the_history_of_their_own_connection_only(affiliate_client, affiliate_user):
    own = make_settings(make_connection("own", owner=affiliate_user))
    other = make_settings(make_connection("other"))
    assert affiliate_client.get(f"/zoho/connections/{own.connection.pk}/history/").status_code == 200
    assert affiliate_client.get(f"/zoho/connections/{other.connection.pk}/history/").status_code == 404


def test_a_connection_without_sync_settings_has_an_empty_history(admin_client):
    connection = make_connection()
    page = body(admin_client.get(f"/zoho/connections/{connection.pk}/history/"))
    assert "Nothing has synced yet." in page and "No runs" in page

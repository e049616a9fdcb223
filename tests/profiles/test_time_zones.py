"""Local times: each user's time zone (detected by the browser once, changeable on the profile page) is used for
every date shown; what is stored and scheduled stays in UTC."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from profiles.models import Profile
from syncs.models import SyncRun, SyncSettings
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db

NOON_UTC = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def set_zone(user, name):
    Profile.objects.update_or_create(user=user, defaults={"time_zone": name})


def test_a_user_without_a_zone_gets_the_detection_script_and_utc(admin_client):
    page = admin_client.get("/").content.decode()
    assert 'id="detect-time-zone"' in page and "js/timezone.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_the_browser_zone_is_taken_once_and_never_overrides_a_choice(admin_client, admin_user):
    response = admin_client.post("/profile/time-zone/", {"time_zone": "Europe/Berlin"})
    assert response.json() == {"time_zone": "Europe/Berlin", "changed": True}
    assert Profile.objects.get(user=admin_user).time_zone == "Europe/Berlin"
    again = admin_client.post("/profile/time-zone/", {"time_zone": "America/New_York"})
    assert again.json() == {"time_zone": "Europe/Berlin", "changed": False}
    assert Profile.objects.get(user=admin_user).time_zone == "Europe/Berlin"
    page = admin_client.get("/").content.decode()
    assert 'id="detect-time-zone"' not in page and "js/timezone.js" not in page


def test_an_unknown_zone_is_refused(admin_client, admin_user):
    response = admin_client.post("/profile/time-zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=admin_user).exclude(time_zone="").exists()


def test_the_detection_endpoint_needs_a_login_and_a_post(admin_client):
    assert Client().post("/profile/time-zone/", {"time_zone": "UTC"}).status_code == 302
    assert admin_client.get("/profile/time-zone/").status_code == 405


def test_dates_are_shown_in_the_users_zone_while_stored_in_utc(admin_client, admin_user):
    sync_settings = make_settings()
    SyncSettings.objects.filter(pk=sync_settings.pk).update(next_sync_at=NOON_UTC)
    run = SyncRun.objects.create(settings=sync_settings, trigger="manual", status="succeeded", queued_at=NOON_UTC,
                                 started_at=NOON_UTC, finished_at=NOON_UTC)
    page = admin_client.get("/").content.decode()
    assert "2026-03-10 12:00 UTC" in page
    set_zone(admin_user, "Asia/Tokyo")
    page = admin_client.get("/").content.decode()
    assert "2026-03-10 21:00 JST" in page and "12:00 UTC" not in page
    assert "2026-03-10 21:00:00 JST" in admin_client.get(f"/runs/{run.pk}/").content.decode()
    assert SyncSettings.objects.get(pk=sync_settings.pk).next_sync_at == NOON_UTC
    assert timezone.get_current_timezone_name() == "UTC"  # deactivated after the request


def test_the_profile_page_is_in_the_navigation_and_changes_the_zone(admin_client, admin_user):
    page = admin_client.get("/").content.decode()
    assert re.search(r'<a href="/profile/">Profile</a>', page)
    form = admin_client.get("/profile/").content.decode()
    assert '<option value="Europe/London">Europe/London</option>' in form
    assert '<option value="America/Argentina/Buenos_Aires">America/Argentina/Buenos Aires</option>' in form
    response = admin_client.post("/profile/", {"time_zone": "Europe/London"})
    assert response.status_code == 302
    assert Profile.objects.get(user=admin_user).time_zone == "Europe/London"
    bad = admin_client.post("/profile/", {"time_zone": "Nowhere/Else"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    assert Profile.objects.get(user=admin_user).time_zone == "Europe/London"
    assert admin_client.post("/profile/", {"time_zone": ""}).status_code == 302  # back to UTC
    assert Profile.objects.get(user=admin_user).time_zone == ""


def test_an_affiliate_has_a_profile_page_too(affiliate_client, affiliate_user):
    assert affiliate_client.get("/profile/").status_code == 200
    affiliate_client.post("/profile/", {"time_zone": "Australia/Sydney"})
    assert Profile.objects.get(user=affiliate_user).time_zone == "Australia/Sydney"

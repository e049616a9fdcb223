"""Progress without a manual reload: the run page's bar follows a running reset (fed by the worker, here the
test moving the run forward as the worker would) until Finish, and the dashboard shows a run finishing."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from syncs.models import SyncRun
from tests.browser.conftest import log_in
from tests.syncs.conftest import make_settings

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def advance(run, **fields):
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now(), **fields)


def test_it_follows_a_running_reset_until_finish(page, screenshot, admin_user):
    sync_settings = make_settings()
    run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.RESET,
                                 status=SyncRun.Status.RUNNING, phase=SyncRun.Phase.READ, started_at=timezone.now())
    log_in(page, "alice", "alice-password")
    page.goto(f"/zoho/connections/{sync_settings.connection_id}/reset-sync/")  # coming back: the same run
    expect(page).to_have_url(re.compile(f"/runs/{run.pk}/$"))
    expect(page.get_by_text("Reading the stores")).to_be_visible()

    advance(run, phase=SyncRun.Phase.SEND, progress_done=120, progress_total=400)
    expect(page.locator("[data-field=done]")).to_have_text("120")
    expect(page.locator("[data-field=phase_label]")).to_have_text("Sending to Zoho")
    expect(page.locator("progress")).to_have_js_property("value", 120)
    expect(page.get_by_role("link", name="Finish")).to_have_count(0)
    screenshot("13a-reset-progress")

    advance(run, progress_done=400, created=3, updated=397, status=SyncRun.Status.SUCCEEDED,
            phase=SyncRun.Phase.DONE, finished_at=timezone.now())
    expect(page.get_by_role("heading", name="Final report")).to_be_visible()
    page.get_by_role("link", name="Finish").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_the_dashboard_shows_a_run_finish_without_a_reload(page, admin_user):
    sync_settings = make_settings()
    run = SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.SCHEDULE,
                                 status=SyncRun.Status.RUNNING, progress_done=5, progress_total=50)
    log_in(page, "alice", "alice-password")
    expect(page.get_by_role("row").filter(has_text=f"Schedule #{run.pk}")).to_contain_text("Running")
    advance(run, status=SyncRun.Status.SUCCEEDED, progress_done=50, created=50, finished_at=timezone.now())
    expect(page.get_by_role("row").filter(has_text=f"Schedule #{run.pk}")).to_contain_text("Succeeded")

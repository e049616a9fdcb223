"""Alerts: each problem is mailed once when it opens and once when it recovers (Django's mail outbox; one test
through a real SMTP server on 127.0.0.1)."""

import io
import json
import socket
from datetime import timedelta
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.status import Stat

from integrations.zoho import limits, tokens
from integrations.zoho.models import ZohoConnection
from syncs import alerts
from syncs.models import Incident, SyncRun

from .conftest import make_connection, make_settings, make_store

pytestmark = pytest.mark.django_db

FAILED, SUCCEEDED = SyncRun.Status.FAILED, SyncRun.Status.SUCCEEDED


def set_worker(monkeypatch, alive: bool):
    clusters = [SimpleNamespace(timestamp=timezone.now())] if alive else []
    monkeypatch.setattr(Stat, "get_all", staticmethod(lambda: clusters))


@pytest.fixture(autouse=True)
def worker_alive(monkeypatch, settings):
    settings.ALERT_EMAILS = ["ops@example.com"]
    set_worker(monkeypatch, True)


def finished(sync_settings, status, at, reason=""):
    return SyncRun.objects.create(settings=sync_settings, trigger=SyncRun.Trigger.SCHEDULE, status=status,
                                  stop_reason=reason, error_summary="Zoho said 500." if status == FAILED else "",
                                  started_at=at - timedelta(minutes=1), finished_at=at)


def sent_to(messages) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def test_a_connection_failing_three_runs_in_a_row_is_mailed_once_then_its_recovery_once(admin_user):
    sync_settings = make_settings()
    now = timezone.now()
    for minutes in (90, 60):
        finished(sync_settings, FAILED, now - timedelta(minutes=minutes), SyncRun.StopReason.TRANSIENT)
    assert alerts.evaluate(now)["emails_sent"] == 0
    finished(sync_settings, FAILED, now - timedelta(minutes=30), SyncRun.StopReason.TRANSIENT)
    alerts.evaluate(now)
    assert sent_to(mail.outbox) == ["alice@example.com", "ops@example.com"]  # one message each
    first = mail.outbox[0]
    assert first.subject == f"[Zoho Store Sync] Syncs keep failing: {sync_settings.connection}"
    assert "The last 3 runs failed" in first.body and "Zoho said 500." in first.body
    assert f"/zoho/connections/{sync_settings.connection.pk}/history/" in first.body
    alerts.evaluate(now + timedelta(minutes=5))
    finished(sync_settings, FAILED, now, SyncRun.StopReason.TRANSIENT)
    alerts.evaluate(now + timedelta(minutes=10))
    assert len(mail.outbox) == 2  # still the same incident: no second mail

    finished(sync_settings, SUCCEEDED, now + timedelta(minutes=30))
    result = alerts.evaluate(now + timedelta(minutes=31))
    assert result["recovered"] == [{"kind": "failing_runs", "subject": f"connection:{sync_settings.connection.pk}"}]
    recovery = mail.outbox[2:]
    assert sent_to(recovery) == ["alice@example.com", "ops@example.com"]
    assert recovery[0].subject.startswith("[Zoho Store Sync] Recovered: Syncs keep failing")
    alerts.evaluate(now + timedelta(minutes=40))
    assert len(mail.outbox) == 4
    incident = Incident.objects.get()
    assert incident.notified_at and incident.closed_at and incident.recovery_notified_at


def test_runs_that_stop_to_wait_for_bulk_write_jobs_count_neither_as_failures_nor_as_recoveries(admin_user):
    sync_settings = make_settings()
    now = timezone.now()
    for minutes in (60, 59, 58, 57):  # a big first sync: its jobs started, then followed a minute apart
        finished(sync_settings, SyncRun.Status.PARTIAL, now - timedelta(minutes=minutes), SyncRun.StopReason.BULK_WRITE)
    assert alerts.evaluate(now)["open"] == []

    for minutes, status in ((30, FAILED), (29, SyncRun.Status.PARTIAL), (20, FAILED), (19, SyncRun.Status.PARTIAL),
                            (10, FAILED), (9, SyncRun.Status.PARTIAL)):
        reason = SyncRun.StopReason.TRANSIENT if status == FAILED else SyncRun.StopReason.BULK_WRITE
        finished(sync_settings, status, now - timedelta(minutes=minutes), reason)
    result = alerts.evaluate(now)

    assert [incident["kind"] for incident in result["open"]] == ["failing_runs"]  # three failures in a row
    assert "The last 3 runs failed" in mail.outbox[0].body


def test_an_affiliate_is_mailed_for_their_own_connection_only(admin_user, affiliate_user):
    platform = make_settings(make_connection("platform"))
    own = make_settings(make_connection("bobs", owner=affiliate_user))
    now = timezone.now()
    for minutes in (3, 2, 1):
        finished(platform, FAILED, now - timedelta(minutes=minutes))
        finished(own, FAILED, now - timedelta(minutes=minutes))
    alerts.evaluate(now)
    by_subject = {}
    for message in mail.outbox:
        by_subject.setdefault(message.subject, []).extend(message.to)
    assert sorted(by_subject[f"[Zoho Store Sync] Syncs keep failing: {platform.connection}"]) == [
        "alice@example.com", "ops@example.com"]
    assert sorted(by_subject[f"[Zoho Store Sync] Syncs keep failing: {own.connection}"]) == [
        "alice@example.com", "bob@example.com", "ops@example.com"]


def test_a_store_unreadable_for_an_hour_is_mailed_and_recovers(admin_user):
    sync_settings = make_settings()
    make_store("Fine Shop", last_check_ok=True)
    make_store("Broken Shop", last_check_ok=False, last_check_message="HTTP 401")
    start = timezone.now()
    finished(sync_settings, FAILED, start, SyncRun.StopReason.STORE_ERROR)
    SyncRun.objects.filter(settings=sync_settings).update(error_summary="A store could not be read: HTTP 401.")
    assert alerts.evaluate(start + timedelta(minutes=30))["emails_sent"] == 0
    assert Incident.objects.get().kind == Incident.Kind.STORE_UNREADABLE  # seen, not mailed yet
    alerts.evaluate(start + timedelta(minutes=62))
    assert sent_to(mail.outbox) == ["alice@example.com", "ops@example.com"]
    assert "A store cannot be read" in mail.outbox[0].subject and "HTTP 401" in mail.outbox[0].body
    assert "Stores whose last check failed: Broken Shop." in mail.outbox[0].body
    finished(sync_settings, SUCCEEDED, start + timedelta(minutes=70))
    alerts.evaluate(start + timedelta(minutes=71))
    assert len(mail.outbox) == 4 and "Recovered" in mail.outbox[-1].subject


def test_a_store_error_that_clears_within_the_hour_mails_nobody(admin_user):
    sync_settings = make_settings()
    start = timezone.now()
    finished(sync_settings, FAILED, start, SyncRun.StopReason.STORE_ERROR)
    alerts.evaluate(start + timedelta(minutes=5))
    finished(sync_settings, SUCCEEDED, start + timedelta(minutes=30))
    alerts.evaluate(start + timedelta(minutes=31))
    alerts.evaluate(start + timedelta(minutes=90))
    assert mail.outbox == []
    assert Incident.objects.get().closed_at is not None


def test_re_authorization_is_mailed_once_by_the_alert_and_failing_runs_add_nothing(admin_user):
    sync_settings = make_settings()
    connection = sync_settings.connection
    now = timezone.now()
    for minutes in (3, 2, 1):
        finished(sync_settings, FAILED, now - timedelta(minutes=minutes), SyncRun.StopReason.REAUTHORIZATION)
    tokens.mark_needs_reauthorization(connection, "Zoho answered invalid_code.")
    tokens.mark_needs_reauthorization(connection, "Zoho answered invalid_code.")
    alerts.evaluate(now)
    alerts.evaluate(now + timedelta(minutes=5))
    assert sent_to(mail.outbox) == ["alice@example.com", "ops@example.com"]
    message = mail.outbox[0]
    assert message.subject == f"[Zoho Store Sync] Zoho needs re-authorization: {connection}"
    assert "Generate Zoho API Grant Token" in message.body and "invalid_code" in message.body
    assert f"http://testserver/zoho/connections/{connection.pk}/" in message.body
    assert "1000.refresh" not in message.body

    ZohoConnection.objects.filter(pk=connection.pk).update(status=ZohoConnection.Status.CONNECTED, last_error="")
    finished(sync_settings, SUCCEEDED, now + timedelta(minutes=8))
    alerts.evaluate(now + timedelta(minutes=10))
    assert [m.subject for m in mail.outbox[2:]] == [
        f"[Zoho Store Sync] Recovered: Zoho needs re-authorization: {connection}"] * 2


def test_the_credit_budget_alert_opens_at_80_percent_and_recovers_without_flapping(admin_user):
    connection = make_connection(daily_credit_budget=100)
    now = timezone.now()
    limits.record_usage(connection, 79, now=now - timedelta(hours=2))
    alerts.evaluate(now)
    assert mail.outbox == []
    limits.record_usage(connection, 2, now=now)
    alerts.evaluate(now)
    assert len(mail.outbox) == 2 and "81 of the daily budget of 100" in mail.outbox[0].body
    # 79 % a day later than the first spending is still above the line less 10 points: no recovery, no new mail
    limits.record_usage(connection, 77, now=now + timedelta(hours=23))
    alerts.evaluate(now + timedelta(hours=23))
    assert len(mail.outbox) == 2
    alerts.evaluate(now + timedelta(hours=50))  # the window moved past all of it
    assert len(mail.outbox) == 4 and "Recovered: Daily API credit budget nearly used" in mail.outbox[-1].subject


def test_a_lost_worker_heartbeat_is_mailed_after_the_grace_and_recovers(admin_user, monkeypatch):
    set_worker(monkeypatch, False)
    now = timezone.now()
    alerts.evaluate(now)
    assert mail.outbox == []  # a restart is not an incident
    alerts.evaluate(now + timedelta(minutes=6))
    assert sent_to(mail.outbox) == ["alice@example.com", "ops@example.com"]
    assert mail.outbox[0].subject == "[Zoho Store Sync] No worker is running"
    assert "qcluster" in mail.outbox[0].body
    set_worker(monkeypatch, True)
    alerts.evaluate(now + timedelta(minutes=8))
    assert len(mail.outbox) == 4 and mail.outbox[-1].subject == "[Zoho Store Sync] Recovered: No worker is running"


def test_inactive_staff_and_staff_without_email_get_nothing(settings):
    settings.ALERT_EMAILS = []
    users = get_user_model().objects
    users.create_user("gone", "gone@example.com", is_staff=True, is_active=False)
    users.create_user("noemail", "", is_staff=True)
    users.create_user("carol", "carol@example.com", is_staff=True)
    users.create_user("dave", "dave@example.com")  # not staff, owns nothing
    connection = make_connection()
    tokens.mark_needs_reauthorization(connection, "no")
    alerts.evaluate()
    assert sent_to(mail.outbox) == ["carol@example.com"]


def test_without_email_set_up_incidents_are_kept_but_nobody_is_mailed(admin_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    connection = make_connection()
    tokens.mark_needs_reauthorization(connection, "no")
    alerts.evaluate()
    assert Incident.objects.get().notified_at is None
    ZohoConnection.objects.filter(pk=connection.pk).update(status=ZohoConnection.Status.CONNECTED)
    alerts.evaluate()
    assert Incident.objects.get().closed_at is not None
    assert mail.outbox == []


def test_check_alerts_prints_one_json_document(admin_user):
    tokens.mark_needs_reauthorization(make_connection(), "no")
    out = io.StringIO()
    call_command("check_alerts", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert [(i["kind"], i["notified"]) for i in result["open"]] == [("reauthorization", True)]
    assert result["emails_sent"] == 2


class Sink:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_alerts_go_out_through_a_real_smtp_server(admin_user, settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        settings.DEFAULT_FROM_EMAIL = "alerts@sync.example.com"
        connection = make_connection()
        tokens.mark_needs_reauthorization(connection, "Zoho answered invalid_code.")
        assert alerts.evaluate()["emails_sent"] == 2
    finally:
        controller.stop()
    assert sorted(tuple(e.rcpt_tos) for e in sink.envelopes) == [("alice@example.com",), ("ops@example.com",)]
    assert {e.mail_from for e in sink.envelopes} == {"alerts@sync.example.com"}
    message = message_from_bytes(sink.envelopes[0].content)
    assert message["Subject"] == f"[Zoho Store Sync] Zoho needs re-authorization: {connection}"
    assert "Generate Zoho API Grant Token" in message.get_payload(decode=True).decode()


def test_two_checkers_at_once_open_one_incident_and_send_one_email(admin_user):
    connection = make_connection()
    tokens.mark_needs_reauthorization(connection, "no")
    now = timezone.now()
    key = (Incident.Kind.REAUTHORIZATION, f"connection:{connection.pk}")
    condition = alerts.Condition("Zoho refused the token.", connection)
    # Both computed the problem before either wrote anything: each opens, and each holds its own copy.
    first = alerts.open_incident(key, condition, now)
    second = alerts.open_incident(key, condition, now)
    assert first.pk == second.pk and Incident.objects.count() == 1
    assert alerts.notify_opening(first, now) == 2
    assert alerts.notify_opening(second, now) == 0  # its copy still says "not mailed": the UPDATE says otherwise
    assert alerts.close(first, now) == 2 and alerts.close(second, now) == 0
    assert len(mail.outbox) == 4


def test_the_dashboard_shows_open_alerts_past_their_grace_to_those_concerned(admin_client, affiliate_user, monkeypatch):
    platform = make_settings(make_connection("platform"))
    own = make_settings(make_connection("bobs", owner=affiliate_user))
    now = timezone.now()
    for minutes in (3, 2, 1):
        finished(platform, FAILED, now - timedelta(minutes=minutes))
        finished(own, FAILED, now - timedelta(minutes=minutes))
    set_worker(monkeypatch, False)
    alerts.evaluate(now)  # the worker's incident is still in its grace
    page = admin_client.get("/").content.decode()
    assert page.count('data-incident="failing_runs"') == 2 and 'data-incident="worker_down"' not in page
    admin_client.force_login(affiliate_user)
    page = admin_client.get("/").content.decode()
    assert page.count('data-incident="failing_runs"') == 1 and "bobs" in page
    finished(own, SUCCEEDED, now)
    alerts.evaluate(now + timedelta(minutes=1))
    assert 'data-incident="failing_runs"' not in admin_client.get("/").content.decode()

"""Alerts that fire: look at what the app already records, and keep one `Incident` per problem while it lasts.

Run every few minutes by the "syncs.alerts" schedule, and by `manage.py check_alerts` (from a timer, so a dead
worker is noticed too). Each problem is mailed once when it opens and once when it recovers:

- failing runs: a connection's last `ALERT_FAILED_RUNS` finished runs all failed (SyncRun rows; a run that stopped
  only to wait for its Bulk Write jobs counts neither way);
- store unreadable: a connection's runs have stopped on a store error for `ALERT_STORE_UNREADABLE_MINUTES` (the
  email names its stores whose last check failed);
- re-authorization: the connection's status says Zoho needs it (set by tokens.py when Zoho refuses the token);
- credit budget: `ALERT_CREDIT_PERCENT` of the connection's daily budget used in the rolling 24 hours (limits.py);
  it recovers below that share less 10 points, so usage hovering at the line does not flap;
- worker down: no django-q2 heartbeat (what /healthz reads) for `ALERT_WORKER_DOWN_MINUTES`.

Several processes may evaluate at once: the open incident is unique per (kind, subject), and each email is
claimed with a conditional UPDATE before it is sent, so it goes out once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.zoho import limits
from integrations.zoho.models import ZohoConnection
from syncs import alert_mail, health
from syncs.models import Incident, SyncRun, SyncSettings
from syncs.selection import included_stores

Kind = Incident.Kind
FINISHED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL, SyncRun.Status.FAILED)
CREDIT_HYSTERESIS = 10  # percentage points


@dataclass
class Condition:
    """A problem seen now. `since`: when it began, if the records say; else it counts from when first seen."""

    summary: str
    connection: ZohoConnection | None = None
    since: datetime | None = None


def grace(kind: str) -> timedelta:
    """How long a problem must last before it is mailed."""
    minutes = {Kind.STORE_UNREADABLE: settings.ALERT_STORE_UNREADABLE_MINUTES,
               Kind.WORKER_DOWN: settings.ALERT_WORKER_DOWN_MINUTES}.get(kind, 0)
    return timedelta(minutes=minutes)


def finished_runs(sync_settings: SyncSettings, limit: int) -> list[SyncRun]:
    """The newest runs that ended, without those that only stopped to let Zoho process their Bulk Write jobs:
    those are neither a failure nor a recovery, so they neither make nor break a streak."""
    runs = sync_settings.runs.filter(dry_run=False, status__in=FINISHED, finished_at__isnull=False).exclude(
        stop_reason=SyncRun.StopReason.BULK_WRITE)
    return list(runs.defer("report").order_by("-finished_at", "-id")[:limit])  # reports can be large


def run_conditions(sync_settings: SyncSettings) -> dict:
    connection = sync_settings.connection
    found = {}
    if connection.status == ZohoConnection.Status.NEEDS_REAUTH:
        return found  # its runs fail for that reason: the re-authorization alert says it
    subject = f"connection:{connection.pk}"
    streak_length = max(1, settings.ALERT_FAILED_RUNS)
    recent = finished_runs(sync_settings, max(streak_length, 50))
    if len(recent) >= streak_length and all(run.status == SyncRun.Status.FAILED for run in recent[:streak_length]):
        last = recent[0]
        found[Kind.FAILING_RUNS, subject] = Condition(
            f"The last {streak_length} runs failed. The latest (#{last.pk}, {last.get_stop_reason_display()}): "
            f"{last.error_summary}", connection, since=recent[streak_length - 1].finished_at)
    streak = []
    for run in recent:
        if run.stop_reason != SyncRun.StopReason.STORE_ERROR:
            break
        streak.append(run)
    if streak:
        first = streak[-1]
        failing = sorted(included_stores(sync_settings).filter(last_check_ok=False).values_list("name", flat=True))
        which = f" Stores whose last check failed: {', '.join(failing)}." if failing else ""
        found[Kind.STORE_UNREADABLE, subject] = Condition(
            f"Every run since {first.started_at or first.finished_at:%Y-%m-%d %H:%M} UTC stopped on a store: "
            f"{streak[0].error_summary}{which}", connection, since=first.started_at or first.finished_at)
    return found


def connection_conditions(connection: ZohoConnection, open_keys: set, now: datetime) -> dict:
    subject = f"connection:{connection.pk}"
    found = {}
    if connection.status == ZohoConnection.Status.NEEDS_REAUTH:
        found[Kind.REAUTHORIZATION, subject] = Condition(
            f"Zoho refused this connection's token, so its syncs are paused. What Zoho said: "
            f"{connection.last_error or 'no detail'}", connection)
    budget = connection.daily_credit_budget
    if budget:
        used = limits.credits_used_24h(connection, now)
        percent = settings.ALERT_CREDIT_PERCENT
        if (Kind.CREDIT_BUDGET, subject) in open_keys:
            percent -= CREDIT_HYSTERESIS
        if used * 100 >= budget * percent:
            found[Kind.CREDIT_BUDGET, subject] = Condition(
                f"{used} of the daily budget of {budget} API credits were used in the last 24 hours.", connection)
    return found


def current_conditions(now: datetime, open_keys: set) -> dict[tuple[str, str], Condition]:
    """Every problem there is now, by (kind, subject)."""
    found = {}
    for connection in ZohoConnection.objects.exclude(status=ZohoConnection.Status.DISABLED).select_related("owner"):
        found.update(connection_conditions(connection, open_keys, now))
    for sync_settings in SyncSettings.objects.filter(enabled=True).select_related("connection__owner"):
        found.update(run_conditions(sync_settings))
    worker = health.worker_status()
    if worker != "ok":
        found[Kind.WORKER_DOWN, "worker"] = Condition(f"The worker check says: {worker}.")
    return found


def open_incident(key: tuple[str, str], condition: Condition, now: datetime) -> Incident | None:
    kind, subject = key
    try:
        with transaction.atomic():
            return Incident.objects.create(kind=kind, subject=subject, connection=condition.connection,
                                           summary=condition.summary, started_at=condition.since or now,
                                           opened_at=now)
    except IntegrityError:  # another process opened it first
        return Incident.objects.filter(kind=kind, subject=subject, closed_at__isnull=True).first()


def notify_opening(incident: Incident, now: datetime) -> int:
    if incident.started_at + grace(incident.kind) > now or not alert_mail.email_configured():
        return 0
    if not Incident.objects.filter(pk=incident.pk, notified_at__isnull=True).update(notified_at=now):
        return 0  # someone else mails it
    incident.notified_at = now
    sent = alert_mail.send(incident, *alert_mail.opening(incident))
    if not sent:  # nobody to tell, or the mail server failed: try again next time
        Incident.objects.filter(pk=incident.pk).update(notified_at=None)
        incident.notified_at = None
    return sent


def close(incident: Incident, now: datetime) -> int:
    """Close the incident; its recovery is mailed only if its opening was (and only by the closing process)."""
    if not Incident.objects.filter(pk=incident.pk, closed_at__isnull=True).update(closed_at=now):
        return 0
    incident.closed_at = now
    incident.notified_at = Incident.objects.filter(pk=incident.pk).values_list("notified_at", flat=True).get()
    if incident.notified_at is None:  # never mailed (still in its grace, or no mail set up): nothing to end
        return 0
    sent = alert_mail.send(incident, *alert_mail.recovery(incident))
    if sent:
        Incident.objects.filter(pk=incident.pk).update(recovery_notified_at=now)
    return sent


def evaluate(now: datetime | None = None) -> dict:
    """Open, mail and close incidents to match what is wrong now. Returns what it did (for the command/task)."""
    now = now or timezone.now()
    incidents = {(i.kind, i.subject): i for i in
                 Incident.objects.filter(closed_at__isnull=True).select_related("connection__owner")}
    conditions = current_conditions(now, set(incidents))
    mailed = 0
    for key, condition in conditions.items():
        incident = incidents.get(key) or open_incident(key, condition, now)
        if incident is None:
            continue
        if incident.summary != condition.summary and incident.notified_at is None:
            Incident.objects.filter(pk=incident.pk).update(summary=condition.summary)
            incident.summary = condition.summary
        if incident.notified_at is None:
            mailed += notify_opening(incident, now)
    recovered = [incident for key, incident in incidents.items() if key not in conditions]
    for incident in recovered:
        mailed += close(incident, now)
    still_open = Incident.objects.filter(closed_at__isnull=True).order_by("opened_at", "id")
    return {
        "open": [{"kind": i.kind, "subject": i.subject, "since": i.started_at.isoformat(),
                  "notified": i.notified_at is not None} for i in still_open],
        "recovered": [{"kind": i.kind, "subject": i.subject} for i in recovered],
        "emails_sent": mailed,
    }

"""Two promises measured with real processes on the benchmark's scratch databases (call inside
`server.serving_app()`):

- `kill_mid_send`: `manage.py sync_now` is killed with SIGKILL in the middle of sending (after K upserts), then a
  new `sync_now` runs once the dead claim is stale. Zoho must hold no record twice, and the second run must send
  only what the first left unconfirmed, in ⌈records/100⌉ upserts per module.
- `sync_under_qcluster`: one `qcluster` process syncs the whole shop with a short worker timeout and slice
  (`Q_TIMEOUT`, `SYNC_SLICE_SECONDS`); the run must finish with no task killed for overrunning and no duplicate.
"""

import math
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django_q.models import Failure

from bench import fixtures
from bench.clusters import ROOT, Clusters, process_env
from bench.measure import UPSERT
from bench.scaleout import own_queue
from sandbox.zoho.models import ApiCall, Record
from syncs.models import PERSON_MODULES, BulkJob, SyncedRecord, SyncRun, SyncSettings
from syncs.tasks import tick

NEVER = str(10**9)


def duplicates(org) -> dict:
    """Emails Zoho holds more than once: within a module, and as both a Contact and a Lead."""
    live = Record.objects.filter(org=org, module__in=PERSON_MODULES, deleted_at__isnull=True).exclude(email="")
    within = live.values("module", "email").annotate(n=Count("pk")).filter(n__gt=1).count()
    modules_of = Counter(email for email, _ in live.values_list("email", "module").distinct().order_by())
    return {"within_a_module": within, "contact_and_lead": sum(1 for n in modules_of.values() if n > 1),
            "emails": len(modules_of), "records": live.count()}


def upserts_since(org, since_pk: int) -> dict:
    calls = ApiCall.objects.filter(org=org, pk__gt=since_pk).values_list("path", flat=True)
    return dict(Counter(match.group(1) for path in calls if (match := UPSERT.match(path))))


def last_call_pk(org) -> int:
    return ApiCall.objects.filter(org=org).order_by("-pk").values_list("pk", flat=True).first() or 0


def confirmed(sync_settings) -> dict:
    return dict(SyncedRecord.objects.filter(settings=sync_settings, module__in=PERSON_MODULES)
                .exclude(zoho_id="").values_list("module").annotate(n=Count("pk")).order_by())


def sync_now(bench, env: dict) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "sync_now", "--connection", bench.name, "--json"]
    return subprocess.Popen(command,  # noqa: S603 (our own interpreter and command; the name is the bench's)
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def kill_mid_send(customers: int, kill_after_upserts: int, bulk: bool, q_timeout: int = 60,
                  progress=lambda message: None) -> dict:
    bench = fixtures.create_bench(customers, progress)
    env = process_env(f"kill{uuid.uuid4().hex[:6]}", settings.SITE_URL, Q_TIMEOUT=str(q_timeout),
                      SYNC_SLICE_SECONDS=str(max(1, q_timeout // 2)),
                      BULK_WRITE_MIN_ROWS=str(settings.BULK_WRITE_MIN_ROWS) if bulk else NEVER)
    progress(f"first sync_now, killed after {kill_after_upserts} upserts…")
    first = sync_now(bench, env)
    while first.poll() is None and sum(upserts_since(bench.org, 0).values()) < kill_after_upserts:
        time.sleep(0.02)
    if first.poll() is not None:
        raise RuntimeError(f"sync_now ended before it could be killed: {first.communicate()[1][-2000:]}")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = timezone.now()
    upserts_first = upserts_since(bench.org, 0)
    held_by_zoho = Record.objects.filter(org=bench.org, module__in=PERSON_MODULES, deleted_at__isnull=True).count()
    confirmed_first = confirmed(bench.sync_settings)
    dead_run = SyncRun.objects.filter(settings=bench.sync_settings).latest("pk")
    heartbeat = SyncSettings.objects.get(pk=bench.sync_settings.pk).heartbeat_at or killed_at
    wait = max(0.0, (heartbeat - timezone.now()).total_seconds() + min(q_timeout, 180) + 1)
    progress(f"killed; {sum(confirmed_first.values())} records confirmed, {held_by_zoho} in Zoho; waiting {wait:.0f} s "
             "for the claim to go stale…")
    time.sleep(wait)
    mark = last_call_pk(bench.org)
    started = time.monotonic()
    second = sync_now(bench, env)
    out, err = second.communicate(timeout=3600)
    wall = time.monotonic() - started
    confirmed_after = confirmed(bench.sync_settings)
    sent_second = {module: n - confirmed_first.get(module, 0) for module, n in confirmed_after.items()}
    upserts_second = upserts_since(bench.org, mark)
    return {
        "customers": customers, "bulk": "auto" if bulk else "off", "q_timeout": q_timeout,
        "first_run": {"upserts_before_kill": upserts_first, "records_confirmed": confirmed_first,
                      "records_held_by_zoho": held_by_zoho, "status_after_kill": dead_run.status},
        "second_run": {"exit_code": second.returncode, "wall_seconds": round(wall, 1),
                       "records_confirmed_now": sent_second, "upserts": upserts_second,
                       "upserts_needed": {m: math.ceil(n / 100) for m, n in sent_second.items() if n},
                       "zoho_calls": ApiCall.objects.filter(org=bench.org, pk__gt=mark).count(),
                       "stderr_tail": err[-1500:] if second.returncode else ""},
        "records_confirmed_total": confirmed_after,
        "duplicates_in_zoho": duplicates(bench.org),
    }


def sync_done(sync_settings) -> bool:
    """The sync's last run succeeded (a run that started Bulk Write jobs ends partial; later runs collect them)."""
    last = SyncRun.objects.filter(settings=sync_settings).order_by("-pk").first()
    return last is not None and last.status == SyncRun.Status.SUCCEEDED and not BulkJob.objects.filter(
        settings=sync_settings).exists()


def sync_under_qcluster(customers: int, q_timeout: int, slice_seconds: int, deadline_seconds: float,
                        progress=lambda message: None) -> dict:
    bench = fixtures.create_bench(customers, progress)
    with own_queue(f"qc{uuid.uuid4().hex[:6]}") as queue:
        clusters = Clusters(1, queue, settings.SITE_URL, workers=1, Q_TIMEOUT=str(q_timeout),
                            SYNC_SLICE_SECONDS=str(slice_seconds))
        try:
            time.sleep(3)  # the cluster starts; the figures use the runs' own timestamps
            SyncSettings.objects.filter(pk=bench.sync_settings.pk).update(enabled=True, next_sync_at=timezone.now())
            progress("syncing under qcluster…")
            started, ticks, deadline = time.monotonic(), 0, time.monotonic() + deadline_seconds
            while time.monotonic() < deadline and clusters.alive():
                tick()  # what the schedule does every minute: due syncs, dead runs, ended waits
                ticks += 1
                if sync_done(bench.sync_settings):
                    break
                time.sleep(5)
            wall = time.monotonic() - started
            SyncSettings.objects.filter(pk=bench.sync_settings.pk).update(enabled=False)
        finally:
            clusters.stop()
            log = "".join(Path(handle.name).read_text() for handle in clusters.logs)
    runs = list(SyncRun.objects.filter(settings=bench.sync_settings).order_by("pk"))
    return {
        "customers": customers, "q_timeout": q_timeout, "sync_slice_seconds": slice_seconds, "queue": queue,
        "finished": sync_done(bench.sync_settings),
        "wall_seconds": round(wall, 1), "ticks": ticks,
        "runs": [{"status": r.status, "stop_reason": r.stop_reason, "slices": r.slices, "created": r.created,
                  "updated": r.updated, "failed": r.failed, "zoho_calls": r.zoho_calls} for r in runs],
        "slices": sum(r.slices for r in runs),
        "tasks_failed": Failure.objects.count(),
        "worker_timeouts_in_log": log.count("exceeded maximum timeout") + log.count("after timeout"),
        "zoho_calls": ApiCall.objects.filter(org=bench.org).count(),
        "credits": sum(ApiCall.objects.filter(org=bench.org).values_list("credits", flat=True)),
        "records_confirmed": confirmed(bench.sync_settings),
        "duplicates_in_zoho": duplicates(bench.org),
    }

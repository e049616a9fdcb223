"""Shared by sync_now and reset_sync: finding a connection's settings, running it in the foreground and printing
what happened."""

import json
from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from syncs.bulk_status import pending_bulk_write
from syncs.foreground import Foreground
from syncs.models import SyncRun, SyncSettings

INTERRUPTED = 130  # the shell's exit status after Ctrl-C


def settings_named(name: str | None) -> list[SyncSettings]:
    queryset = SyncSettings.objects.select_related("connection").order_by("connection__name")
    if name:
        queryset = queryset.filter(connection__name=name)
        if not queryset.exists():
            raise CommandError(f"No Zoho connection named {name!r} has sync settings.")
    else:
        queryset = queryset.filter(enabled=True)
    return list(queryset)


def add_wait_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--no-wait", action="store_true",
                        help="return (exit code 0) when the run waits for Zoho (a rate limit, Bulk Write jobs) "
                             "instead of waiting here; the background worker goes on at that time")


def run_document(run: SyncRun) -> dict:
    return {
        "connection": run.settings.connection.name, "run": run.pk, "trigger": run.trigger, "status": run.status,
        "dry_run": run.dry_run, "counts": {k: getattr(run, k) for k in SyncRun.COUNTERS[:6]},
        "zoho_calls": run.zoho_calls, "credits": run.credits, "slices": run.slices,
        "waiting_until": run.resume_at.isoformat() if run.is_active and run.resume_at else None,
        "progress": {"done": run.progress_done, "total": run.progress_total},
        "error": run.error_summary, "report": run.report,
    }


def foreground_document(result: Foreground) -> dict:
    """The last run's document, with the counts, calls, credits and slices of every engine run the command went
    through (`runs`), and whether it returned waiting for Zoho (`waiting`, `waiting_for`, `waiting_until`)."""
    runs, last = result.runs, result.last
    document = run_document(last)
    for name in document["counts"]:
        document["counts"][name] = sum(getattr(run, name) for run in runs)
    document.update(
        trigger=runs[0].trigger, zoho_calls=sum(run.zoho_calls for run in runs),
        credits=sum(run.credits for run in runs), slices=sum(run.slices for run in runs),
        runs=[{"run": run.pk, "status": run.status, "stop_reason": run.stop_reason, "slices": run.slices}
              for run in runs],
        waiting=result.waiting, waiting_for=result.waiting_for,
        waiting_until=result.waiting_until.isoformat() if result.waiting else None,
    )
    bulk_write = pending_bulk_write(last.settings) if result.waiting else None
    document["bulk_write"] = bulk_write.as_json() if bulk_write else None
    return document


def print_results(command, results: list[Foreground], as_json: bool) -> None:
    """One JSON document (or a line per connection); a CommandError when a run did not succeed. A run left
    waiting for Zoho (--no-wait) is not a failure; one left by Ctrl-C exits with 130."""
    documents = [foreground_document(result) for result in results]
    if as_json:
        command.stdout.write(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        for doc in documents:
            counts = ", ".join(f"{k} {v}" for k, v in doc["counts"].items())
            runs = f" in {len(doc['runs'])} runs" if len(doc["runs"]) > 1 else ""
            command.stdout.write(
                f"{doc['connection']}: {doc['status']}{' (dry run)' if doc['dry_run'] else ''} — {counts}; "
                f"{doc['zoho_calls']} Zoho calls, {doc['credits']} credits{runs}"
                + (f"\n  {doc['error']}" if doc["error"] and not doc["waiting"] else "")
                + (f"\n  {waiting_text(doc)}" if doc["waiting"] else "")
            )
    if any(result.interrupted for result in results):
        raise CommandError("Interrupted: the run is left to the background worker, which goes on at "
                           f"{local(documents[-1]['waiting_until'])}.", returncode=INTERRUPTED)
    failed = [d for d in documents if d["status"] != SyncRun.Status.SUCCEEDED and not d["waiting"]]
    if failed:
        raise CommandError("; ".join(f"{d['connection']}: {d['status']} {d['error']}".strip() for d in failed))


def waiting_text(doc: dict) -> str:
    if doc["bulk_write"]:
        jobs, records = doc["bulk_write"]["jobs"], doc["bulk_write"]["records"]
        what = f"Zoho is processing {jobs} Bulk Write job{'s' if jobs != 1 else ''} ({records:,} records)"
    else:
        what = f"Waiting for Zoho ({SyncRun.StopReason(doc['waiting_for']).label})"
    return f"{what}; the background worker goes on at {local(doc['waiting_until'])}."


def local(iso: str) -> str:
    return f"{timezone.localtime(datetime.fromisoformat(iso)):%H:%M:%S %Z}"

"""Shared by sync_now and reset_sync: finding a connection's settings and printing a run."""

import json

from django.core.management.base import CommandError

from syncs.models import SyncRun, SyncSettings


def settings_named(name: str | None) -> list[SyncSettings]:
    queryset = SyncSettings.objects.select_related("connection").order_by("connection__name")
    if name:
        queryset = queryset.filter(connection__name=name)
        if not queryset.exists():
            raise CommandError(f"No Zoho connection named {name!r} has sync settings.")
    else:
        queryset = queryset.filter(enabled=True)
    return list(queryset)


def run_document(run: SyncRun) -> dict:
    return {
        "connection": run.settings.connection.name, "run": run.pk, "trigger": run.trigger, "status": run.status,
        "dry_run": run.dry_run, "counts": {k: getattr(run, k) for k in SyncRun.COUNTERS[:6]},
        "zoho_calls": run.zoho_calls, "credits": run.credits, "slices": run.slices,
        "waiting_until": run.resume_at.isoformat() if run.is_active and run.resume_at else None,
        "progress": {"done": run.progress_done, "total": run.progress_total},
        "error": run.error_summary, "report": run.report,
    }


def print_runs(command, runs: list[SyncRun], as_json: bool) -> None:
    documents = [run_document(run) for run in runs]
    if as_json:
        command.stdout.write(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        for doc in documents:
            counts = ", ".join(f"{k} {v}" for k, v in doc["counts"].items())
            command.stdout.write(
                f"{doc['connection']}: {doc['status']}{' (dry run)' if doc['dry_run'] else ''} — {counts}; "
                f"{doc['zoho_calls']} Zoho calls, {doc['credits']} credits"
                + (f"\n  {doc['error']}" if doc["error"] else "")
            )
    failed = [d for d in documents if d["status"] not in (SyncRun.Status.SUCCEEDED,)]
    if failed:
        raise CommandError("; ".join(f"{d['connection']}: {d['status']} {d['error']}".strip() for d in failed))

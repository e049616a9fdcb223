"""A sync run in the foreground (`sync_now`, `reset_sync`): it goes on in the command's process until it ends.

A command is not a worker, so it may wait. When Zoho says "not now" (the run is paused until `resume_at`) or is
still processing the Bulk Write jobs a run started (the run stopped "bulk_write"; the connection is due again in
about a minute, and the next run collects them), the command waits until then and goes on: the same run, or a new
run that collects the jobs. With `wait=False` it returns at the first wait instead, and the background carries on
(the tick continues a paused run at its time, and runs the connection when it is due).

The command holds the connection's claim from start to end, its waits included, and beats it while waiting, so
neither the tick nor a worker runs the connection at the same time (`syncs/claims.py`: their `run_sync` cannot
claim it, and a due connection that is claimed is not scheduled). A Ctrl-C during a wait releases the claim: the
run is left to the background continuation, which is already scheduled.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from syncs import claims
from syncs.engine import Hooks, run_sync
from syncs.models import SyncRun, SyncSettings

BEAT_SECONDS = 30  # the claim's heartbeat while waiting, well inside claims.STALE_AFTER


@dataclass
class Foreground:
    """What a foreground command did for one connection: the engine runs it went through (a Bulk Write wait ends
    one run; the next collects the jobs), and, when it returned at a wait, what for and until when."""

    runs: list[SyncRun] = field(default_factory=list)
    waiting_for: str = ""  # a SyncRun.StopReason: bulk_write, rate_limited, transient…
    waiting_until: datetime | None = None
    interrupted: bool = False  # Ctrl-C during a wait

    @property
    def last(self) -> SyncRun:
        return self.runs[-1]

    @property
    def waiting(self) -> bool:
        return self.waiting_until is not None


def wait_ahead(run: SyncRun, sync_settings: SyncSettings) -> datetime | None:
    """When this run (or the connection's next run) goes on, if it stopped only to wait for Zoho; else None."""
    if run.status == SyncRun.Status.QUEUED and run.resume_at:
        return run.resume_at  # paused: a rate limit, Zoho unavailable
    if not run.is_active and run.stop_reason == SyncRun.StopReason.BULK_WRITE:
        sync_settings.refresh_from_db(fields=["next_sync_at"])
        return sync_settings.next_sync_at or timezone.now()
    return None


def wait_until(moment: datetime, sleep: Callable[[float], None], still_ours: Callable[[], bool]) -> bool:
    """Sleep until `moment` in steps, keeping the claim alive after each; False when the claim was lost. The
    steps are counted from the start, so a test's sleep that does not move the clock still ends the wait."""
    left = (moment - timezone.now()).total_seconds()
    while left > 0:
        step = min(left, BEAT_SECONDS)
        sleep(step)
        left -= step
        if not still_ours():
            return False
    return True


def run_in_foreground(sync_settings: SyncSettings, trigger: str = SyncRun.Trigger.MANUAL, *,
                      run: SyncRun | None = None, wait: bool = True, hooks: Hooks | None = None,
                      say: Callable[[str], None] = lambda line: None) -> Foreground | None:
    """Run a new sync, or go on with `run` (a reset already queued, or already ended by a worker), in this
    process until it ends; None when another run holds the connection. `hooks.sleep` is how it waits (tests
    replace it); `say` gets a line for each wait."""
    hooks = hooks or Hooks()
    if run is not None and not run.is_active and wait_ahead(run, sync_settings) is None:
        return Foreground([run])  # a worker already ran it to the end
    owner = claims.new_owner()
    if not claims.claim(sync_settings.pk, owner):
        return None
    result = Foreground()
    try:
        while True:
            if run is None or run.is_active:
                went_on = run_sync(sync_settings, trigger, run=run, hooks=hooks, foreground=True, owner=owner)
                if went_on is None:
                    return result if result.runs else None
                run = went_on
                run.refresh_from_db()
                result.waiting_for, result.waiting_until = "", None
            if not result.runs or result.last.pk != run.pk:
                result.runs.append(run)
            moment = wait_ahead(run, sync_settings)
            if moment is None:
                return result
            result.waiting_for, result.waiting_until = run.stop_reason, moment
            if not wait:
                return result
            say(waiting_line(run, moment))
            try:
                if not wait_until(moment, hooks.sleep, lambda: claims.heartbeat(sync_settings.pk, owner)):
                    return result  # another process took the connection over: it goes on there
            except KeyboardInterrupt:
                result.interrupted = True
                return result
            if not run.is_active:  # the jobs' run ended; a new run collects them, as the tick's would
                run = None
                trigger = SyncRun.Trigger.MANUAL if trigger == SyncRun.Trigger.RESET else trigger
    finally:
        claims.release(sync_settings.pk, owner)


def waiting_line(run: SyncRun, moment: datetime) -> str:
    at = f"{timezone.localtime(moment):%H:%M:%S %Z}"
    if run.stop_reason == SyncRun.StopReason.BULK_WRITE:
        what = f"run #{run.pk} waits for Zoho's Bulk Write jobs; the next check is at {at}"
    else:
        what = f"run #{run.pk} waits for Zoho until {at} ({run.get_stop_reason_display()})"
    return (f"{run.settings.connection.name}: {what}. It goes on in this process; Ctrl-C leaves it to the "
            "background worker.")

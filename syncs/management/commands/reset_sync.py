import time

from django.core.management.base import BaseCommand, CommandError

from syncs.engine import Hooks
from syncs.foreground import run_in_foreground
from syncs.management.commands._runs import add_wait_arguments, print_results, settings_named
from syncs.models import SyncRun
from syncs.reset import start_reset


class Command(BaseCommand):
    help = ("Reset Synchronisation: forget what was sent and resend every customer (no duplicates: by email). Runs "
            "in the foreground until the reset ends, waits for Zoho included, unless --no-wait.")

    sleep = staticmethod(time.sleep)  # how the command waits for Zoho (tests give one that moves their clock)

    def add_arguments(self, parser):
        parser.add_argument("--connection", required=True, help="the Zoho connection's name")
        parser.add_argument("--yes", action="store_true", help="confirm the reset")
        add_wait_arguments(parser)

    def handle(self, *args, connection, yes=False, json=False, no_wait=False, **options):
        if not yes:
            raise CommandError("A reset resends every customer. Confirm with --yes.")
        (sync_settings,) = settings_named(connection)
        run = start_reset(sync_settings)
        # With a worker the reset may already run in the background; otherwise this process runs it, slice after
        # slice, and goes on after its waits for Zoho (its Bulk Write jobs are collected by a next run).
        run.refresh_from_db()
        result = run_in_foreground(sync_settings, SyncRun.Trigger.RESET, run=run, wait=not no_wait,
                                   hooks=Hooks(sleep=self.sleep), say=self.stderr.write)
        if result is None:
            run.refresh_from_db()
            raise CommandError(f"Reset #{run.pk} is running in another worker ({run.progress_done}/"
                               f"{run.progress_total}).")
        print_results(self, [result], json)

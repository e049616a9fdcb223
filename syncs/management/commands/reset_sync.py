from django.core.management.base import BaseCommand, CommandError

from syncs.engine import run_sync
from syncs.management.commands._runs import print_runs, settings_named
from syncs.models import SyncRun
from syncs.reset import start_reset


class Command(BaseCommand):
    help = "Reset Synchronisation: forget what was sent and resend every customer (no duplicates: by email)."

    def add_arguments(self, parser):
        parser.add_argument("--connection", required=True, help="the Zoho connection's name")
        parser.add_argument("--yes", action="store_true", help="confirm the reset")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, connection, yes=False, json=False, **options):
        if not yes:
            raise CommandError("A reset resends every customer. Confirm with --yes.")
        (sync_settings,) = settings_named(connection)
        run = start_reset(sync_settings)
        # With a worker the reset runs in the background; in the foreground finish it here.
        run.refresh_from_db()
        if run.is_active:  # slice after slice in this process (a worker may hold it: then it says so below)
            run_sync(sync_settings, SyncRun.Trigger.RESET, run=run, foreground=True)
            run.refresh_from_db()
        if run.is_active:
            raise CommandError(f"Reset #{run.pk} is running in another worker ({run.progress_done}/"
                               f"{run.progress_total}).")
        print_runs(self, [SyncRun.objects.select_related("settings__connection").get(pk=run.pk)], json)

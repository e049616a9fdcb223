from django.core.management.base import BaseCommand, CommandError

from syncs.engine import run_sync
from syncs.management.commands._runs import print_runs, settings_named
from syncs.models import SyncRun
from syncs.services import dry_run as preview


class Command(BaseCommand):
    help = "Sync one connection (or every saved one) now, in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("--connection", help="the Zoho connection's name (default: every saved connection)")
        parser.add_argument("--dry-run", action="store_true", help="compute what would be sent; send nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, connection=None, dry_run=False, json=False, **options):
        targets = settings_named(connection)
        if not targets:
            raise CommandError("No saved sync settings: connect Zoho and save its sync settings first.")
        runs = []
        for sync_settings in targets:
            if dry_run:
                run = preview(sync_settings)
            else:
                run = run_sync(sync_settings, SyncRun.Trigger.MANUAL, foreground=True)
            if run is None:
                raise CommandError(f"{sync_settings.connection.name}: another run is in progress.")
            runs.append(run)
        print_runs(self, runs, json)

import time

from django.core.management.base import BaseCommand, CommandError

from syncs.engine import Hooks
from syncs.foreground import Foreground, run_in_foreground
from syncs.management.commands._runs import add_wait_arguments, print_results, settings_named
from syncs.models import SyncRun
from syncs.services import dry_run as preview


class Command(BaseCommand):
    help = ("Sync one connection (or every saved one) now, in the foreground, until the run ends: waits for Zoho "
            "(a rate limit, Bulk Write jobs) happen here unless --no-wait.")

    sleep = staticmethod(time.sleep)  # how the command waits for Zoho (tests give one that moves their clock)

    def add_arguments(self, parser):
        parser.add_argument("--connection", help="the Zoho connection's name (default: every saved connection)")
        parser.add_argument("--dry-run", action="store_true", help="compute what would be sent; send nothing")
        add_wait_arguments(parser)

    def handle(self, *args, connection=None, dry_run=False, json=False, no_wait=False, **options):
        targets = settings_named(connection)
        if not targets:
            raise CommandError("No saved sync settings: connect Zoho and save its sync settings first.")
        results = []
        for sync_settings in targets:
            if dry_run:
                run = preview(sync_settings)
                result = Foreground([run]) if run else None
            else:
                result = run_in_foreground(sync_settings, SyncRun.Trigger.MANUAL, wait=not no_wait,
                                           hooks=Hooks(sleep=self.sleep), say=self.stderr.write)
            if result is None:
                raise CommandError(f"{sync_settings.connection.name}: another run is in progress.")
            results.append(result)
            if result.interrupted:
                break
        print_results(self, results, json)

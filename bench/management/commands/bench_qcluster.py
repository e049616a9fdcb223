from django.core.management.base import BaseCommand, CommandError

from bench.management.commands._scratch import measure_on_scratch
from bench.resilience import sync_under_qcluster


class Command(BaseCommand):
    help = ("A whole first sync by one real `qcluster` process with a short worker timeout and slice: does it "
            "finish, in how many slices, with no task killed for overrunning and no duplicate (scratch databases).")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100000)
        parser.add_argument("--q-timeout", type=int, default=60)
        parser.add_argument("--slice-seconds", type=int, default=30)
        parser.add_argument("--deadline", type=int, default=5400, help="give up after this many seconds")
        parser.add_argument("--json", action="store_true", help="print one JSON document (the report always is one)")
        parser.add_argument("--output", help="also write the JSON document to this file")

    def handle(self, *args, customers, q_timeout, slice_seconds, deadline, output, **options):
        report = measure_on_scratch(self, "bench_qcluster", output, lambda progress: sync_under_qcluster(
            customers, q_timeout, slice_seconds, deadline, progress))
        if not report["finished"] or report["duplicates_in_zoho"]["within_a_module"]:
            raise CommandError("The sync did not finish, or Zoho holds duplicates: see the report.")

from django.core.management.base import BaseCommand, CommandError

from bench.management.commands._scratch import measure_on_scratch
from bench.resilience import kill_mid_send


class Command(BaseCommand):
    help = ("kill -9 of `sync_now` in the middle of sending, then a new `sync_now`: duplicates in Zoho and the "
            "second run's writes against what the first left unconfirmed (on scratch databases).")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=10000)
        parser.add_argument("--kill-after-upserts", type=int, default=30, help="kill once Zoho has this many upserts")
        parser.add_argument("--bulk", choices=("auto", "off"), default="off")
        parser.add_argument("--q-timeout", type=int, default=60, help="the processes' Q_TIMEOUT (claims go stale "
                                                                      "after it, at most 3 minutes)")
        parser.add_argument("--json", action="store_true", help="print one JSON document (the report always is one)")
        parser.add_argument("--output", help="also write the JSON document to this file")

    def handle(self, *args, customers, kill_after_upserts, bulk, q_timeout, output, **options):
        report = measure_on_scratch(self, "bench_kill", output, lambda progress: kill_mid_send(
            customers, kill_after_upserts, bulk == "auto", q_timeout, progress))
        duplicates = report["duplicates_in_zoho"]
        if duplicates["within_a_module"] or duplicates["contact_and_lead"] or report["second_run"]["exit_code"]:
            raise CommandError("Duplicates in Zoho, or the second run failed: see the report.")

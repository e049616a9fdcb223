import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bench.isolation import scratch_databases
from bench.resilience import kill_mid_send
from bench.server import serving_app


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

    def handle(self, *args, customers, kill_after_upserts, bulk, q_timeout, json, output, **options):
        def progress(message):
            print(f"bench_kill: {message}", file=sys.stderr, flush=True)

        with scratch_databases(), serving_app():
            report = kill_mid_send(customers, kill_after_upserts, bulk == "auto", q_timeout, progress)
        write(self, report, output)
        second = report["second_run"]
        if report["duplicates_in_zoho"]["within_a_module"] or report["duplicates_in_zoho"]["contact_and_lead"] \
                or second["exit_code"]:
            raise CommandError("Duplicates in Zoho, or the second run failed: see the report.")


def write(command, report: dict, output: str | None) -> None:
    document = json.dumps(report, indent=2, default=str)
    if output:
        with open(output, "w") as handle:
            handle.write(document + "\n")
    command.stdout.write(document)  # the report is one JSON document either way

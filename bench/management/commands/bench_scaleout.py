import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bench.isolation import scratch_databases
from bench.scaleout import run_scaleout
from bench.server import serving_app


class Command(BaseCommand):
    help = ("Throughput against django-q2 workers: K connections due at once to one Zoho org with a concurrency "
            "limit, synced by real qcluster processes (on scratch copies of the configured database and broker).")

    def add_arguments(self, parser):
        parser.add_argument("--workers", default="1,2,4,8", help="worker counts to measure, comma-separated")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--customers", type=int, default=1000)
        parser.add_argument("--org-limit", type=int, default=4, help="the org's concurrent-call limit")
        parser.add_argument("--latency-ms", type=int, default=300, help="latency the Zoho sandbox adds per call")
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument("--output", help="also write the JSON document to this file")

    def handle(self, *args, workers, connections, customers, org_limit, latency_ms, json, output, **options):
        try:
            counts = tuple(int(n) for n in workers.split(","))
        except ValueError:
            raise CommandError("--workers takes numbers, e.g. 1,2,4,8.")

        def progress(message):
            print(f"bench_scaleout: {message}", file=sys.stderr, flush=True)

        with scratch_databases(), serving_app():
            report = run_scaleout(counts, connections, customers, org_limit, latency_ms, progress=progress)
        unfinished = [r for r in report["results"] if r["runs_finished"] < r["connections"]]
        document = dumps(report)
        if output:
            with open(output, "w") as handle:
                handle.write(document + "\n")
        if json:
            self.stdout.write(document)
        else:
            self.stdout.write(table(report))
        if unfinished:
            raise CommandError(f"Some runs did not finish in time: {unfinished}")


def dumps(report) -> str:
    return json.dumps(report, indent=2, default=str)


def table(report) -> str:
    lines = [f"{report['connections']} connections to one org (limit {report['org_concurrency_limit']} in flight), "
             f"{report['customers']} customers each, {report['latency_ms']} ms per Zoho call, "
             f"{report['database']} + {report['broker']} broker",
             f"{'workers':>7} {'clusters':>8} {'wall s':>8} {'records/s':>10} {'calls/s':>8} {'peak slots':>10} "
             f"{'429s':>5} {'runs/conn':>9}"]
    for r in report["results"]:
        lines.append(f"{r['workers']:>7} {r['clusters']:>8} {r['wall_seconds']:>8} {r['records_per_second']:>10} "
                     f"{r['calls_per_second']:>8} {r['peak_slots_in_use']:>10} {r['zoho_429s']:>5} "
                     f"{r['max_runs_per_connection']:>9}")
    return "\n".join(lines)

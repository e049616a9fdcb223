import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from bench.isolation import scratch_databases
from bench.runner import RUNS, BenchError, run_benchmark, totals
from bench.server import serving_app

NEVER = 10**12  # --bulk off: no send is that big


class Command(BaseCommand):
    help = ("Benchmark the sync engine against the naive per-record sync on N deterministic sandbox customers "
            "(initial sync, unchanged rerun, rerun with a fraction changed), over real HTTP.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True, help="customers in the sandbox shop")
        parser.add_argument("--changed-fraction", type=float, default=0.01, help="share changed before run 3")
        parser.add_argument("--latency-ms", type=int, default=0, help="latency the Zoho sandbox adds per call")
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument("--no-naive", action="store_true", help="measure the engine only")
        parser.add_argument("--naive-runs", default=",".join(RUNS), help="which naive runs to measure (each costs "
                            "2 calls per customer whatever changed), comma-separated; default all three")
        parser.add_argument("--naive-limit", type=int, help="run the naive baseline on the first M customers only "
                            "and scale its totals (labelled as extrapolated)")
        parser.add_argument("--trace-memory", action="store_true", help="also measure the Python heap peak with "
                            "tracemalloc (slower: use separate runs for time and for memory)")
        parser.add_argument("--in-process-server", action="store_true", help="serve the sandbox from a thread of "
                            "this process instead of a child process (it then shares the engine's GIL and heap)")
        parser.add_argument("--in-place", action="store_true", help="use the configured databases instead of "
                            "scratch ones (refused if other stores would be synced)")
        parser.add_argument("--bulk", choices=("auto", "off"), default="auto", help="auto: big sends use Zoho's "
                            "Bulk Write (more than BULK_WRITE_MIN_ROWS records), as in production; off: upserts only")
        parser.add_argument("--output", help="also write the JSON document to this file")

    def handle(self, *args, customers, changed_fraction, latency_ms, json, no_naive, naive_runs, naive_limit,
               trace_memory, in_place, output, in_process_server=False, bulk="auto", **options):
        naive_runs = () if no_naive else tuple(run.strip() for run in naive_runs.split(",") if run.strip())
        if set(naive_runs) - set(RUNS):
            raise CommandError(f"--naive-runs takes {', '.join(RUNS)}.")
        if customers < 1 or not 0 <= changed_fraction <= 1 or latency_ms < 0:
            raise CommandError("--customers must be ≥ 1, --changed-fraction in [0, 1], --latency-ms ≥ 0.")

        def progress(message):
            print(f"bench: {message}", file=sys.stderr, flush=True)

        bulk_settings = override_settings(BULK_WRITE_MIN_ROWS=NEVER if bulk == "off" else settings.BULK_WRITE_MIN_ROWS)
        try:
            bulk_settings.enable()
            if in_place:
                report = self.measure(customers, changed_fraction, latency_ms, naive_runs, naive_limit,
                                      trace_memory, progress, not in_process_server)
            else:
                progress("creating scratch databases…")
                with scratch_databases():
                    report = self.measure(customers, changed_fraction, latency_ms, naive_runs, naive_limit,
                                          trace_memory, progress, not in_process_server)
        except BenchError as exc:
            raise CommandError(str(exc))
        finally:
            bulk_settings.disable()
        report["bulk"] = {"mode": bulk, "min_rows": None if bulk == "off" else settings.BULK_WRITE_MIN_ROWS}
        document = dumps(report)
        if output:
            with open(output, "w") as handle:
                handle.write(document + "\n")
        if json:
            self.stdout.write(document)
        else:
            self.stdout.write(table(report))

    @staticmethod
    def measure(customers, fraction, latency_ms, naive_runs, naive_limit, trace_memory, progress, separate_process):
        with serving_app(separate_process=separate_process) as served:
            report = run_benchmark(customers, fraction=fraction, latency_ms=latency_ms, naive_runs=naive_runs,
                                   naive_limit=naive_limit, trace_memory=trace_memory, busy=served.busy,
                                   progress=progress)
        report["server"] = "child process" if separate_process else "thread of the benchmarking process"
        return report


def dumps(report) -> str:
    return json.dumps(report, indent=2, sort_keys=False, default=str)


def table(report: dict) -> str:
    lines = [f"{report['customers']} customers, {report['changed_fraction']:.0%} changed, "
             f"{report['latency_ms']} ms Zoho latency",
             f"{'run':<10} {'who':<6} {'calls':>8} {'credits':>8} {'wall s':>9} {'rec/s':>9} {'heap MB':>8} "
             f"{'RSS MB':>7} {'queries':>8} {'q/batch':>8} {'own r/s':>9}"]
    for run in RUNS:
        for who in ("ours", "naive"):
            side = report[who].get(run)
            if not side:
                continue
            mark = "*" if "extrapolated" in side else ""
            lines.append(
                f"{run:<10} {who:<6} {totals(side, 'zoho_calls'):>8}{mark} {totals(side, 'credits'):>7} "
                f"{totals(side, 'wall_seconds'):>9} {side['records_per_second'] or '-':>9} "
                f"{side['peak_heap_mb'] or '-':>8} {side['peak_rss_mb'] or '-':>7} {side['db_queries']:>8} "
                f"{side['db_queries_per_batch']['max'] or '-':>8} {side['own_records_per_second']:>9}")
        ratio = report.get("ratios", {}).get(run)
        if ratio:
            lines.append(f"{'':<10} naive/ours: calls ×{ratio['zoho_calls']}, credits ×{ratio['credits']}, "
                         f"wall ×{ratio['wall_seconds']}")
    if any("extrapolated" in side for side in report["naive"].values()):
        lines.append("* naive measured on a slice of the customers and scaled linearly (extrapolated)")
    return "\n".join(lines)

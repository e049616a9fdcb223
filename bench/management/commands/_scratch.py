"""What the resilience benchmarks' commands share: scratch databases, the served app, progress on stderr and one
JSON document on stdout (and in --output)."""

import json
import sys

from bench.isolation import scratch_databases
from bench.server import serving_app


def measure_on_scratch(command, name: str, output: str | None, measure) -> dict:
    """Run `measure(progress)` on scratch databases with the app served, print its report, return it."""
    def progress(message):
        print(f"{name}: {message}", file=sys.stderr, flush=True)

    with scratch_databases(), serving_app():
        report = measure(progress)
    document = json.dumps(report, indent=2, default=str)
    if output:
        with open(output, "w") as handle:
            handle.write(document + "\n")
    command.stdout.write(document)  # the report is one JSON document either way
    return report

"""What one benchmark phase costs: Zoho calls and credits (from the sandbox's own call log, as Zoho bills them),
wall seconds, peak memory, and database queries of this thread (the engine's; the server threads' sandbox
queries are the outside services' and are not counted)."""

import math
import re
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from django.db import connections
from django.db.models import Count, Sum
from django.test.utils import override_settings

from sandbox.zoho.models import ApiCall, Org

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
UPSERT = re.compile(r"^/sandbox/zoho/crm/v8/(\w+)/upsert")


class QueryCounter:
    """`connection.execute_wrapper` for the default database: counts every statement this thread runs."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def reset_peak_rss() -> bool:
    """Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM, so each phase gets its own peak RSS."""
    try:
        CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float | None:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


class Phase:
    """Context manager; `result` is a dict once the block is left."""

    def __init__(self, org: Org, records: int, trace_memory: bool = False, busy=None):
        self.org, self.records, self.trace_memory, self.busy = org, records, trace_memory, busy
        self.queries = QueryCounter()
        self.batch_queries: list[int] = []
        self._last_mark = 0
        self.result: dict = {}

    def mark_batch(self, *_args) -> None:
        """Called after every recorded batch: the statements since the previous batch."""
        self.batch_queries.append(self.queries.count - self._last_mark)
        self._last_mark = self.queries.count

    def __enter__(self):
        # As in production (DEBUG off): with DEBUG on, Django keeps the last 9,000 statements of every connection,
        # bulk inserts included, which is memory that grows with N and is not the engine's.
        self._production = override_settings(DEBUG=False)
        self._production.enable()
        self.first_call = ApiCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.rss_reset = reset_peak_rss()
        if self.trace_memory:
            tracemalloc.start()
        self._wrapper = connections["default"].execute_wrapper(self.queries)
        self._wrapper.__enter__()
        self.busy_before = self.busy.seconds if self.busy else 0.0
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        wall = time.perf_counter() - self.started
        outside = (self.busy.seconds - self.busy_before) if self.busy else 0.0
        own = max(wall - outside, 1e-9)
        self._wrapper.__exit__(*exc_info)
        self._production.disable()
        heap_peak = None
        if self.trace_memory:
            heap_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        calls = ApiCall.objects.filter(org=self.org, pk__gt=self.first_call)
        totals = calls.aggregate(calls=Count("pk"), credits=Sum("credits"))
        upserts = Counter()
        for path in calls.filter(path__contains="/upsert").values_list("path", flat=True):
            match = UPSERT.match(path)
            if match:
                upserts[match.group(1)] += 1
        # The first interval runs from the phase's start: it holds the whole read phase, not one batch.
        first, batches = (self.batch_queries[0], sorted(self.batch_queries[1:])) if self.batch_queries else (None, [])
        self.result = {
            "zoho_calls": totals["calls"] or 0,
            "credits": totals["credits"] or 0,
            "upsert_calls": dict(sorted(upserts.items())),
            "bulk_write_jobs": calls.filter(method="POST", path__endswith="/crm/bulk/v8/write").count(),
            "wall_seconds": round(wall, 3),
            "records_per_second": round(self.records / wall, 1) if wall else None,
            # Wall time minus the time the sandboxed Zoho and Magento spent answering: this process's own work.
            "outside_seconds": round(outside, 3),
            "own_seconds": round(own, 3),
            "own_records_per_second": round(self.records / own, 1),
            "peak_heap_mb": round(heap_peak / 2**20, 1) if heap_peak is not None else None,
            "peak_rss_mb": peak_rss_mb() if self.rss_reset else None,
            "db_queries": self.queries.count,
            "db_queries_per_batch": {
                "batches": len(self.batch_queries),
                "read_phase_and_first_batch": first,
                "median": batches[len(batches) // 2] if batches else None,
                "max": batches[-1] if batches else None,
            },
        }
        return False


def expected_upserts(records_by_module: dict[str, int]) -> dict[str, int]:
    return {module: math.ceil(count / 100) for module, count in sorted(records_by_module.items()) if count}

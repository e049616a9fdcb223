"""Print the markdown tables of docs/benchmarks.md from the committed results in docs/bench/.

    .venv/bin/python -m scripts.bench_table
"""

import json
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "docs" / "bench"
RUNS = ("initial", "unchanged", "changed")


def figure(run: dict, key: str):
    extra = run.get("extrapolated") or {}
    value = extra.get(key, run.get(key))
    return f"{value:,}{'*' if key in extra else ''}" if isinstance(value, int | float) else "–"


def ratio(mine, theirs) -> str:
    if mine in (None, 0):
        return "∞ (ours 0)" if theirs else "–"
    return f"{theirs / mine:,.0f}×" if theirs / mine >= 10 else f"{theirs / mine:.1f}×"


def bulk_jobs(side: dict) -> str:
    """Files measured before the engine used Bulk Write have no such figure."""
    if "bulk_write_jobs" not in side:
        return "–"
    return f"{side['bulk_write_jobs']} ({side.get('engine_runs', 1)})" if side["bulk_write_jobs"] else "0"


def value(run, key):
    return (run.get("extrapolated") or {}).get(key, run.get(key))


def main():
    print("| N | run | who | Zoho calls | credits | Bulk Write jobs (engine runs) | wall s | rec/s | own rec/s | "
          "peak RSS MB | DB queries | queries/batch (median) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    reports = sorted((json.loads(p.read_text()) for p in BENCH.glob("n*.json") if p.stem[1:].isdigit()),
                     key=lambda r: r["customers"])
    for report in reports:
        for run in RUNS:
            for who in ("ours", "naive"):
                side = report[who].get(run)
                if not side:
                    continue
                print(f"| {report['customers']:,} | {run} | {who} | {figure(side, 'zoho_calls')} | "
                      f"{figure(side, 'credits')} | {bulk_jobs(side)} | {figure(side, 'wall_seconds')} | "
                      f"{side['records_per_second']:,} | "
                      f"{side.get('own_records_per_second', '–'):,} | {side['peak_rss_mb']} | {side['db_queries']:,} | "
                      f"{side['db_queries_per_batch']['median'] or '–'} |")
    print()
    print("| N | run | calls naive/ours | credits naive/ours | wall naive/ours |")
    print("|---|---|---|---|---|")
    for report in reports:
        for run in RUNS:
            ours, naive = report["ours"].get(run), report["naive"].get(run)
            if not ours or not naive:
                continue
            mark = "*" if "extrapolated" in naive else ""
            print(f"| {report['customers']:,} | {run} | "
                  + " | ".join(ratio(value(ours, k), value(naive, k)) + mark
                               for k in ("zoho_calls", "credits", "wall_seconds")) + " |")
    for pattern, title in (("memory_n*.json", "DEBUG off, as in production"),
                           ("debug_on_memory_n*.json", "DEBUG on: Django's debug query log included")):
        memory_table(pattern, title)
    bulk_table()
    kill_table()
    qcluster_table()


def results(pattern: str) -> list[dict]:
    return sorted((json.loads(p.read_text()) for p in BENCH.glob(pattern)), key=lambda r: r["customers"])


def table_head(*columns: str) -> None:
    print()
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))


def bulk_table():
    """First syncs by Bulk Write (`bench_sync --bulk auto` above BULK_WRITE_MIN_ROWS): n<N>_bulk.json."""
    reports = results("n*_bulk.json")
    if not reports:
        return
    table_head("N", "run", "Zoho calls", "credits", "Bulk Write jobs", "engine runs (slices)", "wall s", "own s",
               "own rec/s", "records sent")
    for report in reports:
        for run in RUNS:
            side = report["ours"].get(run)
            if not side:
                continue
            sent = sum((side.get("records_sent") or {}).values())
            print(f"| {report['customers']:,} | {run} | {side['zoho_calls']:,} | {side['credits']:,} | "
                  f"{side.get('bulk_write_jobs', 0)} | {side.get('engine_runs', 1)} ({side.get('slices', '–')}) | "
                  f"{side['wall_seconds']:,} | {side['own_seconds']:,} | {side['own_records_per_second']:,} | "
                  f"{sent:,} |")


def kill_table():
    """`bench_kill`: kill -9 of sync_now mid-send, then a new sync_now: kill_n<N>.json."""
    reports = results("kill_n*.json")
    if not reports:
        return
    table_head("N", "sending by", "upserts before the kill", "confirmed / held by Zoho at the kill",
               "second run: records sent", "its upserts (needed)", "duplicates in Zoho")
    for r in reports:
        first, second, dup = r["first_run"], r["second_run"], r["duplicates_in_zoho"]
        print(f"| {r['customers']:,} | {'Bulk Write' if r['bulk'] == 'auto' else 'upserts'} | "
              f"{sum(first['upserts_before_kill'].values())} | {sum(first['records_confirmed'].values()):,} / "
              f"{first['records_held_by_zoho']:,} | {sum(second['records_confirmed_now'].values()):,} | "
              f"{sum(second['upserts'].values())} ({sum(second['upserts_needed'].values())}) | "
              f"{dup['within_a_module'] + dup['contact_and_lead']} of {dup['records']:,} records |")


def qcluster_table():
    """`bench_qcluster`: a whole first sync by a real qcluster with a short timeout: qcluster_n<N>.json."""
    reports = results("qcluster_n*.json")
    if not reports:
        return
    table_head("N", "Q_TIMEOUT s", "SYNC_SLICE_SECONDS", "finished", "runs", "slices", "worker timeouts", "wall s",
               "Zoho calls", "credits", "records confirmed", "duplicates in Zoho")
    for r in reports:
        dup = r["duplicates_in_zoho"]
        print(f"| {r['customers']:,} | {r['q_timeout']} | {r['sync_slice_seconds']} | "
              f"{'yes' if r['finished'] else 'no'} | {len(r['runs'])} | {r['slices']} | "
              f"{r['worker_timeouts_in_log']} | "
              f"{r['wall_seconds']:,} | {r['zoho_calls']:,} | {r['credits']:,} | "
              f"{sum(r['records_confirmed'].values()):,} | {dup['within_a_module'] + dup['contact_and_lead']} |")


def memory_table(pattern: str, title: str):
    memory = sorted((json.loads(p.read_text()) for p in BENCH.glob(pattern)), key=lambda r: r["customers"])
    if memory:
        print()
        print(f"| N | run | peak heap MB (tracemalloc, engine only; {title}) | peak RSS MB | DB queries | "
              "queries/batch (median, max) |")
        print("|---|---|---|---|---|---|")
        for report in memory:
            for run in RUNS:
                side = report["ours"][run]
                batch = side["db_queries_per_batch"]
                print(f"| {report['customers']:,} | {run} | {side['peak_heap_mb']} | {side['peak_rss_mb']} | "
                      f"{side['db_queries']:,} | {batch['median'] or '–'}, {batch['max'] or '–'} |")


if __name__ == "__main__":
    main()

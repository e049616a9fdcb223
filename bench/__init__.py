"""`manage.py bench_sync`: the real engine against the sandbox over real HTTP, measured, next to the naive
per-record sync (search by email, then create or update) on the same customers. See docs/benchmarks.md."""

from django.apps import AppConfig


class Config(AppConfig):
    """The benchmark commands (`bench_sync`, `bench_scaleout`); installed only with the sandbox they run against."""

    name = "bench"
    verbose_name = "Benchmarks"

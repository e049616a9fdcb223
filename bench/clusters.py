"""Real `manage.py qcluster` processes against this process's databases (the scale-out test and
`bench_scaleout`)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connections

ROOT = Path(settings.BASE_DIR)


def database_url(alias: str) -> str:
    """The URL of the database this process is using for `alias` (a test or scratch database)."""
    config = connections[alias].settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{credentials}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


def process_env(queue: str, site_url: str, workers: int = 1, settings_module: str = "bench.qcluster_settings",
                **extra: str) -> dict:
    """The environment of a `manage.py` process that works on this process's databases and benchmark server."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "SCALEOUT_QUEUE": queue,
            "SITE_URL": site_url, "SCALEOUT_WORKERS": str(workers), "DATABASE_URL": database_url("default"),
            "SANDBOX_DATABASE_URL": database_url("sandbox"), "LOG_STREAM": "stderr", "LOG_LEVEL": "WARNING",
            **extra}


class Clusters:
    """`count` qcluster processes, each in its own process group (stopped by group id, never by name)."""

    def __init__(self, count: int, queue: str, site_url: str, workers: int = 1, log_dir: Path | None = None,
                 settings_module: str = "bench.qcluster_settings", **extra_env: str):
        env = process_env(queue, site_url, workers, settings_module, **extra_env)
        self.logs = []
        self.processes = []
        for index in range(count):
            log = open((log_dir or ROOT / "var") / f"qcluster-{queue}-{index}.log", "w")  # noqa: SIM115
            self.logs.append(log)
            self.processes.append(subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()

    def output(self) -> str:
        return "\n".join(Path(log.name).read_text()[-3000:] for log in self.logs)

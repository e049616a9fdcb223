"""This app (and so the sandbox) served over real HTTP on 127.0.0.1 from a thread of the benchmarking process,
like Django's LiveServerThread: the engine and the naive baseline talk to it exactly as to Zoho and Magento."""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.test.utils import override_settings


class BusyClock:
    """Seconds the server spent answering requests: the outside services' share of a phase's wall time (the
    engine and the naive baseline call one at a time, so these intervals do not overlap)."""

    def __init__(self):
        self.seconds = 0.0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds


def timed(app, busy: BusyClock):
    """The WSGI app, adding each request's handling time to `busy` (not a keep-alive connection's idle time)."""

    def timed_app(environ, start_response):
        started = time.perf_counter()
        try:
            return app(environ, start_response)
        finally:
            busy.add(time.perf_counter() - started)

    return timed_app


class QuietHandler(WSGIRequestHandler):
    def setup(self):
        super().setup()
        # Django writes headers and body separately; without this, Nagle's algorithm and the client's delayed ACK
        # add ~40 ms to every keep-alive request (production servers such as gunicorn set it too).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # one line per request would drown the figures
        pass


@dataclass
class Served:
    url: str
    busy: BusyClock


@contextmanager
def serving_app(separate_process: bool = False):
    """Yields the server's base URL; SITE_URL points at it meanwhile (the sandbox's OAuth and API domains follow).
    `separate_process`: serve from a child process instead, so this process's heap holds the engine alone."""
    if separate_process:
        with serving_in_child() as served:
            yield served
        return
    logging.getLogger("django.server").setLevel(logging.WARNING)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    busy = BusyClock()
    server.set_app(timed(get_wsgi_application(), busy))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        with override_settings(SITE_URL=url, SANDBOX_ENABLED=True, ALLOW_PRIVATE_STORE_URLS=True,
                               ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"]):
            yield Served(url, busy)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serving_in_child():
    """`manage.py runserver` on a free port against this process's databases (a memory measurement must not count
    the outside services' allocations)."""
    from bench.clusters import ROOT, database_url

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.qcluster_settings", "SITE_URL": url,
           "SCALEOUT_QUEUE": "unused", "DATABASE_URL": database_url("default"),
           "SANDBOX_DATABASE_URL": database_url("sandbox"), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,  # noqa: S603 (fixed arguments)
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("The benchmark server did not start.")
                time.sleep(0.2)
        with override_settings(SITE_URL=url, SANDBOX_ENABLED=True, ALLOW_PRIVATE_STORE_URLS=True,
                               ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"]):
            yield Served(url, None)
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

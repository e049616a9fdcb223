"""This app (and so the sandbox) served over real HTTP on 127.0.0.1, like Django's LiveServerThread: the engine and
the naive baseline talk to it exactly as to Zoho and Magento. By default the server runs in a forked child process,
so the emulators neither share the engine's GIL nor count in its heap; the time it spends answering still reaches
the benchmark through a shared counter (`BusyClock`), so "own" figures stay the engine's."""

import logging
import multiprocessing
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test.utils import override_settings

FORK = multiprocessing.get_context("fork")


class BusyClock:
    """Seconds the server spent answering requests: the outside services' share of a phase's wall time (the
    engine and the naive baseline call one at a time, so these intervals do not overlap). Kept in shared memory,
    so a forked server process adds to the figure the benchmarking process reads."""

    def __init__(self):
        self._value = FORK.Value("d", 0.0)

    @property
    def seconds(self) -> float:
        return self._value.value

    def add(self, seconds: float) -> None:
        with self._value.get_lock():
            self._value.value += seconds


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
def serving_app(separate_process: bool = True):
    """Yields the server's URL and busy clock; SITE_URL points at it meanwhile (the sandbox's OAuth and API domains
    follow). `separate_process=False` serves from a thread of this process instead (one GIL for both sides)."""
    logging.getLogger("django.server").setLevel(logging.WARNING)
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    busy = BusyClock()
    server.set_app(timed(get_wsgi_application(), busy))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with override_settings(SITE_URL=url, SANDBOX_ENABLED=True, ALLOW_PRIVATE_STORE_URLS=True,
                           ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"]):
        if separate_process:
            with _forked(server):
                yield Served(url, busy)
        else:
            with _threaded(server):
                yield Served(url, busy)


@contextmanager
def _threaded(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _serve(server):
    server.serve_forever(poll_interval=0.1)


@contextmanager
def _forked(server):
    """The already listening server, run by a forked child (it inherits the settings and the socket; database
    connections are closed first so each process opens its own)."""
    connections.close_all()
    child = FORK.Process(target=_serve, args=(server,), daemon=True, name="bench-server")
    child.start()
    server.socket.close()  # the child accepts; this process only connects
    try:
        yield
    finally:
        child.terminate()
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()

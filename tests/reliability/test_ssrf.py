"""Store URLs are typed in by people: outside DEBUG only https to public addresses, checked in the form AND again
before every request (a row written some other way, or a name that now resolves elsewhere, gets no request)."""

import socket
import threading
import time

import pytest

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.http import StoreHTTP, check_store_url
from integrations.stores.sources.peer_guard import ADDRESS_REFUSED, is_refused
from syncs.engine import Hooks, run_sync
from tests.syncs.conftest import make_settings, no_sleep

PRIVATE = ["https://127.0.0.1/", "https://2130706433/", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/",
           "https://169.254.169.254/latest/meta-data/", "https://10.0.0.8/", "https://192.168.1.1/",
           "https://[fe80::1]/", "https://0.0.0.0/", "https://localhost/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_store_url_gets_no_request_at_sync_time_in_production(http, settings, url):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    sync_settings = make_settings()
    store = Store.objects.create(name="Sneaky", kind=Store.Kind.WOOCOMMERCE, base_url=url)
    store.set_credentials({"consumer_key": "ck_x", "consumer_secret": "cs_y"})
    store.save()
    run = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))
    run.refresh_from_db()
    assert run.status == "failed" and ADDRESS_REFUSED in run.error_summary
    assert not get_source(store).check().ok
    assert len(http.calls) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*PRIVATE[:4], "file:///etc/passwd", "gopher://shop.example/", "http://shop.example/"])
def test_the_store_form_refuses_unsafe_urls_in_production(admin_client, settings, url):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    response = admin_client.post("/stores/add/woocommerce/", {
        "name": "Sneaky", "base_url": url, "consumer_key": "ck_x", "consumer_secret": "cs_y", "is_my_store": "on",
        "enabled": "on", "customer_role": "all"})
    assert response.status_code == 200 and not Store.objects.exists()
    assert "errorlist" in response.content.decode()


class Listener:
    """A TCP server on 127.0.0.1 that records every byte any client sends (a TLS ClientHello counts)."""

    def __init__(self, answer=b""):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received, self.answer = [], answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                self.received.append(data)
                if data and self.answer:
                    conn.sendall(self.answer)


@pytest.fixture
def listener():
    server = Listener(answer=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                             b"Connection: close\r\n\r\n[]")
    yield server
    server.sock.close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """rebind.example resolves to a public address the first time (the check) and to 127.0.0.1 afterwards."""
    real, answers = socket.getaddrinfo, ["93.184.216.34"]

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        address = answers.pop(0) if answers else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.django_db
def test_dns_rebinding_is_refused_at_connect_time_before_a_byte_is_sent(settings, listener, rebinding_dns):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    http = StoreHTTP(f"https://rebind.example:{listener.port}")  # the check saw a public address
    with pytest.raises(SourceError) as refused:
        http.get("/wp-json/wc/v3/customers")
    assert refused.value.message == ADDRESS_REFUSED and refused.value.permanent
    deadline = time.monotonic() + 2
    while not listener.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.received in ([], [b""])  # the socket was closed before TLS or any request


@pytest.mark.django_db
def test_every_refused_address_gets_the_same_message(settings):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    messages = set()
    for url in ("https://10.0.0.8/", "https://[::1]/", "https://169.254.169.254/", "https://no-such-host.invalid/"):
        with pytest.raises(SourceError) as refused:
            check_store_url(url)
        messages.add(refused.value.message)
    assert len(messages) == 1 and "10.0.0.8" not in messages.pop()


@pytest.mark.django_db
def test_loopback_stays_usable_when_private_urls_are_allowed(settings, listener):
    settings.ALLOW_PRIVATE_STORE_URLS = True
    response = StoreHTTP(f"http://127.0.0.1:{listener.port}").get("/rest/V1/store/websites")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(("address", "allow_private", "refused"), [
    ("93.184.216.34", False, False), ("127.0.0.1", False, True), ("127.0.0.1", True, False),
    ("10.1.2.3", False, True), ("10.1.2.3", True, False), ("::ffff:127.0.0.1", False, True),
    ("169.254.169.254", True, True), ("fe80::1%eth0", True, True), ("100.100.100.200", True, True),
    ("fd00:ec2::254", True, True), ("0.0.0.0", True, True), ("224.0.0.1", True, True), ("not an ip", True, True),
])
def test_the_connect_time_policy(address, allow_private, refused):
    assert is_refused(address, allow_private) is refused

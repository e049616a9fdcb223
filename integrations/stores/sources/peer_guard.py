"""SSRF guard at connect time: a requests transport adapter that checks the address each connection actually
reached, after DNS and before a byte is sent (before TLS too), for every request and every redirect.

Checking a URL's host when it is saved is not enough: DNS may answer differently when requests resolves the name
again (DNS rebinding). Mount `PeerCheckingAdapter` on any `requests.Session` for http:// and https://. A refused
peer raises `RefusedAddress` (not an OSError, so neither urllib3 nor a `Retry` retries it). Every refusal has
the same message, `ADDRESS_REFUSED`, so the guard cannot be used to map a network.

Through an outbound proxy (requests honours HTTP(S)_PROXY) the peer is the proxy and the guard does not apply:
the proxy must then do the refusing.

Always refused: link-local (the cloud metadata service at 169.254.169.254 among them), other cloud metadata
addresses, multicast, unspecified and reserved addresses. Also refused unless `ALLOW_PRIVATE_STORE_URLS` (a
development machine, tests and the sandbox on 127.0.0.1): loopback, private and any other non-global address.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

ADDRESS_REFUSED = (
    "This store address is refused: a store must be reached on a public internet address (private, loopback, "
    "link-local and cloud metadata addresses are not allowed)."
)
METADATA = frozenset(ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "169.254.169.254"))


class RefusedAddress(Exception):
    """A connection reached an address the guard refuses; `str()` is always ADDRESS_REFUSED."""

    def __init__(self):
        super().__init__(ADDRESS_REFUSED)


def is_refused(address: str, allow_private: bool) -> bool:
    """Whether a connection to `address` (an IP, maybe with an IPv6 zone) must not be used."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return True
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip in METADATA or ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return True
    return not allow_private and not ip.is_global


def _private_allowed() -> bool:
    return settings.ALLOW_PRIVATE_STORE_URLS


class _Guarded:
    """Mixed into urllib3's connections: check the socket's peer right after the TCP connect."""

    allow_private: Callable[[], bool] = staticmethod(_private_allowed)

    def _new_conn(self):
        sock = super()._new_conn()
        try:
            peer = sock.getpeername()[0]
        except OSError:
            peer = ""
        if is_refused(peer, self.allow_private()):
            sock.close()
            raise RefusedAddress()
        return sock


class _GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class PeerCheckingAdapter(HTTPAdapter):
    """An HTTPAdapter whose direct connections refuse the addresses above."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guard(session):
    """Mount the adapter on `session` for both schemes; returns the session."""
    for prefix in ("http://", "https://"):
        session.mount(prefix, PeerCheckingAdapter())
    return session

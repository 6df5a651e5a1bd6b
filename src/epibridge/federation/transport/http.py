"""The peers' HTTP client: blocking, one kept-alive connection per peer, addresses checked.

Not the webhook client (``outbox/transport.py``): that one only POSTs and keeps at most 64 KiB
of an answer, and a pull answer carries a page of signed messages. A round talks to one peer
at a time, in order, so a plain ``http.client`` connection is enough. What is kept from the
webhooks is the guard against server-side request forgery: each new connection resolves the
peer's host, checks every address (``outbox.addresses``: public, or inside
``EPIBRIDGE_FEDERATION_ALLOWED_NETWORKS``) and connects to a checked one; TLS still verifies the
certificate against the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from epibridge.notifications.outbox.addresses import (
    IPNetwork,
    RefusedAddress,
    check_addresses,
    is_localhost_name,
)

USER_AGENT = "epibridge-federation/1"
#: Largest answer read from a peer (a pull page of signed messages stays far below it).
MAX_ANSWER = 64 * 1024 * 1024


class PeerUnreachable(Exception):
    """No HTTP answer came (refused, reset, timeout, DNS, TLS, refused address)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


def _addresses(host: str, port: int, networks: Sequence[IPNetwork]) -> list[str]:
    name = "127.0.0.1" if is_localhost_name(host) else host.strip("[]")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise PeerUnreachable(f"{host}: the host name does not resolve") from None
    found = list(dict.fromkeys(ipaddress.ip_address(str(i[4][0])) for i in infos))
    try:
        check_addresses(host, found, networks)
    except RefusedAddress as exc:
        raise PeerUnreachable(
            f"{exc}: peers reach public addresses only (or EPIBRIDGE_FEDERATION_ALLOWED_NETWORKS)"
        ) from None
    return [str(a) for a in found]


class _Checked(http.client.HTTPConnection):
    networks: Sequence[IPNetwork] = ()

    def connect(self) -> None:
        last: OSError | None = None
        for address in _addresses(self.host, self.port, self.networks):
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return
            except OSError as exc:
                last = exc
        raise last or OSError("no address")


class _CheckedTLS(http.client.HTTPSConnection):
    networks: Sequence[IPNetwork] = ()

    def connect(self) -> None:
        plain = _Checked(self.host, self.port, timeout=self.timeout)
        plain.networks = self.networks
        plain.connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(plain.sock, server_hostname=self.host)


class PeerClient:
    """Requests to peers; one connection per origin, opened again when the peer closed it."""

    def __init__(self, *, timeout: float = 15.0, allow_networks: Sequence[IPNetwork] = ()) -> None:
        self.timeout = timeout
        self.allow_networks = tuple(allow_networks)
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PeerUnreachable(f"{url}: not an http(s) URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = (parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {"User-Agent": USER_AGENT, **headers}
        for attempt in (1, 2):
            connection = self._connection(origin)
            try:
                connection.request(method, target, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read(MAX_ANSWER + 1)
                if len(data) > MAX_ANSWER:
                    raise PeerUnreachable(f"{url}: the answer is larger than {MAX_ANSWER} bytes")
                if response.will_close:
                    self._drop(origin)
                return Answer(response.status, data, response.getheader("content-type", ""))
            except PeerUnreachable:
                self._drop(origin)
                raise
            except (OSError, http.client.HTTPException) as exc:
                self._drop(origin)
                # A kept-alive connection the peer closed meanwhile: one fresh try.
                if attempt == 2 or not isinstance(
                    exc, http.client.RemoteDisconnected | BrokenPipeError | ConnectionResetError
                ):
                    raise PeerUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")

    def _connection(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection:
        connection = self._connections.get(origin)
        if connection is None:
            scheme, host, port = origin
            kind = _CheckedTLS if scheme == "https" else _Checked
            connection = kind(host, port, timeout=self.timeout)
            connection.networks = self.allow_networks  # type: ignore[attr-defined]
            self._connections[origin] = connection
        return connection

    def _drop(self, origin: tuple[str, str, int]) -> None:
        connection = self._connections.pop(origin, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for origin in list(self._connections):
            self._drop(origin)

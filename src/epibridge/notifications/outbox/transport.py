"""A small asyncio HTTP/1.1 client for webhook POSTs: keep-alive pools, bounded waits.

Why not httpx: measured on the 2-core benchmark machine, one webhook POST costs about 750 us of
CPU with ``httpx.Client`` (threads) and 1.2-3.4 ms with ``httpx.AsyncClient`` at 8-32 requests
in flight, against 16-37 us here (llhttp through ``httptools``, which uvicorn already brings).
At 10,000 webhooks per burst that difference is the whole CPU budget of the machine.

What it does, and only that: ``POST`` of a bytes body to an ``http``/``https`` URL, TLS with the
system's default verification (``ssl.create_default_context``: the system's CA store, or the
bundle named by ``SSL_CERT_FILE``/``SSL_CERT_DIR``), a keep-alive pool per origin with a cap on
its connections, responses by Content-Length, chunked or until close (through llhttp), and two
deadlines: one to connect and one for the whole exchange after it, so an endpoint that trickles
bytes cannot hold a slot longer than a hanging one. Redirects are not followed and no proxy is
used (webhook receivers are addressed directly, as with the former client's defaults minus proxy
variables).

Every new connection resolves the host itself, checks every address it got (``addresses``:
public, or inside ``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS``) and connects to a checked address (TLS
still verifies the certificate against the host name), so a name that changes its DNS answer
after the subscription was checked cannot reach an internal address. The answer's body is read
(to keep the connection usable) but never kept: what an endpoint says is not stored anywhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import httptools

from epibridge.notifications.outbox.addresses import (
    IPNetwork,
    RefusedAddress,
    check_addresses,
    is_localhost_name,
)

#: Bytes of a response body read before the connection is closed instead of kept alive.
MAX_BODY = 64 * 1024
_SAFE_PATH = "/%:@!$&'()*+,;=-._~?"


class TransportError(Exception):
    """The request failed before an HTTP answer arrived; ``kind`` classifies why.

    Kinds: ``connection_refused``, ``connection_reset``, ``connection_closed``, ``dns``,
    ``tls``, ``protocol`` (not an HTTP answer), ``network`` (any other socket error),
    ``timeout`` and ``refused_address``.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


class TransportTimeout(TransportError):
    """A deadline passed: ``phase`` is ``connect`` or ``read``."""

    def __init__(self, phase: str) -> None:
        super().__init__("timeout", f"{phase} timed out")
        self.phase = phase


class AddressRefused(TransportError):
    """The host resolved to an address webhooks may not reach; nothing was sent."""

    def __init__(self, refused: RefusedAddress) -> None:
        super().__init__("refused_address", str(refused))


def _os_error_kind(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection_reset"
    return "network"


@dataclass(frozen=True)
class Answer:
    status_code: int
    #: Empty unless the client was made with ``keep_body`` (benchmarks' load generator); the
    #: worker never keeps what a receiver says.
    body: bytes = b""


@dataclass(frozen=True)
class _Target:
    origin: tuple[str, str, int]
    host_header: str
    target: str


@dataclass
class _Response:
    """llhttp callbacks fill this in."""

    keep: bool = False
    body: bytearray = field(default_factory=bytearray)
    length: int = 0
    complete: bool = False
    headers_done: bool = False
    too_long: bool = False

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, chunk: bytes) -> None:
        # Counted, never kept: the answer's text is none of our business (nor the owner's).
        self.length += len(chunk)
        if self.length > MAX_BODY:
            self.too_long = True
        elif self.keep:
            self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False

    def close(self) -> None:
        self.writer.close()


def _parse(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("protocol", "not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    default = port == (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE_PATH)
    return _Target(
        origin=(parts.scheme, host, port),
        host_header=shown if default else f"{shown}:{port}",
        target=path,
    )


def _head(target: _Target, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {target.target} HTTP/1.1", f"Host: {target.host_header}"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise TransportError("protocol", f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class WebhookClient:
    """POSTs with keep-alive; at most ``per_origin`` connections to one scheme/host/port."""

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        per_origin: int = 64,
        allow_networks: Sequence[IPNetwork] = (),
        keep_body: bool = False,
    ) -> None:
        self.allow_networks = tuple(allow_networks)
        self.keep_body = keep_body
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.per_origin = per_origin
        self._idle: defaultdict[tuple[str, str, int], list[_Connection]] = defaultdict(list)
        self._slots: dict[tuple[str, str, int], asyncio.Semaphore] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """Send one POST; raise ``TransportTimeout``/``TransportError`` when no answer came."""
        target = _parse(url)
        head = _head(target, headers, len(body))
        slots = self._slots.get(target.origin)
        if slots is None:
            slots = self._slots[target.origin] = asyncio.Semaphore(self.per_origin)
        async with slots:
            connection = self._take(target.origin)
            if connection is not None:
                try:
                    return await self._exchange(target, connection, head, body)
                except _StaleConnection:
                    pass  # the server closed a kept-alive connection meanwhile: one new try
            connection = await self._connect(target.origin)
            try:
                return await self._exchange(target, connection, head, body)
            except _StaleConnection:
                raise TransportError(
                    "connection_closed", "the server closed the connection without answering"
                ) from None

    def _take(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle[origin]
        while idle:
            connection = idle.pop()
            if not connection.reader.at_eof() and not connection.writer.is_closing():
                return connection
            connection.close()
        return None

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        tls: ssl.SSLContext | None = None
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        try:
            async with asyncio.timeout(self.connect_timeout):
                addresses = await self._resolve(host, port)
                last: Exception | None = None
                for address in addresses:
                    try:
                        reader, writer = await asyncio.open_connection(
                            str(address),
                            port,
                            ssl=tls,
                            server_hostname=host if tls else None,
                            limit=MAX_BODY,
                        )
                    except ssl.SSLError:
                        raise
                    except OSError as exc:
                        last = exc  # the next address may answer
                        continue
                    return _Connection(reader, writer)
                assert last is not None
                raise last
        except TimeoutError:
            raise TransportTimeout("connect") from None
        except ssl.SSLCertVerificationError as exc:
            # Say plainly why: the operator must fix the receiver's certificate or trust its CA.
            raise TransportError("tls", f"certificate not trusted: {exc.verify_message}") from None
        except ssl.SSLError as exc:
            raise TransportError("tls", exc.reason or type(exc).__name__) from None
        except OSError as exc:
            raise TransportError(_os_error_kind(exc), type(exc).__name__) from None

    async def _resolve(
        self, host: str, port: int
    ) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        """Every address of ``host``, each checked; raise ``AddressRefused`` if one is not allowed.

        A name with one internal address among public ones is refused as a whole: which one a
        connection gets is the resolver's choice, not ours.
        """
        host_to_resolve = "127.0.0.1" if is_localhost_name(host) else host
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host_to_resolve, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise TransportError("dns", "the host name does not resolve") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(str(i[4][0])) for i in infos))
        try:
            check_addresses(host, addresses, self.allow_networks)
        except RefusedAddress as exc:
            raise AddressRefused(exc) from None
        return addresses

    async def _exchange(
        self, target: _Target, connection: _Connection, head: bytes, body: bytes
    ) -> Answer:
        reused = connection.used
        connection.used = True
        response = _Response(keep=self.keep_body)
        parser = httptools.HttpResponseParser(response)
        received = 0
        keep = False
        try:
            async with asyncio.timeout(self.read_timeout):
                connection.writer.write(head + body)
                await connection.writer.drain()
                while not response.complete and not response.too_long:
                    data = await connection.reader.read(65536)
                    if not data:
                        break
                    received += len(data)
                    parser.feed_data(data)
            if not response.complete and not response.headers_done:
                if reused and received == 0:
                    raise _StaleConnection
                raise TransportError(
                    "connection_closed", "the connection closed before a complete answer"
                )
            # A body read until the close is complete at the close (HTTP/1.0 style answers).
            keep = response.complete and parser.should_keep_alive()
            return Answer(parser.get_status_code(), bytes(response.body))
        except TimeoutError:
            raise TransportTimeout("read") from None
        except httptools.HttpParserError as exc:
            raise TransportError(
                "protocol", f"invalid HTTP answer ({type(exc).__name__})"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            if reused and received == 0:
                raise _StaleConnection from None
            if isinstance(exc, ssl.SSLError):
                raise TransportError("tls", type(exc).__name__) from None
            raise TransportError(_os_error_kind(exc), type(exc).__name__) from None
        finally:
            if keep:
                self._idle[target.origin].append(connection)
            else:
                connection.close()

    async def aclose(self) -> None:
        """Close every kept-alive connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


class _StaleConnection(Exception):
    pass

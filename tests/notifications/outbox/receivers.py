"""Real local receivers for delivery tests: a threaded HTTP server and an SMTP server.

The HTTP receiver behaves by path: ``/ok/...`` answers 200, ``/flaky/...`` answers 503 to the
first request of each message and 200 afterwards, ``/reject/...`` answers 400, ``/slow/...``
answers 200 after a short pause, ``/hang/...`` keeps the request open for ``hang`` seconds and
``/leak/...`` answers 500 with a body that must not be stored.
With ``tls=(certificate, key)`` it serves HTTPS (``self_signed_certificate`` makes a pair).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from epibridge.notifications.outbox.sending import verify
from tests.support.postgres import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    finished_at: float = 0.0

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signature_valid(self, secret: str) -> bool:
        return verify(
            secret,
            self.headers["x-epibridge-timestamp"],
            self.body,
            self.headers["x-epibridge-signature"],
        )


@dataclass
class Receiver:
    base: str = ""
    hang: float = 3.0
    slow: float = 0.03
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seen_flaky: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base + path

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            item = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
            )
            with receiver.lock:
                receiver.received.append(item)
            code = 200
            if self.path.startswith("/flaky/"):
                key = self.path + item.headers.get("x-epibridge-id", "")
                with receiver.lock:
                    first = key not in receiver._seen_flaky
                    receiver._seen_flaky.add(key)
                code = 503 if first else 200
            elif self.path.startswith("/reject/"):
                code = 400
            elif self.path.startswith("/slow/"):
                time.sleep(receiver.slow)
            elif self.path.startswith("/hang/"):
                time.sleep(receiver.hang)
            answer = b"ok"
            if self.path.startswith("/leak/"):
                # What an internal service would say: it must never reach a delivery record.
                code, answer = 500, b"SECRET-INTERNAL-BANNER postgres 16.4 " * 10
            item.finished_at = time.time()
            try:
                self.send_response(code)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up waiting (the point of /hang/)

    return Handler


def self_signed_certificate(directory: Path, name: str = "receiver") -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1 and localhost with ``openssl``; return
    the certificate and key files (the certificate is its own CA, so it can be trusted alone).
    """
    certificate, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(certificate), "-subj", f"/CN={name}"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key


@contextmanager
def http_receiver(*, tls: tuple[Path, Path] | None = None, **options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(receiver))
    server.daemon_threads = True
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        # The handshake happens on accept; a client refusing the certificate only fails it.
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()

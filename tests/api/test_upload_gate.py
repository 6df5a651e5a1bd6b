"""Upload routes answer 401/403 from the headers alone, before the body is sent, on both
backends; a refused web upload leaves no file behind; unconfirmed uploads expire.

The raw-socket tests declare a 100 MiB body, send 64 KiB of it and then wait: an answer can
only arrive if the server decided without reading the rest (a server that reads first would
leave the socket silent until the timeout).
"""

from __future__ import annotations

import os
import re
import socket
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.cli import app
from epibridge.db import utcnow
from epibridge.epidata import uploads
from epibridge.settings import Settings
from tests.helpers import make_user

PASSWORD = "correct-horse-1"
DECLARED = 100 * 1024 * 1024
SENT = 64 * 1024
CSV = (
    "state,area,disease,metric,classification,period_start,period_end,value\n"
    "KAZ,,A00,cases,confirmed,2026-10-05,2026-10-11,4\n"
)


def _raw_post(base: str, path: str, headers: dict[str, str], wait: float = 10) -> bytes | None:
    """Send the head and 64 KiB of a 100 MiB body; return the answer's head, None if silent."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Content-Type: multipart/form-data; boundary=b0undary",
            f"Content-Length: {DECLARED}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        part = (
            b"--b0undary\r\n"
            b'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\n"
        )
        sock.sendall(part + b"x" * SENT)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            return None
        return received


def _status(head: bytes | None) -> int:
    assert head, "the server waited for the body instead of answering"
    return int(head.split(b" ", 2)[1])


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base)
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert answer.status_code == 303
    return client


def _cookie(client: httpx.Client) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def test_api_upload_refused_before_the_body(live_url: str, sessions: sessionmaker[Session]) -> None:
    observer = make_user(sessions, "obs-mng", "observer", "MNG")
    admin = make_user(sessions, "admin", "admin")
    focal = make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    path = "/api/v1/data/submissions"
    started = time.monotonic()
    anonymous = _raw_post(live_url, path, {})
    assert _status(anonymous) == 401 and b"problem+json" in (anonymous or b"")
    assert b"connection: close" in (anonymous or b"").lower()
    assert _status(_raw_post(live_url, path, {"Authorization": "Bearer eb_forged"})) == 401
    for token in (observer, admin):  # these roles may not submit data at all
        assert _status(_raw_post(live_url, path, {"Authorization": f"Bearer {token}"})) == 403
    # The cookie alone, without its CSRF header, is no credential for an unsafe request.
    browser = _sign_in(live_url, "fp-kaz")
    assert _status(_raw_post(live_url, path, {"Cookie": _cookie(browser)})) == 403
    assert time.monotonic() - started < 10  # answered at once, not after a timeout
    # Control: an allowed caller's upload is read, so the server waits for the rest.
    assert _raw_post(live_url, path, {"Authorization": f"Bearer {focal}"}, wait=1.5) is None
    # ... and an allowed upload sent whole still works.
    stored = httpx.post(
        live_url + path,
        headers={"Authorization": f"Bearer {focal}"},
        data={"state": "KAZ"},
        files={"file": ("kaz.csv", CSV.encode(), "text/csv")},
    )
    assert stored.status_code == 201, stored.text


def test_web_upload_refused_before_the_body_and_leaves_no_file(
    live_url: str, sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "obs-mng", "observer", "MNG", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    root = uploads.upload_root(settings.var_dir)
    path = "/web/data/import"
    anonymous = _raw_post(live_url, path, {})
    assert _status(anonymous) == 303 and b"location: /login" in (anonymous or b"").lower()
    observer = _sign_in(live_url, "obs-mng")
    assert _status(_raw_post(live_url, path, {"Cookie": _cookie(observer)})) == 403

    # A focal point's upload for another state is refused after the check: nothing is kept.
    kaz = _sign_in(live_url, "fp-kaz")
    csrf = _csrf(kaz.get("/data/import").text)
    other = kaz.post(
        path,
        data={"csrf_token": csrf, "state": "RUS"},
        files={"file": ("rus.csv", CSV.replace("KAZ", "RUS").encode(), "text/csv")},
    )
    assert other.status_code == 403
    bad = kaz.post(
        path,
        data={"csrf_token": csrf, "state": "KAZ"},
        files={"file": ("bad.csv", b"state,value\nKAZ,-1\n", "text/csv")},
    )
    assert bad.status_code == 422
    assert not any(root.glob("*/*")), list(root.glob("*/*"))
    good = kaz.post(
        path,
        data={"csrf_token": csrf, "state": "KAZ"},
        files={"file": ("kaz.csv", CSV.encode(), "text/csv")},
    )
    assert good.status_code == 200 and "Confirm and store" in good.text
    assert len(list(root.glob("fp-kaz/*"))) == 1  # waiting for confirmation


def test_unconfirmed_uploads_expire(tmp_path: Path) -> None:
    root = tmp_path / "web-uploads"
    token, path = uploads.stage(
        root, account="fp-kaz", filename="kaz.csv", stream=BytesIO(CSV.encode())
    )
    ttl = timedelta(hours=24)
    now = utcnow()
    found = uploads.staged(root, account="fp-kaz", token=token, ttl=ttl, now=now)
    assert found == path
    later = now + timedelta(hours=25)
    assert uploads.staged(root, account="fp-kaz", token=token, ttl=ttl, now=later) is None
    assert uploads.purge_expired(root, ttl=ttl, now=now + timedelta(hours=23)) == 0
    assert path.exists()
    assert uploads.purge_expired(root, ttl=ttl, now=later) == 1
    assert not path.exists()
    for forged in ("../x", "a" * 30 + "/..", ""):
        assert uploads.staged(root, account="fp-kaz", token=forged, ttl=ttl, now=now) is None


def test_purge_uploads_command(tmp_path: Path) -> None:
    var = tmp_path / "var"
    root = uploads.upload_root(var)
    _, old = uploads.stage(root, account="fp-kaz", filename="a.csv", stream=BytesIO(b"x"))
    _, fresh = uploads.stage(root, account="fp-kaz", filename="b.csv", stream=BytesIO(b"y"))
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    result = CliRunner().invoke(app, ["data", "purge-uploads"], env={"EPIBRIDGE_VAR_DIR": str(var)})
    assert result.exit_code == 0, result.output
    assert "deleted 1 expired upload(s)" in result.output
    assert not old.exists() and fresh.exists()

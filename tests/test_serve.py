"""`epibridge serve` starts a real server process on the configured database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from epibridge.settings import Settings
from tests.support.postgres import free_port

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")


def test_serve_answers_on_the_given_port(settings: Settings) -> None:
    port = free_port()
    env = {**os.environ, "EPIBRIDGE_DATABASE_URL": settings.database_url}
    process = subprocess.Popen(
        [EPIBRIDGE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        assert health.json()["database"] in {"sqlite", "postgresql"}
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "Kazakhstan" in page.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

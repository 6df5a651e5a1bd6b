"""Run the real application over real HTTP on a free local port, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
import uvicorn

from epibridge.app import create_app
from epibridge.db import utcnow
from epibridge.settings import Settings
from tests.support.postgres import free_port


@contextmanager
def live_server(
    settings: Settings, *, clock: Callable[[], datetime] = utcnow, healthy: bool = True
) -> Iterator[str]:
    """Serve the app; wait for ``/health`` to answer 200 (any answer when not ``healthy``)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, clock=clock),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            status = httpx.get(base + "/api/v1/health", timeout=1).status_code
            if status == 200 or not healthy:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    else:
        server.should_exit = True
        raise RuntimeError("the test server did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)

"""The delivery tests' receivers listen on 127.0.0.1, which webhooks may not reach by default.

Every test here runs with loopback opened through ``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS``, the way
an operator opens a closed network; the SSRF tests close it again to show the refusals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from epibridge.notifications.outbox.addresses import IPNetwork, parse_networks
from epibridge.settings import Settings

LOOPBACK = "127.0.0.0/8,::1/128"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret",
        webhook_allow_networks=LOOPBACK,
    )


def loopback() -> tuple[IPNetwork, ...]:
    """The networks service-level tests pass as ``allow_networks``."""
    return parse_networks(LOOPBACK)

"""The receivers of the communication test listen on 127.0.0.1: loopback is opened for webhooks
here as in ``tests/notifications/outbox``."""

from tests.notifications.outbox.conftest import settings

__all__ = ["settings"]

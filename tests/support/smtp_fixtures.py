"""A real local SMTP server (aiosmtpd) that keeps what it receives, for the reminder tests."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from support.server import free_port


class Inbox:
    """What the server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def all(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()

"""A real SMTP server on 127.0.0.1 for the e-mail tests: aiosmtpd, with a handler that keeps every
message it accepts. It can be stopped and started again on the same port (an SMTP outage)."""
from __future__ import annotations

import email
from email.message import EmailMessage as ParsedMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller

from tests.backend.console.browser import free_port


class Store:
    def __init__(self) -> None:
        self.messages: list[ParsedMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse: set[str] = set()  # addresses answered "550 no such mailbox"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd's hook name
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(parsed, ParsedMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.store = Store()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.store, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[ParsedMessage]:
        return self.store.messages

"""A real SMTP server for the tests: aiosmtpd on localhost, keeping what it receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any


@dataclass
class SmtpSink:
    """A real SMTP server on localhost that keeps what it receives."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.messages.append(message_from_bytes(raw, policy=policy.default))
        return "250 Message accepted for delivery"

"""Which channels a customer notice goes by (issue 13, R1.3, R7.3), and the inbox's read model.

Every customer notice is kept in the in-app inbox. Besides, it is mailed and/or texted:
by the channels the customer chose, among those they can receive (an address, a phone
number, SMS switched on); with no choice, or a choice they cannot receive, email when
there is an address, else SMS (a customer with only a phone gets SMS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.text import Text

EMAIL, SMS, INBOX = "email", "sms", "inbox"
CHOOSABLE = (EMAIL, SMS)
CHANNEL_NAMES = {
    EMAIL: Text("电子邮件", "Email"),
    SMS: Text("短信", "Text message (SMS)"),
    INBOX: Text("站内消息", "Messages"),
}


def parse_channels(raw: str) -> tuple[str, ...]:
    """A stored or submitted "email,sms" as known channels, in a fixed order."""
    given = {part.strip() for part in raw.split(",")}
    return tuple(channel for channel in CHOOSABLE if channel in given)


def channels_for(
    chosen: tuple[str, ...] | None, email: str, phone: str, sms_on: bool
) -> tuple[str, ...]:
    """The outside channels (email, sms) a notice goes by; the inbox always holds it too."""
    available = {EMAIL: bool(email.strip()), SMS: bool(phone.strip()) and sms_on}
    picked = tuple(channel for channel in chosen or () if available[channel])
    if picked:
        return picked
    if available[EMAIL]:
        return (EMAIL,)
    return (SMS,) if available[SMS] else ()


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    key: str
    channel: str
    topic: str
    customer_id: str
    error: str | None = None  # None: sent
    provider_id: str = ""


@dataclass(frozen=True, slots=True)
class InboxMessage:
    id: int
    topic: str
    rma_no: str
    subject: Text
    body: Text
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True, slots=True)
class InboxPage:
    messages: tuple[InboxMessage, ...]
    total: int
    unread: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

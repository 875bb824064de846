"""Which channels a customer notice goes by (issue 13, R1.3, R7.3), and the inbox's read model.

Every customer notice is kept in the in-app inbox. Besides, it is mailed and/or texted:
by the channels the customer chose, among those they can receive (an address, a phone
number, SMS switched on); with no choice, or a choice they cannot receive, email when
there is an address, else SMS (a customer with only a phone gets SMS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from returnflow.domain.paging import page_count
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
        return page_count(self.total, self.page_size)


# --- when a refund reaches the customer (issue 13: "refund paid … when it reaches them") ---
# Decided here, per refund method: store credit is in the account at once; the wallets
# (Alipay, WeChat Pay) take up to 1 working day; a card or bank account up to 3 working
# days (what card networks and UnionPay state for refunds). Working days are Monday to
# Friday in the platform's zone (Asia/Shanghai); public holidays are not counted out.
REFUND_ROUTES: dict[str, tuple[int, Text]] = {
    "store_credit": (0, Text("您的购物金账户", "your store credit")),
    "alipay": (1, Text("您的支付宝账户", "your Alipay account")),
    "wechat": (1, Text("您的微信支付账户", "your WeChat Pay account")),
    "wechat_pay": (1, Text("您的微信支付账户", "your WeChat Pay account")),
}
BANK_DAYS = 3
LOCAL_ZONE = "Asia/Shanghai"


def refund_route(method: str) -> tuple[int, Text]:
    """(working days until it reaches the customer, where it goes) for a refund method."""
    known = REFUND_ROUTES.get(method.strip().lower())
    if known is not None:
        return known
    where = Text(f"您的原支付账户（{method}）", f"your original payment method ({method})")
    return BANK_DAYS, where


def refund_arrival(method: str, paid_at: datetime) -> datetime:
    """The latest moment the money is with the customer: `paid_at` plus working days."""
    days, _ = refund_route(method)
    zone = ZoneInfo(LOCAL_ZONE)
    local = paid_at.astimezone(zone)
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local.astimezone(paid_at.tzinfo or UTC)


# --- reminders before a deadline the customer must act on (issue 13) ---
SHIP_BY, CONFIRM_BY = "ship_by", "confirm_by"
REMINDER_TOPICS = {SHIP_BY: "return.reminder.ship_by", CONFIRM_BY: "return.reminder.confirm_by"}


def reminder_due(deadline: datetime | None, now: datetime, lead: timedelta) -> bool:
    """A reminder goes from `lead` before the deadline (inclusive) until the deadline itself."""
    return deadline is not None and deadline - lead <= now < deadline

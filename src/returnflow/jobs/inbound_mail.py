"""One inbound complaint mail read: the sender, the subject, the words, the order or RMA named.

The standard library does the reading (`email` with the default policy decodes RFC 2047
subjects and any body charset, GB2312/GBK/UTF-8 alike); plain text is preferred, HTML is
stripped to its text. A message without a sender address or without any words cannot be
filed and is refused with the reason (`Unreadable`), for the poller to move aside.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

MAX_BYTES = 2_000_000  # a complaint is words; larger mails are moved aside unread
MAX_TEXT = 10_000  # services/complaints.py MAX_TEXT: longer words are cut to fit

# services/returns.py: "RMA" + the platform's local date + a 7-digit (or longer) sequence
_RMA = re.compile(r"(?<![A-Za-z0-9])RMA\d{15,20}(?![0-9])", re.IGNORECASE)
# an order number follows its label ("订单号：…", "order no. …"); api/schemas.py Code
_ORDER_LABELLED = re.compile(
    r"(?:订单编号|订单号|订单|order\s*(?:no\.?|number|num|id|#)?)\s*[:：#]?\s*"
    r"([A-Za-z0-9][A-Za-z0-9_\-]{2,63})",
    re.IGNORECASE,
)
# or stands alone in the marketplace's own form: local date + 4 + 6 digits (demo/orders_plan.py)
_ORDER_BARE = re.compile(r"(?<![A-Za-z0-9])(20\d{16})(?![0-9])")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class Unreadable(Exception):
    """A message that cannot become a complaint; `reason` says why (it is logged)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InboundMail:
    key: str  # the Message-ID, else a digest of the bytes: filed once per key
    sender: str
    subject: str
    text: str
    order_no: str | None
    rma_no: str | None


def read_message(raw: bytes) -> InboundMail:
    if len(raw) > MAX_BYTES:
        raise Unreadable(f"message of {len(raw)} bytes, more than {MAX_BYTES}")
    message = message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default makes one
        raise Unreadable("not an email message")
    try:
        sender = _sender(message)
        subject = _one_line(str(message.get("Subject") or ""))
        text = _body(message) or subject
    except (LookupError, UnicodeError, ValueError, TypeError) as error:
        raise Unreadable(f"undecodable: {type(error).__name__}: {error}"[:300]) from error
    if not text:
        raise Unreadable("no words: an empty subject and body")
    words = f"{subject}\n{text}"
    rma_no = _first(_RMA, words)
    return InboundMail(
        key=_key(message, raw),
        sender=sender,
        subject=subject,
        text=text[:MAX_TEXT],
        order_no=_order_no(words),
        rma_no=rma_no.upper() if rma_no else None,
    )


def _sender(message: EmailMessage) -> str:
    found = [address for _, address in getaddresses([str(message.get("From") or "")])]
    address = next((a for a in found if "@" in a), "")
    if not address or len(address) > 254:
        raise Unreadable("no sender address")
    return address


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_text(content)
    lines = (_SPACES.sub(" ", line).strip() for line in content.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _one_line(value: str) -> str:
    return _SPACES.sub(" ", value.replace("\n", " ")).strip()


def _key(message: EmailMessage, raw: bytes) -> str:
    message_id = _one_line(str(message.get("Message-ID") or ""))
    if message_id and len(message_id) <= 200:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _first(pattern: re.Pattern[str], words: str) -> str | None:
    found = pattern.search(words)
    return found.group(0) if found else None


def _order_no(words: str) -> str | None:
    for found in _ORDER_LABELLED.finditer(words):
        candidate = found.group(1).rstrip("-_")
        if any(c.isdigit() for c in candidate) and not candidate.upper().startswith("RMA"):
            return candidate
    bare = _ORDER_BARE.search(words)
    return bare.group(1) if bare else None


class _TextOfHtml(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The words of an HTML body: tags, scripts and styles gone, entities decoded."""
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)

"""In-console notifications for staff and merchants (issue 13): kinds, words, audiences.

A notification is addressed to one audience: one account (`user`), every account of one
merchant (`merchant`), or every account of one role (`role`). Each is made from a
`Draft` whose `dedupe_key` names the occasion and the audience, so the same occasion
never notifies the same audience twice however often a handler or sweep is retried.
Reads are per account: a merchant's notification read by one of its accounts stays
unread for the others.

The words are here, in both languages, so the console, the API and the mail say the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from returnflow.domain.access import ROLE_PERMISSIONS, Permission, Principal, Role
from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
REVIEW_WARNING = timedelta(hours=24)  # a merchant is warned this long before auto-approval
PAGE_SIZE_MAX = 100


class Kind(StrEnum):
    REQUEST_FILED = "request_filed"  # merchant: a new request on its order
    REVIEW_DUE_SOON = "review_due_soon"  # merchant: approved by silence within 24 h
    DISPUTE_OPENED = "dispute_opened"  # merchant: a dispute on its request
    DISPUTE_WAITING = "dispute_waiting"  # mediators: both sides heard, the mediator's turn
    COMPLAINT_FILED = "complaint_filed"  # merchant: a complaint about it
    COMPLAINT_BREACHED = "complaint_breached"  # managers: a deadline ran out
    COMPLAINT_ESCALATED = "complaint_escalated"  # managers
    COMPLAINT_FLAGGED = "complaint_flagged"  # managers: routed to risk
    APPEAL_FILED = "appeal_filed"  # agents
    APPROVAL_REQUESTED = "approval_requested"  # whoever holds amounts.approve
    MESSAGE = "message"  # a message in a request's conversation
    INCIDENT = "incident"  # managers: a monitor opened an incident; owners: assigned (R13.1)
    MERCHANT_APPLICATION = "merchant_application"  # reviewers: a new or answered application
    TRAINING = "training"  # a person: lessons to re-read, an assessment due (issue 17)

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


class AudienceKind(StrEnum):
    USER = "user"
    MERCHANT = "merchant"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    value: str

    @classmethod
    def user(cls, user_id: int) -> Audience:
        return cls(AudienceKind.USER, str(user_id))

    @classmethod
    def merchant(cls, merchant_id: str) -> Audience:
        return cls(AudienceKind.MERCHANT, merchant_id)

    @classmethod
    def role(cls, role: Role) -> Audience:
        return cls(AudienceKind.ROLE, role.value)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.value}"


def audiences_of(principal: Principal) -> tuple[Audience, ...]:
    """Every audience a signed-in account belongs to: itself, its role, its merchant."""
    found = [Audience.user(principal.user_id), Audience.role(principal.role)]
    if principal.merchant_scope:
        found.append(Audience.merchant(principal.merchant_scope))
    return tuple(found)


def roles_holding(permission: Permission) -> tuple[Role, ...]:
    """The staff roles that hold a permission (systems and merchants left out)."""
    left_out = {Role.INTEGRATION, Role.MERCHANT}
    return tuple(
        role for role in Role if role not in left_out and permission in ROLE_PERMISSIONS[role]
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """One notification to make: what, for whom, about what, in both languages."""

    kind: Kind
    audience: Audience
    occasion: str  # what happened, once: "request_filed:RMA…", "message:42"
    subject: Text
    body: Text
    rma_no: str = ""
    complaint_no: str = ""
    dispute_no: str = ""
    link: str = ""

    @property
    def dedupe_key(self) -> str:
        return f"{self.occasion}|{self.audience.key}"[:200]

    @property
    def path(self) -> str:
        """Where the console shows what it is about."""
        if self.link:
            return self.link
        if self.dispute_no:
            return f"/staff/disputes/{self.dispute_no}"
        if self.complaint_no:
            return f"/staff/complaints/{self.complaint_no}"
        return f"/staff/returns/{self.rma_no}" if self.rma_no else "/staff"


@dataclass(frozen=True, slots=True)
class StaffNotice:
    """A notification as one account sees it."""

    id: int
    kind: Kind
    rma_no: str
    complaint_no: str
    dispute_no: str
    link: str
    subject: Text
    body: Text
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True, slots=True)
class NoticePage:
    notices: tuple[StaffNotice, ...]
    total: int
    unread: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def local_time(moment: datetime) -> str:
    """As a console shows times: China Standard Time, to the minute."""
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def review_warning_due(deadline: datetime, now: datetime) -> bool:
    """From exactly 24 h before the review deadline until it passes."""
    return deadline - REVIEW_WARNING <= now < deadline


_KIND_LABELS = {
    Kind.REQUEST_FILED: Text("新申请", "New request"),
    Kind.REVIEW_DUE_SOON: Text("即将超时", "Deadline at risk"),
    Kind.DISPUTE_OPENED: Text("争议", "Dispute"),
    Kind.DISPUTE_WAITING: Text("待调解", "Waiting for a mediator"),
    Kind.COMPLAINT_FILED: Text("投诉", "Complaint"),
    Kind.COMPLAINT_BREACHED: Text("投诉超时", "Complaint breached"),
    Kind.COMPLAINT_ESCALATED: Text("投诉升级", "Complaint escalated"),
    Kind.COMPLAINT_FLAGGED: Text("转风控", "Routed to risk"),
    Kind.APPEAL_FILED: Text("申诉", "Appeal"),
    Kind.APPROVAL_REQUESTED: Text("金额审批", "Amount approval"),
    Kind.MESSAGE: Text("留言", "Message"),
    Kind.INCIDENT: Text("事件", "Incident"),
    Kind.MERCHANT_APPLICATION: Text("商家入驻", "Merchant application"),
    Kind.TRAINING: Text("培训", "Training"),
}


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def checked_email(value: str | None) -> str | None:
    """A staff account's notification address: empty means none, else it must look right."""
    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError(
            "invalid_email",
            Text("请填写有效的电子邮箱地址", "Enter a valid e-mail address"),
            field="email",
        )
    return email

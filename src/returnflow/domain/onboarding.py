"""A merchant's application to sell on the platform (seed 000 §9.1, issue 15).

submitted → under_review → approved | rejected, or → more_info_requested → resubmitted →
under_review again; the applicant may withdraw until a decision. Every move is one step
(who, when, what, a note), kept in order and never changed. The reviewer ticks the
checklist (`onboarding_words.CHECKS`); approving needs every check ticked and the
required documents (licence, brand authorisation) uploaded. A move the table does not
allow is refused with `transition_not_allowed` (HTTP 409), so a second click on
"approve" can never approve twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.onboarding_words import (
    ACTIONS,
    AGREEMENTS,
    CHECKS,
    CURRENT_AGREEMENT,
    DOCUMENT_KINDS,
    MAX_DOCUMENTS,
    REQUIRED_DOCUMENTS,
    document_label,
)
from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO_REQUESTED = "more_info_requested"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> Text:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.SUBMITTED: Text("已提交", "Submitted"),
    Status.UNDER_REVIEW: Text("审核中", "Under review"),
    Status.MORE_INFO_REQUESTED: Text("待补充材料", "More information requested"),
    Status.RESUBMITTED: Text("已补充", "Resubmitted"),
    Status.APPROVED: Text("已通过", "Approved"),
    Status.REJECTED: Text("未通过", "Rejected"),
    Status.WITHDRAWN: Text("已撤回", "Withdrawn"),
}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.UNDER_REVIEW, Status.WITHDRAWN}),
    Status.UNDER_REVIEW: frozenset(
        {Status.MORE_INFO_REQUESTED, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN}
    ),
    Status.MORE_INFO_REQUESTED: frozenset({Status.RESUBMITTED, Status.WITHDRAWN}),
    Status.RESUBMITTED: frozenset({Status.UNDER_REVIEW, Status.WITHDRAWN}),
    Status.APPROVED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
OPEN_FOR_REVIEW = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.RESUBMITTED})
APPLICANT = "applicant"  # the actor of the applicant's own steps


MAX_NOTE = 2000
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,40}$")


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    actor: str
    action: str  # a key of ACTIONS
    status: Status  # the status after the step
    note: str = ""

    @property
    def label(self) -> Text:
        return ACTIONS.get(self.action, Text(self.action, self.action))


@dataclass(frozen=True, slots=True)
class Document:
    kind: str
    stored_name: str  # issued by the document store: random hex + kind
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime

    @property
    def label(self) -> Text:
        return document_label(self.kind)


@dataclass(frozen=True, slots=True)
class Details:
    """What the applicant tells about the business (all checked by `checked_details`)."""

    company_name: str
    shop_name: str
    licence_no: str  # unified social credit code
    categories: tuple[str, ...]
    brands: str
    contact_name: str
    after_sales_phone: str
    after_sales_email: str
    return_address: str
    staff_count: int
    service_hours: str
    username: str  # the merchant account asked for
    language: str = "zh"  # the applicant's language, for mail


# one form field each (categories is a list, the language comes from the page)
DETAIL_FIELDS = tuple(f.name for f in fields(Details) if f.name not in ("categories", "language"))


def _refuse(code: str, zh: str, en: str, field_name: str) -> DomainError:
    return DomainError(code, Text(zh, en), field=field_name)


def _required(value: str, name: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise _refuse("field_required", "请填写此项", "This field is required", name)
    if len(value) > limit:
        raise _refuse("field_too_long", f"最多 {limit} 个字符", f"At most {limit} characters", name)
    return value


def checked_details(details: Details, known_categories: frozenset[str]) -> Details:
    """The details trimmed, or the first thing wrong with them (with its field)."""
    for name in ("company_name", "shop_name", "contact_name", "service_hours"):
        _required(getattr(details, name), name, 200)
    _required(details.brands, "brands", 1000)
    _required(details.return_address, "return_address", 500)
    licence = _required(details.licence_no, "licence_no", 40).upper()
    if not re.fullmatch(r"[0-9A-Z]{15,20}", licence):
        raise _refuse(
            "invalid_licence_no",
            "统一社会信用代码应为 15–20 位数字或大写字母",
            "The licence number is 15–20 digits or capital letters",
            "licence_no",
        )
    if not _PHONE.match(details.after_sales_phone.strip()):
        raise _refuse(
            "invalid_phone", "请填写有效的电话", "Enter a valid phone", "after_sales_phone"
        )
    if not _EMAIL.match(details.after_sales_email.strip()) or len(details.after_sales_email) > 254:
        raise _refuse(
            "invalid_email", "请填写有效的邮箱", "Enter a valid email", "after_sales_email"
        )
    if not details.categories or not set(details.categories) <= known_categories:
        raise _refuse(
            "invalid_categories", "请选择经营类目", "Choose your categories", "categories"
        )
    if not 1 <= details.staff_count <= 100_000:
        raise _refuse(
            "invalid_staff_count", "售后人数须为 1 以上", "Staff: at least 1", "staff_count"
        )
    if not _USERNAME.match(details.username.strip()):
        raise _refuse(
            "invalid_username",
            "用户名须为 3–41 位小写字母、数字或 . _ -",
            "Usernames are 3–41 lower-case letters, digits, . _ -",
            "username",
        )
    return Details(
        company_name=details.company_name.strip(),
        shop_name=details.shop_name.strip(),
        licence_no=licence,
        categories=tuple(sorted(set(details.categories))),
        brands=details.brands.strip(),
        contact_name=details.contact_name.strip(),
        after_sales_phone=details.after_sales_phone.strip(),
        after_sales_email=details.after_sales_email.strip(),
        return_address=details.return_address.strip(),
        staff_count=details.staff_count,
        service_hours=details.service_hours.strip(),
        username=details.username.strip(),
        language="en" if details.language == "en" else "zh",
    )


def transition_refused(current: Status, wanted: Status) -> DomainError:
    return DomainError(
        "transition_not_allowed",
        Text(
            "申请当前为“{now_zh}”，不能改为“{to_zh}”",
            "The application is {now_en}: it cannot become {to_en}",
        ).format(
            now_zh=current.label.zh,
            to_zh=wanted.label.zh,
            now_en=current.label.en.lower(),
            to_en=wanted.label.en.lower(),
        ),
    )


@dataclass
class Application:
    details: Details
    status: Status
    agreement_version: str
    agreement_digest: str
    submitted_at: datetime
    id: int | None = None
    reference: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    question: str = ""  # the reviewer's open question, while more info is requested
    merchant_id: str | None = None
    decided_at: datetime | None = None
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def submit(
        cls, details: Details, agreement_version: str, documents: list[Document], now: datetime
    ) -> Application:
        if agreement_version != CURRENT_AGREEMENT:
            raise _refuse(
                "agreement_not_current",
                "请阅读并接受当前版本的商家售后服务协议",
                "Read and accept the current merchant after-sales agreement",
                "agreement",
            )
        made = cls(
            details=details,
            status=Status.SUBMITTED,
            agreement_version=agreement_version,
            agreement_digest=AGREEMENTS[agreement_version].digest,
            submitted_at=now,
        )
        made.add_documents(documents, APPLICANT, now, record=False)
        made.steps.append(Step(now, APPLICANT, "submitted", Status.SUBMITTED))
        return made

    def _move(self, wanted: Status, actor: str, action: str, note: str, now: datetime) -> None:
        if wanted not in TRANSITIONS[self.status]:
            raise transition_refused(self.status, wanted)
        self.status = wanted
        self.steps.append(Step(now, actor[:100], action, wanted, note[:MAX_NOTE]))
        self.events.append(
            DomainEvent(
                f"merchant_application.{wanted.value}",
                now,
                {"application_id": self.id, "reference": self.reference, "status": wanted.value},
            )
        )

    def start_review(self, actor: str, now: datetime) -> None:
        self._move(Status.UNDER_REVIEW, actor, "review_started", "", now)

    def _reviewing(self, actor: str, now: datetime) -> None:
        """A reviewer acting on a fresh or resubmitted application starts its review."""
        if self.status in (Status.SUBMITTED, Status.RESUBMITTED):
            self.start_review(actor, now)

    def tick(self, code: str, done: bool, actor: str, now: datetime) -> None:
        if code not in CHECKS:
            raise _refuse("unknown_check", "没有这个核对项", "No such check", "check")
        if self.status not in OPEN_FOR_REVIEW:
            raise transition_refused(self.status, Status.UNDER_REVIEW)
        self._reviewing(actor, now)
        if self.checks.get(code, False) == done:
            return
        self.checks[code] = done
        mark = "✓" if done else "✗"
        self.steps.append(Step(now, actor[:100], "check", self.status, f"{mark} {code}"))

    def missing_checks(self) -> list[str]:
        return [code for code in CHECKS if not self.checks.get(code, False)]

    def missing_documents(self) -> list[str]:
        have = {document.kind for document in self.documents}
        return [kind for kind in REQUIRED_DOCUMENTS if kind not in have]

    def approve(self, actor: str, merchant_id: str, note: str, now: datetime) -> None:
        if self.status not in OPEN_FOR_REVIEW:
            raise transition_refused(self.status, Status.APPROVED)
        if missing := self.missing_documents():
            raise DomainError(
                "documents_missing",
                Text("缺少材料：{zh}", "Documents missing: {en}").format(
                    zh="、".join(document_label(k).zh for k in missing),
                    en=", ".join(document_label(k).en for k in missing),
                ),
            )
        if self.missing_checks():
            raise DomainError(
                "checks_incomplete",
                Text("请先完成全部核对项", "Tick every check before approving"),
            )
        self._reviewing(actor, now)
        self.merchant_id, self.decided_at, self.question = merchant_id, now, ""
        self._move(Status.APPROVED, actor, "approved", note, now)

    def ask_for_more(self, actor: str, question: str, now: datetime) -> None:
        question = _required(question, "question", MAX_NOTE)
        if self.status not in OPEN_FOR_REVIEW:
            raise transition_refused(self.status, Status.MORE_INFO_REQUESTED)
        self._reviewing(actor, now)
        self.question = question
        self._move(Status.MORE_INFO_REQUESTED, actor, "info_requested", question, now)

    def reject(self, actor: str, reason: str, now: datetime) -> None:
        reason = _required(reason, "reason", MAX_NOTE)
        if self.status not in OPEN_FOR_REVIEW:
            raise transition_refused(self.status, Status.REJECTED)
        self._reviewing(actor, now)
        self.decided_at, self.question = now, ""
        self._move(Status.REJECTED, actor, "rejected", reason, now)

    def answer(self, answer: str, documents: list[Document], now: datetime) -> None:
        """The applicant answers the open question, with or without more documents."""
        if self.status is not Status.MORE_INFO_REQUESTED:
            raise transition_refused(self.status, Status.RESUBMITTED)
        answer = answer.strip()
        if not answer and not documents:
            raise _refuse(
                "answer_required",
                "请填写回复或上传材料",
                "Write an answer or upload a document",
                "answer",
            )
        self.add_documents(documents, APPLICANT, now)
        self.question = ""
        self._move(Status.RESUBMITTED, APPLICANT, "resubmitted", answer, now)

    def withdraw(self, now: datetime) -> None:
        self._move(Status.WITHDRAWN, APPLICANT, "withdrawn", "", now)

    def add_documents(
        self, documents: list[Document], actor: str, now: datetime, *, record: bool = True
    ) -> None:
        if len(self.documents) + len(documents) > MAX_DOCUMENTS:
            raise _refuse(
                "too_many_documents",
                f"每个申请最多 {MAX_DOCUMENTS} 份材料",
                f"At most {MAX_DOCUMENTS} documents per application",
                "documents",
            )
        for document in documents:
            if document.kind not in DOCUMENT_KINDS:
                raise _refuse("unknown_document_kind", "材料类型无效", "Unknown kind", "kind")
            self.documents.append(document)
            if record:
                note = f"{document.kind}: {document.original_name}"[:MAX_NOTE]
                self.steps.append(Step(now, actor[:100], "document_added", self.status, note))


@dataclass(frozen=True, slots=True)
class Summary:
    """One line of the reviewers' list."""

    id: int
    reference: str
    status: Status
    company_name: str
    shop_name: str
    categories: tuple[str, ...]
    documents: int
    submitted_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class SummaryPage:
    items: tuple[Summary, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)

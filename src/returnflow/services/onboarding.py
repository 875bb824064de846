"""Merchant onboarding (issue 15, seed 000 §9.1): apply, follow, answer; review, decide.

Applying needs no account: the applicant gets a reference and a private status link (a
random token; only its sha256 is stored) to see the status and the reviewer's question,
answer it and add documents. Reviewers (`merchants.onboard`) tick the checklist and
approve, ask for more or reject; approving creates the merchant and its first merchant
account, whose one-time password is answered once to the reviewer (never stored or
mailed). The decision locks the application's row, so a double click meets a decided
application and is refused with 409. Every step that concerns the applicant puts a
mail into the outbox (services/onboarding_mail.py). A new application raises
`merchant_application.submitted`, whose handler notifies the reviewers in the console.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from returnflow.domain.access import Role
from returnflow.domain.analyses import PRODUCT_CATEGORIES
from returnflow.domain.events import DomainEvent
from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.onboarding import (
    APPLICANT,
    Application,
    Details,
    Document,
    Status,
    SummaryPage,
    checked_details,
)
from returnflow.domain.text import DomainError, Text
from returnflow.domain.throttling import Rule
from returnflow.services import accounts, throttling
from returnflow.services.errors import NotFound
from returnflow.services.onboarding_mail import put_mail
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.documents import DocumentStore as DocumentStore
from returnflow.storage.documents import StoredDocument as StoredDocument

PAGE_SIZE = 25
DECISIONS = ("approve", "request_info", "reject")
CATEGORIES = frozenset(PRODUCT_CATEGORIES)


# applying is public: ten applications an hour from one address, then waits that double
APPLY_RULE = Rule(
    free=10, window=timedelta(hours=1), backoff=timedelta(minutes=1), max_wait=timedelta(hours=1)
)


def count_application(uow: UnitOfWork, source: str, now: datetime) -> None:
    """Count one application from `source`; `TooManyAttempts` (429) when it must wait."""
    throttling.take(uow, [(f"merchant-apply:{source[:100]}", APPLY_RULE)], now)


def document_store(upload_dir: str | Path) -> DocumentStore:
    """Where documents are kept: `<upload_dir>/documents`, beside the photos."""
    return DocumentStore(upload_dir)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def documents_of(
    kinds: list[str], stored: list[StoredDocument], names: list[str], now: datetime
) -> list[Document]:
    """The stored files as the application's documents (kind and the name they came with)."""
    return [
        Document(kind, s.stored_name, name[:200], s.content_type, s.size, s.sha256, now)
        for kind, s, name in zip(kinds, stored, names, strict=True)
    ]


def not_found() -> NotFound:
    return NotFound(
        "application_not_found",
        Text("找不到该入驻申请", "The application was not found"),
    )


@dataclass(frozen=True, slots=True)
class Submitted:
    application: Application
    token: str  # the private status link's secret: shown once, only its hash is kept


def merchant_id_for(username: str) -> str:
    return f"m-{username}"


def apply(
    uow: UnitOfWork,
    details: Details,
    agreement_version: str,
    documents: list[Document],
    status_url: str,
    now: datetime,
) -> Submitted:
    """A new application; `status_url` has `{token}` where the link's secret goes."""
    details = checked_details(details, CATEGORIES)
    if uow.accounts.user_exists(details.username) or uow.onboarding.merchant_exists(
        merchant_id_for(details.username)
    ):
        raise DomainError(
            "username_taken",
            Text("用户名 {name} 已被使用", "The username {name} is taken").format(
                name=details.username
            ),
            field="username",
        )
    application = Application.submit(details, agreement_version, documents, now)
    token = secrets.token_urlsafe(24)
    uow.onboarding.add(application, token_hash(token), now)
    # the reviewers hear of it (domain/onboarding_notice_words.py, through the bus)
    submitted = {"status": Status.SUBMITTED.value, "shop_name": details.shop_name}
    application.events.append(DomainEvent("merchant_application.submitted", now, submitted))
    put_mail(uow, application, "submitted", "", status_url.format(token=token), now)
    return Submitted(application, token)


def by_token(uow: UnitOfWork, token: str, *, lock: bool = False) -> Application:
    found = uow.onboarding.by_token(token_hash(token[:100]), lock=lock) if token else None
    if found is None:
        raise not_found()
    return found


def answer(
    uow: UnitOfWork, token: str, words: str, documents: list[Document], now: datetime
) -> Application:
    """The applicant answers the reviewer's question (and may add documents)."""
    application = by_token(uow, token, lock=True)
    application.answer(words, documents, now)
    return application


def add_documents(
    uow: UnitOfWork, token: str, documents: list[Document], now: datetime
) -> Application:
    """More documents before a decision (while asked for more: `answer` resubmits)."""
    application = by_token(uow, token, lock=True)
    if application.status in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN):
        raise DomainError(
            "transition_not_allowed",
            Text("申请已结束，不能再上传材料", "The application is closed: no more documents"),
        )
    application.add_documents(documents, APPLICANT, now)
    return application


def withdraw(uow: UnitOfWork, token: str, now: datetime) -> Application:
    application = by_token(uow, token, lock=True)
    application.withdraw(now)
    return application


def applications(uow: UnitOfWork, status: Status | None, page: int = 1) -> SummaryPage:
    return uow.onboarding.page(status, min(max(page, 1), MAX_PAGE), PAGE_SIZE)


def application(uow: UnitOfWork, application_id: int, *, lock: bool = False) -> Application:
    found = uow.onboarding.get(application_id, lock=lock)
    if found is None:
        raise not_found()
    return found


def tick(
    uow: UnitOfWork, application_id: int, checks: dict[str, bool], actor: str, now: datetime
) -> Application:
    """Set the checklist: each check ticked or not, as the reviewer left it."""
    found = application(uow, application_id, lock=True)
    for code, done in checks.items():
        found.tick(code, done, actor, now)
    return found


@dataclass(frozen=True, slots=True)
class Decided:
    application: Application
    username: str | None = None  # the merchant account made on approval
    one_time_password: str | None = None  # answered once, never stored in clear


def decide(
    uow: UnitOfWork,
    application_id: int,
    decision: str,
    note: str,
    actor: str,
    now: datetime,
) -> Decided:
    """approve | request_info (note: the question) | reject (note: the reason)."""
    found = application(uow, application_id, lock=True)
    url = ""  # the applicant has the link from the first mail
    if decision == "request_info":
        found.ask_for_more(actor, note, now)
        put_mail(uow, found, "more_info_requested", found.question, url, now)
        return Decided(found)
    if decision == "reject":
        found.reject(actor, note, now)
        put_mail(uow, found, "rejected", note.strip(), url, now)
        return Decided(found)
    if decision != "approve":
        raise DomainError(
            "invalid_decision",
            Text("决定须为通过、补充或拒绝", "Decide approve, request_info or reject"),
            field="decision",
        )
    return _approve(uow, found, note, actor, url, now)


def _approve(
    uow: UnitOfWork, found: Application, note: str, actor: str, url: str, now: datetime
) -> Decided:
    details = found.details
    merchant_id = merchant_id_for(details.username)
    found.approve(actor, merchant_id, note, now)  # refuses a decided one before anything
    if uow.onboarding.merchant_exists(merchant_id):
        raise DomainError(
            "merchant_exists",
            Text("商家 {id} 已存在", "The merchant {id} already exists").format(id=merchant_id),
        )
    uow.onboarding.add_merchant(merchant_id, details.shop_name, now)
    password = secrets.token_urlsafe(12)
    accounts.add_user(
        uow,
        username=details.username,
        display_name=details.shop_name[:100],
        password=password,
        role=Role.MERCHANT,
        now=now,
        merchant_id=merchant_id,
    )
    put_mail(uow, found, "approved", note.strip(), url, now)
    return Decided(found, details.username, password)


def reviewer_document(
    uow: UnitOfWork, application_id: int, stored_name: str, actor: str, now: datetime
) -> Document:
    """One of the application's documents for a reviewer; each look is logged."""
    found = application(uow, application_id)
    for document in found.documents:
        if document.stored_name == stored_name:
            uow.accounts.log_access(actor, found.reference, "document", now, customer_id=None)
            return document
    raise NotFound("document_not_found", Text("找不到该材料", "The document was not found"))


def applicant_document(uow: UnitOfWork, token: str, stored_name: str) -> Document:
    """One of the applicant's own documents, through the status link."""
    for document in by_token(uow, token).documents:
        if document.stored_name == stored_name:
            return document
    raise NotFound("document_not_found", Text("找不到该材料", "The document was not found"))

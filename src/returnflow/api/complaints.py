"""Complaints (R8.1, R8.2, R8.5): filing from any channel, the queue, handling, satisfaction.

Filing asks the process's classifier (`context.complaint_classifier`) for a category
and an urgency; a category or urgency in the body wins, the suggestion is kept. A
merchant sees only complaints about their own orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from starlette.responses import JSONResponse

from returnflow.api.complaint_models import (
    ClassifyIn,
    ComplaintCreated,
    ComplaintIn,
    ComplaintOut,
    ComplaintPageOut,
    FlagIn,
    ReasonIn,
    ResolveIn,
    RespondIn,
    SatisfactionIn,
    detail_out,
    summary_out,
)
from returnflow.api.roles import ComplaintFiler, ComplaintHandler, ComplaintViewer
from returnflow.domain.access import Permission, Principal
from returnflow.domain.complaints import Category, Complaint, ComplaintStatus
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import complaint_once as once
from returnflow.services import complaint_queries as queries
from returnflow.services import complaints as service
from returnflow.services import idempotency
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

ComplaintNo = Annotated[str, Path(min_length=1, max_length=32)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


@router.post("", status_code=201, response_model=ComplaintCreated)
def file_complaint(
    body: ComplaintIn,
    context: Context,
    principal: ComplaintFiler,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File a complaint: its number, category (with the classifier's confidence), urgency
    and both deadlines come back at once. With an `Idempotency-Key` (the caller's own), a
    retry gets the first answer back (`Idempotent-Replayed: true`) and files nothing; the
    same key with another body is refused (422 `idempotency_key_reused`)."""
    filing = service.ComplaintFiling(
        channel=body.channel.value,
        text=body.text,
        order_no=body.order_no,
        rma_no=body.rma_no,
        customer_id=body.customer_id,
        category=body.category.value if body.category else None,
        urgency=body.urgency.value if body.urgency else None,
        contact_email=body.contact_email,
        subject=body.subject,
    )
    rules = service.ComplaintRules.from_settings(context.settings)
    classifier = once.asked_first(context.complaint_classifier, body.text)

    def file(uow: UnitOfWork, now: datetime) -> idempotency.Answer:
        def work() -> tuple[int, dict[str, Any]]:
            c = service.file_complaint(uow, filing, principal.actor, now, classifier, rules)
            return 201, _created(c).model_dump(mode="json")

        if not idempotency_key:
            return idempotency.Answer(*work(), replayed=False)
        key = once.api_key(principal.actor, idempotency_key)
        return idempotency.once(uow, once.API_SCOPE, key, once.digest(filing), now, work)

    answer = perform(context, file)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _created(c: Complaint) -> ComplaintCreated:
    return ComplaintCreated(
        complaint_no=c.complaint_no,
        category=c.category,
        category_confidence=c.category_confidence,
        urgency=c.urgency,
        status=c.status,
        first_response_due_at=c.first_response_due_at,
        resolve_due_at=c.resolve_due_at,
    )


@router.get("", response_model=ComplaintPageOut)
def list_complaints(
    context: Context,
    language: Language,
    principal: ComplaintViewer,
    status: ComplaintStatus | None = None,
    category: Category | None = None,
    breached: bool | None = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintPageOut:
    """The queue, most urgent first (breached ones lead), resolved last."""
    with context.uow() as uow:
        found = queries.queue(
            uow,
            context.clock(),
            status=status.value if status else None,
            category=category.value if category else None,
            breached=breached,
            team=team,
            page=page,
            per_page=page_size,
            merchant_scope=principal.merchant_scope,
        )
    return ComplaintPageOut(
        items=[summary_out(item, language) for item in found.items],
        total=found.total,
        page=found.page,
        page_size=found.per_page,
    )


@router.get("/{complaint_no}", response_model=ComplaintOut)
def get_complaint(
    complaint_no: ComplaintNo, context: Context, language: Language, principal: ComplaintViewer
) -> ComplaintOut:
    def read(uow: UnitOfWork, now: datetime) -> ComplaintOut:
        return _detail(uow, complaint_no, now, language, principal)

    return perform(context, read)  # committed: an unmasked look at the contact is logged


@router.post("/{complaint_no}/respond", response_model=ComplaintOut)
def respond(
    complaint_no: ComplaintNo,
    body: RespondIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.respond(uow, complaint_no, body.message, principal.actor, now),
    )


@router.post("/{complaint_no}/escalate", response_model=ComplaintOut)
def escalate(
    complaint_no: ComplaintNo,
    body: ReasonIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.escalate(uow, complaint_no, body.reason, principal.actor, now),
    )


@router.post("/{complaint_no}/resolve", response_model=ComplaintOut)
def resolve(
    complaint_no: ComplaintNo,
    body: ResolveIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    """Resolved; the customer is asked by mail how satisfied they are."""
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.resolve(uow, complaint_no, body.resolution, principal.actor, now),
    )


@router.post("/{complaint_no}/reopen", response_model=ComplaintOut)
def reopen(
    complaint_no: ComplaintNo,
    body: ReasonIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    """Open again: the resolution deadline starts afresh."""
    rules = service.ComplaintRules.from_settings(context.settings)
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.reopen(
            uow, complaint_no, body.reason, principal.actor, now, rules=rules
        ),
    )


@router.post("/{complaint_no}/classify", response_model=ComplaintOut)
def classify(
    complaint_no: ComplaintNo,
    body: ClassifyIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    """Confirm or correct the category and urgency; a correction becomes training data."""
    rules = service.ComplaintRules.from_settings(context.settings)
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.classify(
            uow,
            complaint_no,
            body.category.value,
            body.urgency.value,
            principal.actor,
            now,
            rules=rules,
        ),
    )


@router.post("/{complaint_no}/flag", response_model=ComplaintOut)
def flag(
    complaint_no: ComplaintNo,
    body: FlagIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    """Mark as a suspected malicious review or an abnormal order: routed to risk."""
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.flag(
            uow, complaint_no, body.flag.value, body.note, principal.actor, now
        ),
    )


@router.post("/{complaint_no}/satisfaction", response_model=ComplaintOut)
def satisfaction(
    complaint_no: ComplaintNo,
    body: SatisfactionIn,
    context: Context,
    language: Language,
    principal: ComplaintHandler,
) -> ComplaintOut:
    """The customer's rating of a resolved complaint (1–5), recorded once."""
    return _handle(
        context,
        complaint_no,
        language,
        principal,
        lambda uow, now: service.rate(uow, complaint_no, body.score, body.comment, None, now),
    )


def _handle(
    context: Context,
    complaint_no: str,
    language: str,
    principal: Principal,
    step: Callable[[UnitOfWork, datetime], Complaint],
) -> ComplaintOut:
    def run(uow: UnitOfWork, now: datetime) -> ComplaintOut:
        step(uow, now)
        return _detail(uow, complaint_no, now, language, principal)

    return perform(context, run)


def _detail(
    uow: UnitOfWork, complaint_no: str, now: datetime, language: str, principal: Principal
) -> ComplaintOut:
    found = queries.detail(uow, complaint_no, now, merchant_scope=principal.merchant_scope)
    if found.contact_email and principal.can(Permission.CONTACT_VIEW):
        uow.accounts.log_access(
            principal.actor, complaint_no, "contact", now, customer_id=found.summary.customer_id
        )
    return detail_out(found, language, principal)

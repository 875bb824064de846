"""Disputes through the API (R8.3, R8.4): open one, add evidence, rule, read.

Merchants act for their own requests only (another merchant's dispute is unknown);
agents speak for the customer; mediators, managers and admins for the platform. A
ruling's money is the request's refund, asked for in the same transaction under the
ruler's authority: over it, the refund waits for a manager (`refund.status` is then
`awaiting_approval`). Money is integer cents with its currency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from returnflow.api import schemas
from returnflow.api.refunds import RefundOut, refund_out
from returnflow.api.roles import DisputeParty, DisputeRuler, DisputeViewer
from returnflow.domain.awards import Liable
from returnflow.domain.disputes import (
    PHOTOS_MAX,
    STATEMENT_MAX,
    Dispute,
    DisputeStatus,
    EvidenceKind,
    Outcome,
    Side,
)
from returnflow.domain.input_bounds import MAX_AMOUNT
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import dispute_queries
from returnflow.services import disputes as dispute_service
from returnflow.services.finance_queries import refund_panel
from returnflow.services.refunds import RefundRules
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["disputes"])

DisputeNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
RmaNo = Annotated[str, Path(min_length=1, max_length=32)]
PhotoId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._-]+$")]


class MoneyIn(BaseModel):
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="cents")
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class OpenIn(BaseModel):
    statement: str = Field(min_length=1, max_length=STATEMENT_MAX)


class EvidenceIn(BaseModel):
    side: Side | None = None  # default: the caller's own side
    kind: EvidenceKind
    text: str = Field(default="", max_length=STATEMENT_MAX)
    photo_ids: list[PhotoId] = Field(default_factory=list, max_length=PHOTOS_MAX)


class RulingIn(BaseModel):
    outcome: Outcome
    liable: Liable
    refund: MoneyIn | None = None  # none: the full refund (outcome customer)
    compensation: MoneyIn | None = None
    reason: str = Field(min_length=1, max_length=STATEMENT_MAX)
    agreement: bool = False


class EvidenceOut(BaseModel):
    side: Side
    kind: EvidenceKind
    text: str
    photo_ids: list[str]
    added_by: str
    at: datetime


class RulingOut(BaseModel):
    outcome: Outcome
    outcome_label: str
    liable: str
    refund: schemas.Money | None  # null: the request's full refund
    compensation: schemas.Money
    reason: str
    ruled_by: str
    at: datetime
    agreement: bool


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: Status | None
    to_status: Status
    note: str


class DisputeOut(BaseModel):
    dispute_no: str
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    opener: Side
    opened_by: str
    statement: str
    status: DisputeStatus
    status_label: str
    opened_at: datetime
    evidence_due_at: datetime
    evidence: list[EvidenceOut]
    ruling: RulingOut | None
    refund: RefundOut | None  # the refund the ruling asked for, with its state


class DisputeDetailOut(DisputeOut):
    silent_side: Side | None
    appeal_status: str | None
    request_status: Status
    policy_version: int
    history: list[HistoryOut]


class DisputeSummaryOut(BaseModel):
    dispute_no: str
    rma_no: str
    order_no: str
    merchant_id: str
    opener: Side
    status: DisputeStatus
    opened_at: datetime
    evidence_due_at: datetime
    outcome: Outcome | None
    heard: list[Side]


class DisputePageOut(BaseModel):
    items: list[DisputeSummaryOut]
    total: int
    page: int
    per_page: int


def _m(money: Money) -> schemas.Money:
    return schemas.Money(amount=money.cents, currency=money.currency)


def dispute_out(dispute: Dispute, refund: RefundOut | None, language: str) -> DisputeOut:
    ruling = dispute.ruling
    return DisputeOut(
        dispute_no=dispute.dispute_no,
        rma_no=dispute.rma_no,
        order_no=dispute.order_no,
        merchant_id=dispute.merchant_id,
        customer_id=dispute.customer_id,
        opener=dispute.opener,
        opened_by=dispute.opened_by,
        statement=dispute.statement,
        status=dispute.status,
        status_label=dispute.status.label.in_language(language),
        opened_at=dispute.opened_at,
        evidence_due_at=dispute.evidence_due_at,
        evidence=[
            EvidenceOut(
                side=e.side,
                kind=e.kind,
                text=e.text,
                photo_ids=list(e.photos),
                added_by=e.added_by,
                at=e.at,
            )
            for e in dispute.evidence
        ],
        ruling=None
        if ruling is None
        else RulingOut(
            outcome=ruling.outcome,
            outcome_label=ruling.outcome.label.in_language(language),
            liable=ruling.liable.value,
            refund=None if ruling.refund is None else _m(ruling.refund),
            compensation=_m(ruling.compensation),
            reason=ruling.reason_text.in_language(language),
            ruled_by=ruling.ruled_by,
            at=ruling.at,
            agreement=ruling.agreement,
        ),
        refund=refund,
    )


def _with_refund(uow: UnitOfWork, dispute: Dispute, now: datetime, language: str) -> DisputeOut:
    view = refund_panel(uow, dispute.rma_no, now, language)
    return dispute_out(dispute, None if view is None else refund_out(view), language)


@router.post("/returns/{rma_no}/disputes", status_code=201, response_model=DisputeOut)
def open_dispute(
    rma_no: RmaNo, body: OpenIn, context: Context, language: Language, principal: DisputeParty
) -> DisputeOut:
    """Open the request's dispute: the customer's side after an upheld appeal (agents),
    the merchant's against an overturned decision, or the platform's at any time."""
    rules = dispute_service.DisputeRules.from_settings(context.settings)
    party = dispute_service.party_for(principal)

    def step(uow: UnitOfWork, now: datetime) -> DisputeOut:
        dispute = dispute_service.open_dispute(uow, rma_no, body.statement, party, now, rules)
        return dispute_out(dispute, None, language)

    return perform(context, step)


@router.post("/disputes/{dispute_no}/evidence", status_code=201, response_model=DisputeOut)
def add_evidence(
    dispute_no: DisputeNo,
    body: EvidenceIn,
    context: Context,
    language: Language,
    principal: DisputeParty,
) -> DisputeOut:
    """One side's statement, photos, document or carrier record, before the deadline."""
    party = dispute_service.party_for(principal)

    def step(uow: UnitOfWork, now: datetime) -> DisputeOut:
        dispute = dispute_service.add_evidence(
            uow,
            dispute_no,
            None if body.side is None else body.side.value,
            body.kind.value,
            body.text,
            body.photo_ids,
            party,
            now,
        )
        return dispute_out(dispute, None, language)

    return perform(context, step)


@router.post("/disputes/{dispute_no}/ruling", response_model=DisputeOut)
def rule_dispute(
    dispute_no: DisputeNo,
    body: RulingIn,
    context: Context,
    language: Language,
    principal: DisputeRuler,
) -> DisputeOut:
    """An agreement or a platform ruling, once; its money is the request's refund."""
    refund_rules = RefundRules.from_settings(context.settings)
    party = dispute_service.party_for(principal)
    values = dispute_service.RulingValues(
        outcome=body.outcome.value,
        liable=body.liable.value,
        reason=body.reason,
        refund_cents=None if body.refund is None else body.refund.amount,
        compensation_cents=0 if body.compensation is None else body.compensation.amount,
        agreement=body.agreement,
        currencies=tuple(m.currency for m in (body.refund, body.compensation) if m is not None),
    )

    def step(uow: UnitOfWork, now: datetime) -> DisputeOut:
        result = dispute_service.rule_dispute(uow, dispute_no, values, party, now, refund_rules)
        return _with_refund(uow, result.dispute, now, language)

    return perform(context, step)


@router.get("/disputes", response_model=DisputePageOut)
def list_disputes(
    context: Context,
    principal: DisputeViewer,
    status: DisputeStatus | None = None,
    merchant_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DisputePageOut:
    """Evidence due soonest first; a merchant sees only their own."""
    scope = principal.merchant_scope or merchant_id
    with context.uow() as uow:
        found = dispute_queries.queue(
            uow, None if status is None else status.value, page, per_page, scope
        )
    return DisputePageOut(
        items=[
            DisputeSummaryOut(
                dispute_no=s.dispute_no,
                rma_no=s.rma_no,
                order_no=s.order_no,
                merchant_id=s.merchant_id,
                opener=s.opener,
                status=s.status,
                opened_at=s.opened_at,
                evidence_due_at=s.evidence_due_at,
                outcome=s.outcome,
                heard=list(s.heard),
            )
            for s in found.items
        ],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@router.get("/disputes/{dispute_no}", response_model=DisputeDetailOut)
def read_dispute(
    dispute_no: DisputeNo, context: Context, language: Language, principal: DisputeViewer
) -> DisputeDetailOut:
    """Both sides' evidence, the request's history, and the refund a ruling asked for."""
    now = context.clock()
    with context.uow() as uow:
        seen = dispute_queries.detail(uow, dispute_no, principal.merchant_scope, now, language)
    base = dispute_out(
        seen.dispute, None if seen.refund is None else refund_out(seen.refund), language
    )
    return DisputeDetailOut(
        **base.model_dump(),
        silent_side=seen.silent_side,
        appeal_status=seen.appeal_status,
        request_status=seen.request.status,
        policy_version=seen.policy.version,
        history=[
            HistoryOut(
                at=c.at,
                actor=c.actor,
                action=c.action.value,
                from_status=c.from_status,
                to_status=c.to_status,
                note=c.note,
            )
            for c in seen.request.history
        ],
    )

"""What the dispute queue and a dispute's page read (R8.3): typed, frozen read models.

The mediator's page shows both sides' evidence, the request's history and what policy
says about each returned line (the same explanation the staff request page shows,
services/request_queries.py), and the refund a ruling asked for. A merchant sees only
their own disputes: another merchant's is as unknown as a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.disputes import Dispute, DisputeStatus, Evidence, Outcome, Party, Side
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import orders as order_service
from returnflow.services import returns as return_service
from returnflow.services.disputes import appeal_status, get_dispute
from returnflow.services.finance_queries import RefundView, refund_panel
from returnflow.services.history_words import HistoryLine, history_lines, rule_words
from returnflow.services.request_queries import LinePolicy, line_policies
from returnflow.services.unit_of_work import UnitOfWork

EVIDENCE_SIDES = (Side.CUSTOMER, Side.MERCHANT, Side.CARRIER, Side.PLATFORM)


@dataclass(frozen=True)
class DisputeSummary:
    dispute_no: str
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    opener: Side
    status: DisputeStatus
    opened_at: datetime
    evidence_due_at: datetime
    outcome: Outcome | None
    heard: tuple[Side, ...]


@dataclass(frozen=True)
class DisputePage:
    items: tuple[DisputeSummary, ...]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class DisputeDetail:
    dispute: Dispute
    evidence_by_side: Mapping[Side, tuple[Evidence, ...]]
    request: ReturnRequest
    order: Order
    policy: PolicyVersion
    lines: tuple[LinePolicy, ...]  # what policy says about each returned line today
    refund: RefundView | None
    silent_side: Side | None
    appeal_status: str | None
    history: tuple[HistoryLine, ...] = ()  # the request's history in words


def summary(dispute: Dispute) -> DisputeSummary:
    return DisputeSummary(
        dispute_no=dispute.dispute_no,
        rma_no=dispute.rma_no,
        order_no=dispute.order_no,
        merchant_id=dispute.merchant_id,
        customer_id=dispute.customer_id,
        opener=dispute.opener,
        status=dispute.status,
        opened_at=dispute.opened_at,
        evidence_due_at=dispute.evidence_due_at,
        outcome=None if dispute.ruling is None else dispute.ruling.outcome,
        heard=tuple(side for side in EVIDENCE_SIDES if dispute.heard(side)),
    )


def queue(
    uow: UnitOfWork,
    status: str | None,
    page: int,
    per_page: int,
    merchant_scope: str | None,
) -> DisputePage:
    """A page of disputes, evidence due soonest first (`status` None: every status)."""
    if status is not None and status not in set(DisputeStatus):
        raise DomainError(
            "status_unknown", Text("未知的争议状态", "Unknown dispute status"), field="status"
        )
    page, per_page = max(page, 1), min(max(per_page, 1), 100)
    found, total = uow.disputes.page(status, (page - 1) * per_page, per_page, merchant_scope)
    return DisputePage(tuple(summary(d) for d in found), total, page, per_page)


def detail(
    uow: UnitOfWork,
    dispute_no: str,
    merchant_scope: str | None,
    now: datetime,
    language: str = "zh",
    *,
    customer_id: str | None = None,
) -> DisputeDetail:
    """One dispute with both sides, the request's history and the policy explanation."""
    viewer = Party("", Side.PLATFORM, merchant_scope=merchant_scope, customer_id=customer_id)
    dispute = get_dispute(uow, dispute_no, viewer)
    request = return_service.get_return(uow, dispute.rma_no)
    order, policy = return_service.policy_for(uow, request)
    _, _, eligibility = order_service.eligibility(uow, request.order_no, now)
    lines = line_policies(request, order, eligibility)
    return DisputeDetail(
        dispute=dispute,
        evidence_by_side={side: dispute.evidence_of(side) for side in EVIDENCE_SIDES},
        request=request,
        order=order,
        policy=policy,
        lines=lines,
        refund=refund_panel(uow, request.rma_no, now, language),
        silent_side=dispute.silent_side(now),
        appeal_status=appeal_status(uow, request.rma_no),
        history=history_lines(request.history, rule_words(request, order, policy)),
    )


def for_request(uow: UnitOfWork, rma_no: str) -> DisputeSummary | None:
    """The request's latest dispute, for a panel on the request's page."""
    found = uow.disputes.latest_for(rma_no)
    return None if found is None else summary(found)

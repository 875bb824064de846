"""The staff console's review work: the queue, search, a customer's history (R3.1–R3.4).

The read functions answer typed read models (`storage/return_queries.py`) and change
nothing. Every one takes the caller's merchant scope, so a merchant account sees only
its own requests here exactly as it does through the API (R11.1). Filing by phone
(R1.1) is the ordinary `file_return` with the hotline channel and the agent as actor,
once per form: a second click on the same form gives the first answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from returnflow.domain.kinds import Channel, RequestType
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import Text
from returnflow.services import idempotency
from returnflow.services.errors import Conflict
from returnflow.services.orders import get_order
from returnflow.services.queries import ReturnFilter, ReturnPage, ReturnSummary, ReviewQueue
from returnflow.services.returns import NewReturn, file_return
from returnflow.services.unit_of_work import UnitOfWork

_HOTLINE_SCOPE = "console.hotline"


def review_queue(
    uow: UnitOfWork, now: datetime, *, merchant_scope: str | None = None, limit: int = 200
) -> ReviewQueue:
    """Requests waiting for a person, oldest first, with how many are past their deadline."""
    return uow.return_queries.review_queue(now, merchant_scope=merchant_scope, limit=limit)


def search(
    uow: UnitOfWork,
    where: ReturnFilter,
    page: int,
    page_size: int,
    *,
    merchant_scope: str | None = None,
) -> ReturnPage:
    """Newest first; `page` counts from 1. The scope overrides any merchant asked for."""
    if merchant_scope is not None:
        where = replace(where, merchant_id=merchant_scope)
    return uow.return_queries.page(where, page, page_size)


def customer_history(
    uow: UnitOfWork,
    request: ReturnRequest,
    *,
    merchant_scope: str | None = None,
    limit: int = 50,
) -> tuple[ReturnSummary, ...]:
    """The customer's earlier requests on any of their orders, newest first, with outcomes."""
    return uow.return_queries.customer_history(
        request.customer_id,
        before=request.created_at,
        other_than=request.rma_no,
        merchant_scope=merchant_scope,
        limit=limit,
    )


def photo_visible(uow: UnitOfWork, name: str, *, merchant_scope: str | None = None) -> bool:
    """Whether a request this caller may see carries the photo `name`."""
    owners = uow.return_queries.photo_merchants(name)
    in_threads = uow.photo_records.where_recorded(name).get("conversation", [])
    if in_threads:  # issue 13: a photo sent in a request's conversation
        owners |= {merchant for merchant, _ in uow.photo_records.request_parties(in_threads)}
    # a photo copied onto another merchant's request (before issue 9) is no merchant's
    return bool(owners) and (merchant_scope is None or owners == {merchant_scope})


@dataclass(frozen=True)
class PhoneFiling:
    """What the agent typed for the caller; `submission` names the form (empty: none)."""

    order_no: str
    request_type: RequestType
    lines: tuple[ReturnLine, ...]
    submission: str = ""


@dataclass(frozen=True)
class PhoneFiled:
    """The request the form filed; `again` when this was a second click on the same form."""

    rma_no: str
    again: bool


def form_already_used(rma_no: str) -> Conflict:
    return Conflict(
        "hotline_form_used",
        Text(
            "这张表单已用于提交申请 {rma}，请重新打开表单",
            "This form already filed request {rma}: open a fresh form",
        ).format(rma=rma_no),
    )


def _file(uow: UnitOfWork, filing: PhoneFiling, actor: str, now: datetime) -> str:
    new = NewReturn(
        order_no=filing.order_no,
        request_type=filing.request_type,
        channel=Channel.HOTLINE,
        lines=filing.lines,
    )
    return file_return(uow, new, now, actor).rma_no


def file_by_phone(
    uow: UnitOfWork,
    filing: PhoneFiling,
    *,
    actor: str,
    user_id: int,
    merchant_scope: str | None,
    now: datetime,
) -> PhoneFiled:
    """R1.1: an agent files for a caller; the request records the hotline and the agent.

    A form carries a submission name: the first filing keeps its answer under the agent
    and that name, a second click with the same form gets that answer back, and the
    same name with different lines is refused.
    """
    key = f"{user_id}:{filing.submission}"
    digest = hashlib.sha256(
        repr((filing.order_no, filing.request_type, filing.lines)).encode()
    ).hexdigest()
    if filing.submission:
        earlier = idempotency.stored(uow, _HOTLINE_SCOPE, key)
        if earlier is not None and earlier.body is not None:
            first = str(earlier.body["rma_no"])
            if earlier.request_hash != digest:
                raise form_already_used(first)
            return PhoneFiled(first, again=True)
    get_order(uow, filing.order_no, merchant_scope=merchant_scope)
    if not filing.submission:
        return PhoneFiled(_file(uow, filing, actor, now), again=False)
    answer = idempotency.once(
        uow,
        _HOTLINE_SCOPE,
        key,
        digest,
        now,
        lambda: (201, {"rma_no": _file(uow, filing, actor, now)}),
    )
    return PhoneFiled(str(answer.body["rma_no"]), again=answer.replayed)

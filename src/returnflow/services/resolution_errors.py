"""Refusals the resolution use cases share, and which of them mean "not now".

The rules refuse a step with a `DomainError` (422 by the one error mapping). For the
resolution steps some refusals are about the current state, not the input: choosing a
second replacement, a repair step out of order, a spend the balance does not cover.
Those answer 409 on the API and on the pages alike; `as_conflicts` wraps a step so
its state refusals rise as `Conflict`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork

T = TypeVar("T")

STATE_CONFLICTS = frozenset(
    {
        "exchange_not_open",
        "exchange_exists",
        "exchange_step_not_allowed",
        "exchange_waits_for_inspection",
        "repair_not_open",
        "repair_exists",
        "repair_step_not_allowed",
        "reissue_not_open",
        "reissue_exists",
        "shipment_request_shipped",
        "waybill_in_use",
        "store_credit_not_open",
        "store_credit_insufficient",
        "fast_exchange_refused",
    }
)


def as_conflicts(step: Callable[[UnitOfWork, datetime], T]) -> Callable[[UnitOfWork, datetime], T]:
    """`step`, with its state refusals raised as `Conflict` (409); others unchanged."""

    def guarded(uow: UnitOfWork, now: datetime) -> T:
        try:
            return step(uow, now)
        except (NotFound, Conflict):
            raise
        except DomainError as error:
            if error.code in STATE_CONFLICTS:
                raise Conflict(error.code, error.message, field=error.field) from error
            raise

    return guarded


def exchange_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "exchange_not_found",
        Text("申请 {rma} 尚未选择换货商品", "No replacement has been chosen for {rma}").format(
            rma=rma_no
        ),
    )


def repair_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "repair_not_found",
        Text("申请 {rma} 没有维修单", "Request {rma} has no repair order").format(rma=rma_no),
    )

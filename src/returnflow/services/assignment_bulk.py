"""Bulk approve or reject from the review queue (issue 16), within the reviewer's authority.

Each request is decided in its own transaction by the same lifecycle step a single
decision takes (`services/returns.perform`): the row lock and the status check refuse a
second decision, so two clicks (or two people) never decide one request twice. An
approval whose refund is above the reviewer's money limit (`domain/authority.py`) is not
taken in bulk: it is left for its own page, where a manager's approval follows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from returnflow.domain.access import Permission, Principal
from returnflow.domain.assignment import OverAuthority
from returnflow.domain.authority import check_authority
from returnflow.domain.lifecycle import Action
from returnflow.services import returns as return_service
from returnflow.services.unit_of_work import UnitOfWork

BULK_MAX = 50  # one page of the queue


def decide_one(
    uow: UnitOfWork,
    rma_no: str,
    action: Action,
    principal: Principal,
    now: datetime,
    *,
    reason: str = "",
    limits: Mapping[str, int | None] | None = None,
) -> None:
    """Approve or reject one request as the single decision would, or raise why not."""
    principal.require(Permission.RETURNS_REVIEW)
    if action not in (Action.APPROVE, Action.REJECT):
        raise ValueError(f"{action} is not a review decision")
    request = return_service.get_return(
        uow, rma_no, merchant_scope=principal.merchant_scope, for_update=True
    )
    if action is Action.APPROVE:
        authority = check_authority(principal.actor, request.estimate.total, limits)
        if authority.needs_approval and authority.limit is not None:
            raise OverAuthority(authority.amount, authority.limit)
    return_service.perform(
        uow,
        rma_no,
        action,
        principal.actor,
        now,
        note=reason,
        merchant_scope=principal.merchant_scope,
    )

"""What the appeal pages and routes read (R3.2): the queue, one appeal, the portal panel.

Each answer is a frozen read model; nothing here changes anything. Every function takes
the caller's merchant scope, so a merchant sees only the appeals of its own requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.appeals import Appeal, AppealStatus, AppealSubject
from returnflow.domain.returns import ReturnRequest
from returnflow.services import appeals as appeal_service
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.appeals import AppealPage, AppealSummary

__all__ = [
    "AppealPage",
    "AppealPanel",
    "AppealSummary",
    "StaffAppealView",
    "customer_panel",
    "log_photo_access",
    "photo_visible",
    "queue",
    "staff_view",
]


def queue(
    uow: UnitOfWork,
    status: AppealStatus | None,
    page: int,
    page_size: int,
    *,
    merchant_scope: str | None = None,
) -> AppealPage:
    """Appeals oldest first (open ones: the queue a person works through)."""
    return uow.appeals.page(status, page, page_size, merchant_scope=merchant_scope)


@dataclass(frozen=True)
class StaffAppealView:
    """One request's appeal as the console shows it, with what staff may do now."""

    request: ReturnRequest
    appeal: Appeal | None
    can_overturn: bool  # an automated decision staff may overturn with a reason


def staff_view(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> StaffAppealView:
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    appeal = uow.appeals.get(rma_no)
    return StaffAppealView(request, appeal, appeal_service.overturnable(uow, request))


@dataclass(frozen=True)
class AppealPanel:
    """The portal's appeal panel: the appeal filed, or what may still be appealed."""

    appeal: Appeal | None
    subject: AppealSubject | None  # what an appeal now would be about (None: not open)
    closes_at: datetime | None  # the last moment to appeal
    window_open: bool


def customer_panel(
    uow: UnitOfWork, request: ReturnRequest, now: datetime, window_days: int
) -> AppealPanel:
    appeal = uow.appeals.get(request.rma_no)
    subject = None if appeal is not None else appeal_service.appealable(uow, request)
    if subject is None:
        return AppealPanel(appeal, None, None, False)
    closes = appeal_service.decided_at(request) + timedelta(days=window_days)
    return AppealPanel(None, subject, closes, now <= closes)


def photo_visible(
    uow: UnitOfWork, rma_no: str, name: str, *, merchant_scope: str | None = None
) -> bool:
    """Whether the appeal of a request this caller may see carries the photo `name`."""
    request = uow.returns.get(rma_no)
    if request is None or (merchant_scope is not None and request.merchant_id != merchant_scope):
        return False
    appeal = uow.appeals.get(rma_no)
    return appeal is not None and name in appeal.photos


def log_photo_access(uow: UnitOfWork, actor: str, rma_no: str, now: datetime) -> None:
    """R14.1: an appeal's photo shown to staff is logged like one on the request."""
    uow.accounts.log_access(actor, rma_no, "photo", now)

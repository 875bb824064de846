"""A merchant's own warehouse at the receiving desk (issue 15, R11.1, seed 000 ch.9).

A merchant whose profile names its own warehouse receives and inspects its own returns
with the platform's scanner desk and checklists. The rules, in one place:

- a merchant account (`merchant_scope` set) works the desk only once its profile has a
  warehouse (`no_own_warehouse`, 409, otherwise: its returns go to the platform's);
- it sees, scans, receives and inspects only requests whose `merchant_id` is its own; a
  foreign RMA or waybill answers exactly like an unknown one (`nothing_matches` /
  `return_not_found`), so nothing leaks whether it exists;
- unidentified parcels (no request matched) stay the platform's: for a merchant those
  pages and routes answer 404 as if they did not exist.

The platform's warehouse (`merchant_scope` None) passes every check unchanged.
"""

from __future__ import annotations

from returnflow.domain.shipping import Warehouse
from returnflow.domain.text import Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork


def no_own_warehouse() -> Conflict:
    return Conflict(
        "no_own_warehouse",
        Text(
            "您的退货寄往平台仓库，由平台收货和质检。如需在自己的仓库收货，请先在“我的退货条款”中填写仓库地址。",
            "Your returns go to the platform's warehouse, which receives and inspects them. "
            "To receive at your own warehouse, add its address under My return terms first.",
        ),
    )


def own_warehouse(uow: UnitOfWork, merchant_scope: str | None) -> Warehouse | None:
    """The merchant's own warehouse, None for platform staff; refused without one."""
    if merchant_scope is None:
        return None
    profile = uow.merchant_profiles.get(merchant_scope)
    if profile is None or profile.warehouse is None:
        raise no_own_warehouse()
    return profile.warehouse


def has_own_warehouse(uow: UnitOfWork, merchant_scope: str) -> bool:
    profile = uow.merchant_profiles.get(merchant_scope)
    return profile is not None and profile.warehouse is not None


def platform_only(merchant_scope: str | None) -> None:
    """Unidentified parcels and the bare pass/fail: a merchant is told they do not exist."""
    if merchant_scope is not None:
        raise NotFound("not_found", Text("找不到该页面", "Not found"))


def mine(merchant_id: str, merchant_scope: str | None) -> bool:
    return merchant_scope is None or merchant_id == merchant_scope

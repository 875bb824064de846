"""Errors the service layer raises beyond the domain's own rule refusals."""

from __future__ import annotations

from returnflow.domain.text import DomainError, Text


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


def order_not_found(order_no: str) -> NotFound:
    return NotFound(
        "order_not_found",
        Text("找不到订单 {no}", "Order {no} was not found").format(no=order_no),
    )


def return_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "return_not_found",
        Text("找不到退换货申请 {no}", "Return request {no} was not found").format(no=rma_no),
    )


def concurrent_update(rma_no: str) -> Conflict:
    return Conflict(
        "concurrent_update",
        Text(
            "申请 {no} 刚被他人修改，请刷新后重试",
            "Request {no} was just changed by someone else: reload and try again",
        ).format(no=rma_no),
    )

"""Filing by phone (R1.1): the agent finds the caller's order and files for them.

Same rules as the portal, channel `hotline`, the agent as actor. The caller's contact
is masked unless the agent may see it (R14.1). Each form carries a submission name,
so a second click on the same form gives the first answer, never a second request.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.returns import ReturnLine
from returnflow.domain.rules import ALLOWED_REASONS
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormList, FormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import hotline_queries, merchants
from returnflow.services import review as review_service
from returnflow.services.errors import NotFound
from returnflow.services.review import PhoneFiled, PhoneFiling
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_common import rma_url
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Filer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

_CHANGED = Text("订单刚被他人修改，请重试", "The order was just changed: try again")


def _hotline_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    order_no: str,
    *,
    form: dict[str, Any] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    values: dict[str, Any] = {
        "order_no": order_no,
        "order": None,
        "error": error,
        "types": list(RequestType),
        "reasons": list(Reason),
        "allowed_reasons": ALLOWED_REASONS,
        "form": form or {},
        "submission": (form or {}).get("submission") or secrets.token_urlsafe(16),
    }
    if order_no:
        principal = session.principal

        def read(uow: UnitOfWork, now: datetime) -> tuple[hotline_queries.CallerOrder, str]:
            found = hotline_queries.caller_order(uow, order_no, principal, now)
            return found, merchants.merchant_name(uow, found.order.merchant_id)

        try:
            found, merchant = perform(context, read)
        except NotFound as missing:
            values["error"] = error or missing.message
            status_code = status_code if error else 404
        else:
            values.update(
                order=found.order,
                caller=found.caller,
                eligibility=found.eligibility,
                delivered=found.delivered,
                merchant=merchant,  # the merchant's name, as the review queue shows it
            )
    return render_staff(
        request, session, "staff/hotline.html", values, section="hotline", status_code=status_code
    )


@router.get("/staff/hotline")
def hotline(request: Request, context: Context, session: Filer, order_no: str = "") -> Response:
    return _hotline_page(request, context, session, order_no.strip()[:64])


class _Refused(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def _hotline_line(
    number: str, count: str, why: str, words: str, opened: list[str]
) -> ReturnLine | None:
    """One row of the form; a row with quantity 0 is not asked for (None)."""
    try:
        line, units = params.line_no(number, "line_no"), params.quantity(count, "quantity")
    except DomainError as bad:
        raise _Refused(bad.message) from bad
    if units == 0:
        return None
    try:
        chosen = Reason(why)
    except ValueError as bad:
        raise _Refused(
            Text("请为第 {n} 行选择原因", "Choose a reason for line {n}").format(n=line)
        ) from bad
    return ReturnLine(line, units, chosen, words.strip()[:1000], str(line) in opened)


def _hotline_lines(
    line_no: list[str],
    quantity: list[str],
    reason: list[str],
    reason_text: list[str],
    opened: list[str],
) -> tuple[ReturnLine, ...]:
    if not len(line_no) == len(quantity) == len(reason) == len(reason_text):
        raise _Refused(Text("表单不完整，请刷新后重试", "The form is incomplete: reload it"))
    rows = zip(line_no, quantity, reason, reason_text, strict=True)
    chosen = tuple(
        line
        for number, count, why, words in rows
        if (line := _hotline_line(number, count, why, words, opened)) is not None
    )
    if not chosen:
        raise _Refused(Text("请至少为一行填写申请数量", "Enter a quantity for at least one line"))
    return chosen


def _typed(
    request_type: str,
    submission: str,
    columns: tuple[list[str], list[str], list[str], list[str]],
    opened: list[str],
) -> dict[str, Any]:
    """What the agent typed, to show the form again if it is refused."""
    line_no, quantity, reason, reason_text = columns
    return {
        "request_type": request_type,
        "submission": submission,
        "lines": {
            number: {"quantity": count, "reason": why, "reason_text": words}
            for number, count, why, words in zip(
                line_no, quantity, reason, reason_text, strict=False
            )
        },
        "opened": opened,
    }


def _file(context: AppContext, session: StaffSession, filing: PhoneFiling) -> PhoneFiled | Refused:
    principal = session.principal

    def step(uow: UnitOfWork, now: datetime) -> PhoneFiled:
        return review_service.file_by_phone(
            uow,
            filing,
            actor=principal.actor,
            user_id=principal.user_id,
            merchant_scope=principal.merchant_scope,
            now=now,
        )

    return attempt(context, step)


@router.post("/staff/hotline")
def hotline_file(
    request: Request,
    context: Context,
    session: Filer,
    line_no: FormList,
    quantity: FormList,
    reason: FormList,
    reason_text: FormList,
    opened: FormList,
    csrf_token: FormText = "",
    order_no: FormText = "",
    request_type: FormText = "",
    submission: FormText = "",
) -> Response:
    """File for the caller: same rules as the portal, channel `hotline`, the agent as actor."""
    check_csrf(session, csrf_token)
    order_no = order_no.strip()[:64]
    submission = submission.strip()[:64]
    columns = (line_no, quantity, reason, reason_text)
    form = _typed(request_type, submission, columns, opened)

    def again(error: Text, status_code: int) -> Response:
        return _hotline_page(
            request, context, session, order_no, form=form, error=error, status_code=status_code
        )

    try:
        chosen_type = RequestType(request_type)
    except ValueError:
        return again(Text("请选择申请类型", "Choose the kind of request"), 422)
    try:
        lines = _hotline_lines(*columns, opened)
    except _Refused as refused:
        return again(refused.message, 422)
    try:
        filed = _file(context, session, PhoneFiling(order_no, chosen_type, lines, submission))
    except NotFound as missing:
        return again(missing.message, 404)
    if isinstance(filed, Refused):
        changed = filed.code == "concurrent_update"
        return again(_CHANGED if changed else filed.message, filed.status)
    if filed.again:
        return RedirectResponse(rma_url(filed.rma_no), status_code=303)
    return RedirectResponse(rma_url(filed.rma_no, done="filed"), status_code=303)

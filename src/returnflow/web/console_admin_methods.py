"""Administration: the platform's return methods (issue 16, R4.1), until now API-only.

Door pickup, drop-off and self-ship as every merchant and province gets them unless an
adjustment of their own says otherwise: on or off, the fee, the expected days, and the
instructions the customer reads, in both languages. Saving one method stores the
platform-wide adjustment ("*", "*") through `services/shipping_settings.put_methods`
(the call behind `PUT /api/v1/shipping/methods/*/*`), keeping what that adjustment
already said about the other methods, the pickup hours and the warehouse.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.input_bounds import cents, whole_number
from returnflow.domain.shipping import ANY, Adjustment, MethodChange, ReturnMethod
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import shipping_settings
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Publisher
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
URL = "/staff/admin/return-methods"
MAX_FEE = 1_000_000  # fen: ten thousand yuan is no return fee


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    typed: dict[str, dict[str, str]] | None = None,
    refused: tuple[str, Refused] | None = None,
) -> Response:
    with context.uow() as uow:
        view = shipping_settings.method_book(uow, ANY, ANY)
    others = [a for a in view.adjustments if (a.merchant_id, a.province) != (ANY, ANY)]
    values = {
        "methods": view.book.methods,
        "typed": typed or {},
        "others": others,
        "refused_method": refused[0] if refused else "",
        "error": refused[1].message if refused else None,
        "saved": request.query_params.get("saved", ""),
    }
    status = refused[1].status if refused else 200
    return render_staff(
        request,
        session,
        "staff/admin_methods.html",
        values,
        section="admin-methods",
        status_code=status,
    )


@router.get(URL)
def methods_page(request: Request, context: Context, session: Publisher) -> Response:
    return _page(request, context, session)


def _change(typed: dict[str, str]) -> MethodChange:
    zh, en = typed.get("instructions_zh", ""), typed.get("instructions_en", "")
    if not zh or not en:
        raise DomainError(
            "instructions_required",
            Text("请填写中英文说明", "Write the instructions in both languages"),
            field="instructions",
        )
    return MethodChange(
        enabled=typed.get("enabled") == "on",
        fee=cents(typed.get("fee", ""), "fee", 0, MAX_FEE),
        expected_days=whole_number(typed.get("expected_days", ""), "expected_days", 1, 60),
        instructions=Text(zh, en),
    )


def _platform(uow: UnitOfWork) -> Adjustment:
    """The stored platform-wide adjustment, or an empty one."""
    view = shipping_settings.method_book(uow, ANY, ANY)
    found = [a for a in view.adjustments if (a.merchant_id, a.province) == (ANY, ANY)]
    return found[0] if found else Adjustment(ANY, ANY)


@router.post(URL + "/{name}")
async def save_method(
    request: Request, name: str, context: Context, session: Publisher
) -> Response:
    """Save one method's terms for every merchant and province without their own."""
    if name not in {m.value for m in ReturnMethod}:
        raise NotFound("not_found", Text("找不到该退货方式", "No such return method"))
    method = ReturnMethod(name)
    form = await request.form(max_fields=20)
    check_csrf(session, str(form.get("csrf_token", "")))
    names = ("enabled", "fee", "expected_days", "instructions_zh", "instructions_en")
    typed = {name: str(form.get(name, "")).strip()[:1000] for name in names}
    actor = session.principal.actor

    def step(uow: UnitOfWork, now: datetime) -> None:
        current = _platform(uow)
        methods = {**current.methods, method: _change(typed)}
        shipping_settings.put_methods(uow, replace(current, methods=methods), actor, now)

    done = attempt(context, step)
    if isinstance(done, Refused):
        return _page(request, context, session, {method.value: typed}, (method.value, done))
    return RedirectResponse(f"{URL}?saved={method.value}#method-{method.value}", status_code=303)

"""A merchant's own return terms (issue 15, R11.1, R2.1): `/staff/merchant/terms`.

The platform's terms per category beside the merchant's, in plain words; a form offering
better terms for one scope (all goods or a category) that publishes the next policy
version (a worse value is refused beside its field); the return methods it accepts, its
warehouse and its help-centre note; and the versions that changed its terms, with who
and when. A merchant account sees and edits only its own merchant (another id: 404);
managers and administrators pick a merchant (`?merchant=`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.merchant_profiles import MerchantProfile
from returnflow.domain.shipping import ReturnMethod, Warehouse
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import merchant_terms
from returnflow.services.errors import NotFound
from returnflow.services.policy_words import TERM_LABELS, scope_label
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import TermsKeeper
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
PAGE = "/staff/merchant/terms"
ALL = "all"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=64)]
Small = Annotated[str, Form(max_length=10)]
Line = Annotated[str, Form(max_length=200)]
Note = Annotated[str, Form(max_length=500)]
Methods = Annotated[list[str], Form(default_factory=list, max_length=5)]
Code = Annotated[str, Query(max_length=64)]
Errors = dict[str, Text]
DAY_FIELDS = ("no_reason_days", "quality_refund_days", "quality_exchange_days", "warranty_days")


def _merchant(session: StaffSession, wanted: str) -> str:
    """A merchant account's own id whatever was asked (another id is refused later)."""
    return wanted or session.principal.merchant_scope or ""


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    merchant_id: str,
    *,
    scope: str = ALL,
    errors: Errors | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    scope_of = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        found: dict[str, Any] = {"view": None, "merchants": []}
        if scope_of is None:
            found["merchants"] = merchant_terms.merchants(uow)
        if merchant_id:
            found["view"] = merchant_terms.terms_view(
                uow, merchant_id, now, merchant_scope=scope_of
            )
        return found

    values = perform(context, read)
    view = values["view"]
    chosen = None
    if view is not None:
        chosen = next((s for s in view.scopes if (s.category or ALL) == scope), view.scopes[0])
    values.update(
        {
            "chosen": chosen,
            "errors": errors or {},
            "typed": typed or {},
            "labels": TERM_LABELS,
            "scope_label": scope_label,
            "methods": list(ReturnMethod),
            "saved": request.query_params.get("saved", ""),
            "ALL": ALL,
        }
    )
    return render_staff(
        request,
        session,
        "staff/merchant_terms.html",
        values,
        section="merchant-terms",
        status_code=status_code,
    )


@router.get(PAGE)
def terms_page(
    request: Request,
    context: Context,
    session: TermsKeeper,
    merchant: Code = "",
    scope: Code = ALL,
) -> Response:
    return _page(request, context, session, _merchant(session, merchant), scope=scope)


def _days(name: str, typed: str) -> int:
    if not typed.strip().isdigit():
        raise DomainError(
            "term_not_a_number",
            Text("请填写天数（整数）", "Enter a whole number of days"),
            field=name,
        )
    return int(typed.strip())


def _redirect(merchant_id: str, scope: str, saved: str) -> Response:
    query = urlencode({"merchant": merchant_id, "scope": scope, "saved": saved})
    return RedirectResponse(f"{PAGE}?{query}", status_code=303)


@router.post(PAGE)
def publish_terms(
    request: Request,
    context: Context,
    session: TermsKeeper,
    csrf_token: Csrf = "",
    merchant_id: Short = "",
    scope: Short = ALL,
    no_reason_days: Small = "",
    quality_refund_days: Small = "",
    quality_exchange_days: Small = "",
    warranty_days: Small = "",
    merchant_pays_no_reason_shipping: Small = "",
) -> Response:
    """Publish the merchant's better terms for one scope as the next policy version."""
    check_csrf(session, csrf_token)
    merchant = _merchant(session, merchant_id)
    typed = {
        "no_reason_days": no_reason_days,
        "quality_refund_days": quality_refund_days,
        "quality_exchange_days": quality_exchange_days,
        "warranty_days": warranty_days,
        "merchant_pays_no_reason_shipping": merchant_pays_no_reason_shipping,
    }
    category = None if scope == ALL else scope

    def step(uow: UnitOfWork, now: datetime) -> None:
        values: dict[str, int | bool] = {name: _days(name, typed[name]) for name in DAY_FIELDS}
        values["merchant_pays_no_reason_shipping"] = merchant_pays_no_reason_shipping == "on"
        merchant_terms.set_scope(
            uow,
            merchant,
            category,
            values,
            session.principal.actor,
            now,
            merchant_scope=session.principal.merchant_scope,
        )

    refused = _try(context, step)
    if refused is not None:
        return _page(
            request,
            context,
            session,
            merchant,
            scope=scope,
            errors=refused,
            typed=typed,
            status_code=422,
        )
    return _redirect(merchant, scope, "terms")


@router.post("/staff/merchant/profile")
def save_profile(
    request: Request,
    context: Context,
    session: TermsKeeper,
    methods: Methods,
    csrf_token: Csrf = "",
    merchant_id: Short = "",
    warehouse_name: Line = "",
    warehouse_phone: Line = "",
    warehouse_province: Line = "",
    warehouse_city: Line = "",
    warehouse_district: Line = "",
    warehouse_detail: Line = "",
    note_zh: Note = "",
    note_en: Note = "",
) -> Response:
    """The return methods accepted (the shipping choice follows), warehouse and note."""
    check_csrf(session, csrf_token)
    merchant = _merchant(session, merchant_id)
    address = (
        warehouse_name,
        warehouse_phone,
        warehouse_province,
        warehouse_city,
        warehouse_district,
        warehouse_detail,
    )
    profile = MerchantProfile(
        merchant,
        tuple(m for m in ReturnMethod if m.value in methods),
        Warehouse(*(a.strip() for a in address)) if any(a.strip() for a in address) else None,
        Text(note_zh.strip(), note_en.strip()) if note_zh.strip() or note_en.strip() else None,
    )
    refused = _try(
        context,
        lambda uow, now: merchant_terms.save_profile(
            uow,
            profile,
            session.principal.actor,
            now,
            merchant_scope=session.principal.merchant_scope,
        ),
    )
    if refused is not None:
        return _page(request, context, session, merchant, errors=refused, status_code=422)
    return _redirect(merchant, ALL, "profile")


def _try(context: AppContext, step: Any) -> Errors | None:
    """None when done; else the refusal by field (not-found still answers 404)."""
    try:
        perform(context, step)
    except NotFound:
        raise
    except DomainError as refused:
        return {refused.field or "form": refused.message}
    return None

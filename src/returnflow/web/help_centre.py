"""The public help centre's return-policy pages (issue 15, R2.1): no sign-in.

`/help` (issue 16) answers the questions customers ask, in plain words, with every
figure read from the policy in force, the return-method book and the refund settings.
`/help/returns` (the platform's promise, by category), `/help/returns/merchants/{id}`
(what one merchant adds), `…/categories/{category}` and `…/products/{sku}` (what applies
to one category or product). Phone-first, in the visitor's language (the header's
switch); public and cacheable for five minutes, varying with the language cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.entrypoints.deps import Context
from returnflow.services import help_facts, policy_summary
from returnflow.services.policy_words import EXCLUSIONS, INTACT, TERM_LABELS
from returnflow.web.templating import render

router = APIRouter(include_in_schema=False)
BASE = "/help/returns"
Code = Annotated[str, Path(min_length=1, max_length=64)]


def _render(request: Request, template: str, values: dict[str, Any]) -> Response:
    shared = {"exclusions": EXCLUSIONS, "intact": INTACT, "labels": TERM_LABELS}
    response = render(request, template, {**shared, **values})
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@router.get("/help")
def faq_page(request: Request, context: Context) -> Response:
    with context.uow() as uow:
        facts = help_facts.customer_facts(uow, context.settings, context.clock())
    return _render(request, "help/faq.html", {"facts": facts})


@router.get(BASE)
def platform_page(request: Request, context: Context) -> Response:
    with context.uow() as uow:
        found = policy_summary.platform_help(uow, context.clock())
    return _render(request, "help/returns.html", {"help": found})


@router.get(BASE + "/merchants/{merchant_id}")
def merchant_page(request: Request, context: Context, merchant_id: Code) -> Response:
    with context.uow() as uow:
        found = policy_summary.merchant_help(uow, merchant_id, context.clock())
    return _render(request, "help/merchant.html", {"help": found})


def _terms_page(
    request: Request, context: AppContext, merchant_id: str, sku: str | None, category: str | None
) -> Response:
    with context.uow() as uow:
        found = policy_summary.summary(uow, merchant_id, sku, category, context.clock())
    return _render(request, "help/terms.html", {"found": found})


@router.get(BASE + "/merchants/{merchant_id}/categories/{category}")
def category_page(
    request: Request, context: Context, merchant_id: Code, category: Code
) -> Response:
    return _terms_page(request, context, merchant_id, None, category)


@router.get(BASE + "/merchants/{merchant_id}/products/{sku}")
def product_page(request: Request, context: Context, merchant_id: Code, sku: Code) -> Response:
    return _terms_page(request, context, merchant_id, sku, None)

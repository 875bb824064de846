"""The public return-policy summary for product pages and checkout (issue 15, R2.1).

`GET /api/v1/policy/summary?merchant=&sku=` (or `&category=`): no token needed. The
answer carries both languages and the numbers (days, who pays), is cacheable for five
minutes (`Cache-Control: public, max-age=300`, exempt from the API's `no-store` in
entrypoints/security_headers.py) and has an `ETag` from the policy version, the
merchant's profile and the product; `If-None-Match` with it answers 304.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from returnflow.api.merchant_terms import MethodOut, TermsNumbers, WordsOut
from returnflow.domain.policy import Terms
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.services import policy_summary
from returnflow.services.policy_summary import Summary
from returnflow.services.policy_words import EXCLUSIONS, INTACT, payer

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
SummaryPath = "/summary"
CACHE = "public, max-age=300"
Code = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


class NumbersOut(TermsNumbers):
    no_reason_shipping_payer: Literal["customer", "merchant"]
    fault_shipping_payer: Literal["merchant"] = "merchant"


class LineOut(BaseModel):
    code: str
    better: bool
    words: WordsOut


class NamedOut(BaseModel):
    id: str
    name: str


class ProductOut(BaseModel):
    sku: str
    title: str
    category: str


class CategoryOut(BaseModel):
    code: str
    label: WordsOut


class PolicySummaryOut(BaseModel):
    """What can be returned, until when (days from delivery), who pays; `better` names the
    terms where the merchant beats the platform."""

    policy_version: int
    merchant: NamedOut | None
    product: ProductOut | None
    category: CategoryOut | None
    terms: NumbersOut
    platform: NumbersOut
    better: list[str]
    lines: list[LineOut]
    exclusions: list[WordsOut]
    return_methods: list[MethodOut]
    note: WordsOut | None
    help_url: str


def _numbers(terms: Terms) -> NumbersOut:
    numbers = TermsNumbers.model_validate(terms, from_attributes=True).model_dump()
    return NumbersOut(**numbers, no_reason_shipping_payer=payer(terms))


def _answer(found: Summary) -> PolicySummaryOut:
    chosen = found.scope
    product = found.product
    help_url = "/help/returns"
    if found.merchant_id is not None:
        help_url += f"/merchants/{found.merchant_id}"
        if product is not None:
            help_url += f"/products/{product.sku}"
        elif chosen.category is not None:
            help_url += f"/categories/{chosen.category}"
    lines = [*chosen.lines, *found.product_lines]
    profile = found.profile
    return PolicySummaryOut(
        policy_version=found.policy.version,
        merchant=None
        if found.merchant_id is None
        else NamedOut(id=found.merchant_id, name=found.merchant_name or found.merchant_id),
        product=None
        if product is None
        else ProductOut(sku=product.sku, title=product.title, category=product.category),
        category=None
        if chosen.category is None
        else CategoryOut(code=chosen.category, label=WordsOut.of(chosen.label)),
        terms=_numbers(chosen.terms),
        platform=_numbers(chosen.platform),
        better=list(chosen.better),
        lines=[LineOut(code=x.code, better=x.better, words=WordsOut.of(x.text)) for x in lines],
        exclusions=[WordsOut.of(x) for x in (*EXCLUSIONS, INTACT)],
        return_methods=[]
        if profile is None
        else [MethodOut(code=m.value, label=WordsOut.of(m.label)) for m in profile.methods],
        note=None if profile is None or profile.note is None else WordsOut.of(profile.note),
        help_url=help_url,
    )


@router.get(
    SummaryPath,
    response_model=PolicySummaryOut,
    responses={304: {"description": "Not modified (ETag matched)"}},
)
def policy_summary_route(
    request: Request,
    response: Response,
    context: Context,
    merchant: Code = None,
    sku: Code = None,
    category: Code = None,
) -> PolicySummaryOut | Response:
    """Public: the return terms for a product, a merchant's category or goods, or the
    platform's; no sign-in. Unknown merchant, product or category: 404."""
    if sku is not None and merchant is None:
        raise DomainError(
            "merchant_required",
            Text("查询商品时请同时提供商家", "Give the merchant with the sku"),
            field="merchant",
        )
    with context.uow() as uow:
        found = policy_summary.summary(uow, merchant, sku, category, context.clock())
    headers = {"ETag": found.etag, "Cache-Control": CACHE, "Vary": "Accept-Encoding"}
    if found.etag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return _answer(found)


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}

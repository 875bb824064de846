"""What each party owes for the returns it bears (R8.4): merchant statements, carrier claims.

Finance and managers (the reports permission) read any merchant's statement and the
carrier-claims report: `/api/v1/finance/merchants/{merchant_id}/statement` and
`/api/v1/finance/carrier-claims`. A merchant account reads its own statement only, at
`/api/v1/merchant/statement`: the merchant comes from the account, never from the
request, so no merchant can name another's (a staff account there has no statement:
404). `from` and `to` are local days (China Standard Time, `YYYY-MM-DD`, both
inclusive; neither: this month so far); `format=csv|xlsx` downloads the same lines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.roles import Reporter, Viewer
from returnflow.app_context import AppContext
from returnflow.domain.money import Money
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.files import attachment
from returnflow.services import liability_exports
from returnflow.services import liability_queries as queries
from returnflow.services.liability_queries import ClaimsReport, Statement

router = APIRouter(tags=["finance"])

Format = Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")]
DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
MerchantId = Annotated[str, Path(min_length=1, max_length=queries.MAX_PARTY)]
CarrierCode = Annotated[str, Query(max_length=queries.MAX_PARTY)]


class StatementLineOut(BaseModel):
    at: datetime
    rma_no: str
    source: Literal["ruling", "lost_in_transit", "inspection", "other"]
    reference: str
    memo: str
    amount: schemas.Money
    balance: schemas.Money


class StatementOut(BaseModel):
    merchant_id: str
    merchant_name: str
    start: date
    end: date
    currency: str
    opening: schemas.Money
    lines: list[StatementLineOut]
    charged: schemas.Money
    closing: schemas.Money


class ClaimOut(BaseModel):
    at: datetime
    rma_no: str
    reference: str
    waybill: str
    memo: str
    amount: schemas.Money


class CarrierClaimsOut(BaseModel):
    carrier: str
    carrier_name: str  # in the request's language
    claims: list[ClaimOut]
    total: schemas.Money


class ClaimsReportOut(BaseModel):
    start: date
    end: date
    currency: str
    carriers: list[CarrierClaimsOut]
    total: schemas.Money


def _m(money: Money) -> schemas.Money:
    return schemas.Money(amount=money.cents, currency=money.currency)


def statement_out(statement: Statement) -> StatementOut:
    return StatementOut(
        merchant_id=statement.merchant_id,
        merchant_name=statement.merchant_label,
        start=statement.period.start,
        end=statement.period.end,
        currency=statement.currency,
        opening=_m(statement.opening),
        lines=[
            StatementLineOut(
                at=line.at,
                rma_no=line.rma_no,
                source=line.source,
                reference=line.reference,
                memo=line.memo,
                amount=_m(line.amount),
                balance=_m(line.balance),
            )
            for line in statement.lines
        ],
        charged=_m(statement.charged),
        closing=_m(statement.closing),
    )


def claims_out(report: ClaimsReport, language: str = "zh") -> ClaimsReportOut:
    return ClaimsReportOut(
        start=report.period.start,
        end=report.period.end,
        currency=report.currency,
        carriers=[
            CarrierClaimsOut(
                carrier=group.carrier,
                carrier_name=group.carrier_name.in_language(language) or group.carrier,
                claims=[
                    ClaimOut(
                        at=c.at,
                        rma_no=c.rma_no,
                        reference=c.reference,
                        waybill=c.waybill,
                        memo=c.memo,
                        amount=_m(c.amount),
                    )
                    for c in group.claims
                ],
                total=_m(group.total),
            )
            for group in report.carriers
        ],
        total=_m(report.total),
    )


def _statement(
    context: AppContext, merchant_id: str, date_from: str, date_to: str, fmt: str, language: str
) -> Response | StatementOut:
    when = queries.period(date_from, date_to, context.clock())
    with context.uow() as uow:
        statement = queries.merchant_statement(uow, merchant_id, when)
    if fmt in ("csv", "xlsx"):
        file = liability_exports.statement_file(statement, fmt, language)
        return attachment(file.content, file.media_type, file.filename)
    return statement_out(statement)


@router.get("/api/v1/finance/merchants/{merchant_id}/statement", response_model=StatementOut)
def merchant_statement(
    merchant_id: MerchantId,
    context: Context,
    language: Language,
    principal: Reporter,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    fmt: Format = "json",
) -> Response | StatementOut:
    """Any merchant's charges in a period, with the running balance (finance, managers)."""
    merchant = queries.party_id(merchant_id, "merchant_id")
    return _statement(context, merchant, date_from, date_to, fmt, language)


@router.get("/api/v1/merchant/statement", response_model=StatementOut)
def own_statement(
    context: Context,
    language: Language,
    principal: Viewer,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    fmt: Format = "json",
) -> Response | StatementOut:
    """The signed-in merchant's own statement; the merchant is the account's."""
    merchant = queries.own_merchant(principal.merchant_scope)
    return _statement(context, merchant, date_from, date_to, fmt, language)


@router.get("/api/v1/finance/carrier-claims", response_model=ClaimsReportOut)
def carrier_claims(
    context: Context,
    language: Language,
    principal: Reporter,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    carrier: CarrierCode = "",
    fmt: Format = "json",
) -> Response | ClaimsReportOut:
    """Claims against carriers for lost or damaged parcels, per carrier with totals."""
    when = queries.period(date_from, date_to, context.clock())
    wanted = queries.party_id(carrier, "carrier") if carrier.strip() else None
    registry = context.carrier_registry()
    with context.uow() as uow:
        report = queries.carrier_claims(uow, when, carrier=wanted, carriers=registry)
    if fmt in ("csv", "xlsx"):
        file = liability_exports.claims_file(report, fmt, language)
        return attachment(file.content, file.media_type, file.filename)
    return claims_out(report, language)

"""The risk register and frequent-returner care over the API (issue 15, R10.1, R10.2, R10.4).

- `GET /api/v1/risk/register` (risk.view): every risk with its rating, level, owner,
  mitigation, status, review date and the monitors that indicate it (their last reading
  and open incidents); `PUT /api/v1/risk/register/{code}` (risk.manage) edits one,
  `GET …/{code}/history` lists its changes.
- `GET /api/v1/risk/care` (risk.judge: agents, managers): frequent returners (`reason`,
  `page`); `GET /api/v1/risk/care/{customer_id}` one customer (contact masked without
  customers.contact); `POST …/{customer_id}/outreach` (with an optional
  `Idempotency-Key`) records an outreach and puts its one outbox message;
  `PUT …/outreach/{outreach_id}` records its outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from returnflow.api import schemas
from returnflow.api.roles import RiskJudge, RiskManager, RiskViewer
from returnflow.domain.returner_care import (
    MIN_REQUESTS,
    THEMES,
    WINDOW_DAYS,
    Action,
    Outcome,
    Outreach,
    OutreachAsk,
    likely_cause,
    theme_label,
)
from returnflow.domain.risk_register import RiskEdit, RiskStatus
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import returner_care as care
from returnflow.services import risk_register as service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]
ThemeName = Literal[
    "size", "no_reason", "quality", "not_as_described", "wrong_item",
    "damaged_in_transit", "missing_parts", "not_delivered",
]  # fmt: skip
assert set(get_args(ThemeName)) == set(THEMES)


class Words(BaseModel):
    zh: str
    en: str


class IndicatorOut(BaseModel):
    monitor_id: int
    indicator: str
    scope: str
    label: Words
    value: float | None  # the worst key's last value (a rate 0–1, or a count)
    threshold: float | None
    key: str | None
    breached_keys: int
    read_at: datetime | None
    open_incidents: list[int]


class RiskOut(BaseModel):
    code: str
    name: Words
    description: Words
    probability: int
    impact: int
    rating: int
    level: str
    owner: str
    owner_name: str
    mitigation: str
    status: str
    review_on: date | None
    updated_by: str
    updated_at: datetime
    indicators: list[IndicatorOut]


class RiskIn(schemas.Strict):
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner: str = Field(default="", max_length=100)
    mitigation: str = Field(min_length=1, max_length=4000)
    status: RiskStatus
    review_on: date | None = None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    changes: dict[str, list[str]]


def _words(text: Text) -> Words:
    return Words(zh=text.zh, en=text.en)


def _risk(e: service.RegisterEntry) -> RiskOut:
    r = e.risk
    return RiskOut(
        code=r.code, name=_words(e.kind.name), description=_words(e.kind.description),
        probability=r.probability, impact=r.impact, rating=r.rating, level=r.level.value,
        owner=r.owner, owner_name=e.owner_name, mitigation=r.mitigation, status=r.status.value,
        review_on=r.review_on, updated_by=r.updated_by, updated_at=r.updated_at,
        indicators=[_indicator(i) for i in e.indicators],
    )  # fmt: skip


def _indicator(i: service.IndicatorView) -> IndicatorOut:
    m, w = i.monitor, i.worst
    return IndicatorOut(
        monitor_id=m.id, indicator=m.indicator.value, scope=m.scope.value,
        label=_words(m.indicator.label), value=w.value if w else None,
        threshold=w.threshold if w else None, key=w.key if w else None,
        breached_keys=i.breached_keys, read_at=i.read_at,
        open_incidents=[x.id for x in i.incidents],
    )  # fmt: skip


@router.get("/register", response_model=list[RiskOut])
def register(context: Context, principal: RiskViewer) -> list[RiskOut]:
    """The register, highest rating first (seeded with the five risk types on first read)."""
    return perform(context, lambda uow, now: [_risk(e) for e in service.register(uow, now)])


@router.put("/register/{code}", response_model=RiskOut)
def edit(code: Code, body: RiskIn, context: Context, principal: RiskManager) -> RiskOut:
    change = RiskEdit(
        body.probability, body.impact, body.owner, body.mitigation, body.status, body.review_on
    )

    def step(uow: UnitOfWork, now: datetime) -> RiskOut:
        service.edit(uow, code, change, principal.actor, now)
        return _risk(service.entry(uow, code, now))

    return perform(context, step)


@router.get("/register/{code}/history", response_model=list[HistoryOut])
def history(code: Code, context: Context, principal: RiskViewer) -> list[HistoryOut]:
    found = perform(context, lambda uow, now: service.history(uow, code))
    return [HistoryOut(at=h.at, actor=h.actor, changes=h.changes) for h in found]


class ReturnerOut(BaseModel):
    customer_id: str
    name: str
    reason: str
    reason_label: Words
    likely_cause: Words
    requests: int
    last_filed_at: datetime
    last_outreach_at: datetime | None
    last_outcome: str | None


class CarePageOut(BaseModel):
    window_days: int
    min_requests: int
    total: int
    page: int
    pages: int
    returners: list[ReturnerOut]


@router.get("/care", response_model=CarePageOut)
def care_list(
    context: Context,
    principal: RiskJudge,
    reason: ThemeName | None = None,
    page: Annotated[int, Query(ge=1, le=care.MAX_PAGE)] = 1,
) -> CarePageOut:
    """Customers with ≥ 3 counted requests of one reason in 90 days, most first."""
    found = perform(context, lambda uow, now: care.listing(uow, reason, page, now))
    rows = [
        ReturnerOut(
            customer_id=r.customer_id,
            name=found.names.get(r.customer_id, ""),
            reason=r.theme,
            reason_label=_words(theme_label(r.theme)),
            likely_cause=_words(likely_cause(r.theme)),
            requests=r.requests,
            last_filed_at=r.last_at,
            last_outreach_at=o.created_at if o else None,
            last_outcome=o.outcome.value if o and o.outcome else None,
        )
        for r, o in found.rows
    ]
    return CarePageOut(
        window_days=WINDOW_DAYS, min_requests=MIN_REQUESTS, total=found.total,
        page=found.page, pages=found.pages, returners=rows,
    )  # fmt: skip


class OutreachOut(BaseModel):
    id: int
    customer_id: str
    reason: str
    action: str
    note: str
    link: str
    coupon_code: str
    coupon_amount: int  # fen
    created_by: str
    created_at: datetime
    outcome: str | None
    outcome_at: datetime | None
    returns_before: int | None = None
    returns_after: int | None = None
    effect_complete: bool | None = None


class CareCustomerOut(BaseModel):
    customer_id: str
    name: str
    phone: str
    email: str
    reasons: dict[str, int]
    frequent_reasons: list[str]
    outreach: list[OutreachOut]


def _outreach(o: Outreach, effect: care.Effect | None = None) -> OutreachOut:
    return OutreachOut(
        id=o.id, customer_id=o.customer_id, reason=o.theme, action=o.action.value, note=o.note,
        link=o.link, coupon_code=o.coupon_code, coupon_amount=o.coupon_fen,
        created_by=o.created_by, created_at=o.created_at,
        outcome=o.outcome.value if o.outcome else None, outcome_at=o.outcome_at,
        returns_before=effect.before if effect else None,
        returns_after=effect.after if effect else None,
        effect_complete=effect.complete if effect else None,
    )  # fmt: skip


@router.get("/care/{customer_id}", response_model=CareCustomerOut)
def care_customer(
    customer_id: CustomerId, context: Context, principal: RiskJudge
) -> CareCustomerOut:
    c = perform(context, lambda uow, now: care.customer(uow, customer_id, principal, now))
    return CareCustomerOut(
        customer_id=c.customer_id, name=c.name, phone=c.phone, email=c.email,
        reasons=c.themes, frequent_reasons=list(c.frequent),
        outreach=[_outreach(o, e) for o, e in c.outreach],
    )  # fmt: skip


class OutreachIn(schemas.Strict):
    reason: ThemeName
    action: Action
    note: str = Field(default="", max_length=1000)
    link: str = Field(default="", max_length=500)
    coupon_amount: int = Field(default=0, ge=0, le=10_000)  # fen


@router.post("/care/{customer_id}/outreach", status_code=201, response_model=OutreachOut)
def reach_out(
    customer_id: CustomerId,
    body: OutreachIn,
    context: Context,
    principal: RiskJudge,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """One outreach and its one outbox message; a retry with the same `Idempotency-Key`
    answers the first outreach (`Idempotent-Replayed: true`) and sends nothing more."""
    ask = OutreachAsk(body.reason, body.action, body.note, body.link, body.coupon_amount)
    made, replayed = perform(
        context,
        lambda uow, now: care.reach_out(
            uow, customer_id, ask, idempotency_key, principal.actor, now
        ),
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(_outreach(made).model_dump(mode="json"), 201, headers=headers)


class OutcomeIn(schemas.Strict):
    outcome: Outcome


@router.put("/care/{customer_id}/outreach/{outreach_id}", response_model=OutreachOut)
def record_outcome(
    customer_id: CustomerId,
    outreach_id: RowId,
    body: OutcomeIn,
    context: Context,
    principal: RiskJudge,
) -> OutreachOut:
    found = perform(
        context,
        lambda uow, now: care.record_outcome(
            uow, customer_id, outreach_id, body.outcome, principal.actor, now
        ),
    )
    return _outreach(found)

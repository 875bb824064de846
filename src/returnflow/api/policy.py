"""The published return policy and its versions (R2.1, R2.5)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from returnflow.api.roles import PolicyViewer, Publisher
from returnflow.domain.policy import MerchantTerms, PolicyVersion, Terms
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import policies
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])


class TermsIn(BaseModel):
    no_reason_days: int = Field(ge=0, le=365)
    quality_refund_days: int = Field(ge=0, le=365)
    quality_exchange_days: int = Field(ge=0, le=365)
    warranty_days: int = Field(ge=0, le=3650)
    merchant_pays_no_reason_shipping: bool = False


class MerchantTermsIn(BaseModel):
    merchant_id: str = Field(min_length=1, max_length=64)
    category: str | None = None
    overrides: dict[str, int | bool]


class PolicyDraft(BaseModel):
    """A new version: fields left out are copied from the latest version."""

    effective_from: AwareDatetime
    baseline: TermsIn | None = None
    categories: dict[str, TermsIn] | None = None
    merchants: list[MerchantTermsIn] | None = None
    auto_approve_limit: int | None = Field(default=None, ge=0)
    review_hours: int | None = Field(default=None, ge=1, le=720)
    ship_within_days: int | None = Field(default=None, ge=1, le=90)
    confirm_within_days: int | None = Field(default=None, ge=1, le=90)

    def to_draft(self) -> policies.PolicyDraft:
        return policies.PolicyDraft(
            effective_from=self.effective_from,
            baseline=None if self.baseline is None else Terms(**self.baseline.model_dump()),
            categories=None
            if self.categories is None
            else {name: Terms(**terms.model_dump()) for name, terms in self.categories.items()},
            merchants=None
            if self.merchants is None
            else tuple(
                MerchantTerms(m.merchant_id, m.category, m.overrides) for m in self.merchants
            ),
            auto_approve_limit=self.auto_approve_limit,
            review_hours=self.review_hours,
            ship_within_days=self.ship_within_days,
            confirm_within_days=self.confirm_within_days,
        )


class TermsOut(BaseModel):
    no_reason_days: int
    quality_refund_days: int
    quality_exchange_days: int
    warranty_days: int
    merchant_pays_no_reason_shipping: bool

    @classmethod
    def of(cls, terms: Terms) -> TermsOut:
        return cls(
            no_reason_days=terms.no_reason_days,
            quality_refund_days=terms.quality_refund_days,
            quality_exchange_days=terms.quality_exchange_days,
            warranty_days=terms.warranty_days,
            merchant_pays_no_reason_shipping=terms.merchant_pays_no_reason_shipping,
        )


class MerchantTermsOut(BaseModel):
    merchant_id: str
    category: str | None
    overrides: dict[str, bool | int]


class PolicyOut(BaseModel):
    """One version as published; `effective_from` in ISO 8601 with its offset."""

    version: int
    effective_from: str
    timezone: str
    baseline: TermsOut
    categories: dict[str, TermsOut]
    merchants: list[MerchantTermsOut]
    auto_approve_limit: int
    review_hours: int
    ship_within_days: int
    confirm_within_days: int

    @classmethod
    def of(cls, policy: PolicyVersion) -> PolicyOut:
        return cls(
            version=policy.version,
            effective_from=_iso(policy.effective_from),
            timezone=policy.timezone,
            baseline=TermsOut.of(policy.baseline),
            categories={name: TermsOut.of(t) for name, t in policy.categories.items()},
            merchants=[
                MerchantTermsOut(
                    merchant_id=m.merchant_id, category=m.category, overrides=dict(m.overrides)
                )
                for m in policy.merchants
            ],
            auto_approve_limit=policy.auto_approve_limit,
            review_hours=policy.review_hours,
            ship_within_days=policy.ship_within_days,
            confirm_within_days=policy.confirm_within_days,
        )


class VersionOut(BaseModel):
    version: int
    effective_from: str


class PolicyBookOut(BaseModel):
    current: PolicyOut
    versions: list[VersionOut]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@router.get("", response_model=PolicyBookOut)
def get_policy(context: Context, _: PolicyViewer) -> PolicyBookOut:
    """The version in force now, and every version with its start."""
    now = context.clock()
    with context.uow() as uow:
        book = policies.policy_book(uow)
    return PolicyBookOut(
        current=PolicyOut.of(book.in_force_at(now)),
        versions=[
            VersionOut(version=v.version, effective_from=_iso(v.effective_from))
            for v in book.versions
        ],
    )


@router.post("/versions", status_code=201, response_model=PolicyOut)
def publish_version(
    draft: PolicyDraft,
    context: Context,
    principal: Publisher,
) -> PolicyOut:
    """Publish the next version; orders placed before `effective_from` keep their old terms."""

    def publish(uow: UnitOfWork, now: datetime) -> PolicyVersion:
        return policies.publish_version(uow, draft.to_draft(), now, principal.actor)

    return PolicyOut.of(perform(context, publish))

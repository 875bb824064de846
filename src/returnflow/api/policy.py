"""The published return policy and its versions (R2.1, R2.5)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, Field
from starlette.responses import JSONResponse

from returnflow.domain.access import Permission, Principal
from returnflow.domain.policy import MerchantTerms, Terms
from returnflow.entrypoints.deps import Allowed, Context
from returnflow.storage import codecs

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


@router.get("")
def get_policy(
    context: Context, _: Annotated[Principal, Depends(Allowed(Permission.POLICY_VIEW))]
) -> dict[str, Any]:
    """The version in force now, and every version with its start."""
    now = context.clock()
    with context.uow() as uow:
        book = uow.policies.book()
    return {
        "current": codecs.policy_to_json(book.in_force_at(now)),
        "versions": [
            {"version": v.version, "effective_from": v.effective_from.isoformat()}
            for v in book.versions
        ],
    }


@router.post("/versions", status_code=201)
def publish_version(
    draft: PolicyDraft,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.POLICY_PUBLISH))],
) -> JSONResponse:
    """Publish the next version; orders placed before `effective_from` keep their old terms."""
    now = context.clock()
    with context.uow() as uow:
        book = uow.policies.book()
        latest = book.latest()
        changes: dict[str, Any] = {
            "version": book.next_version_number(),
            "effective_from": draft.effective_from,
        }
        if draft.baseline is not None:
            changes["baseline"] = Terms(**draft.baseline.model_dump())
        if draft.categories is not None:
            changes["categories"] = {
                k: Terms(**v.model_dump()) for k, v in draft.categories.items()
            }
        if draft.merchants is not None:
            changes["merchants"] = tuple(
                MerchantTerms(m.merchant_id, m.category, m.overrides) for m in draft.merchants
            )
        for name in (
            "auto_approve_limit",
            "review_hours",
            "ship_within_days",
            "confirm_within_days",
        ):
            value = getattr(draft, name)
            if value is not None:
                changes[name] = value
        version = replace(latest, **changes)
        if not uow.policies.has_any():
            # the built-in version 1 becomes a stored record, so history is complete
            uow.policies.add(latest, now, "system")
        uow.policies.add(version, now, principal.actor)
        uow.commit(now)
    return JSONResponse(codecs.policy_to_json(version), status_code=201)

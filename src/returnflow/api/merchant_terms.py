"""A merchant's own return terms and after-sales profile (issue 15, R11.1).

`GET/PUT /api/v1/merchants/{merchant_id}/terms`: the platform's terms per category beside
the merchant's, and the replacement of all its better terms at once (a new policy
version, recorded with who and when). `GET/PUT …/profile`: the return methods it
accepts, its warehouse, its help-centre note. A merchant account reaches only its own
merchant (any other id: 404); managers and administrators reach every merchant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from returnflow.api.roles import TermsKeeper
from returnflow.domain.merchant_profiles import FIELD_MAX, NOTE_MAX, MerchantProfile
from returnflow.domain.shipping import ReturnMethod, Warehouse
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import merchant_terms
from returnflow.services.merchant_terms import TermsView
from returnflow.services.policy_words import Scope
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/merchants", tags=["merchants"])
MerchantId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]


class WordsOut(BaseModel):
    zh: str
    en: str

    @classmethod
    def of(cls, text: Text) -> WordsOut:
        return cls(zh=text.zh, en=text.en)


class TermsNumbers(BaseModel):
    no_reason_days: int
    quality_refund_days: int
    quality_exchange_days: int
    warranty_days: int
    merchant_pays_no_reason_shipping: bool


class ScopeOut(BaseModel):
    """One scope: `category` null is all goods."""

    category: str | None
    label: WordsOut
    platform: TermsNumbers
    terms: TermsNumbers
    overrides: dict[str, int | bool]
    better: list[str]

    @classmethod
    def of(cls, item: Scope) -> ScopeOut:
        return cls(
            category=item.category,
            label=WordsOut.of(item.label),
            platform=TermsNumbers.model_validate(item.platform, from_attributes=True),
            terms=TermsNumbers.model_validate(item.terms, from_attributes=True),
            overrides=dict(item.overrides),
            better=list(item.better),
        )


class AddressIn(BaseModel):
    name: str = Field(min_length=1, max_length=FIELD_MAX["name"])
    phone: str = Field(min_length=1, max_length=FIELD_MAX["phone"])
    province: str = Field(min_length=1, max_length=FIELD_MAX["province"])
    city: str = Field(min_length=1, max_length=FIELD_MAX["city"])
    district: str = Field(min_length=1, max_length=FIELD_MAX["district"])
    detail: str = Field(min_length=1, max_length=FIELD_MAX["detail"])


class NoteIn(BaseModel):
    zh: str = Field(max_length=NOTE_MAX)
    en: str = Field(max_length=NOTE_MAX)


class ProfileIn(BaseModel):
    methods: list[ReturnMethod] = Field(min_length=1, max_length=len(ReturnMethod))
    warehouse: AddressIn | None = None
    note: NoteIn | None = None


class MethodOut(BaseModel):
    code: str
    label: WordsOut


class ProfileOut(BaseModel):
    methods: list[MethodOut]
    warehouse: AddressIn | None
    note: WordsOut | None
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, profile: MerchantProfile) -> ProfileOut:
        house = profile.warehouse
        return cls(
            methods=[MethodOut(code=m.value, label=WordsOut.of(m.label)) for m in profile.methods],
            warehouse=None
            if house is None
            else AddressIn.model_validate(house, from_attributes=True),
            note=None if profile.note is None else WordsOut.of(profile.note),
            updated_at=profile.updated_at,
            updated_by=profile.updated_by,
        )


class EntryOut(BaseModel):
    category: str | None
    overrides: dict[str, int | bool]


class ChangeOut(BaseModel):
    version: int
    effective_from: datetime
    published_at: datetime
    published_by: str
    entries: list[EntryOut]


class MerchantTermsOut(BaseModel):
    merchant_id: str
    name: str
    policy_version: int
    effective_from: datetime
    scopes: list[ScopeOut]
    profile: ProfileOut
    history: list[ChangeOut]

    @classmethod
    def of(cls, view: TermsView) -> MerchantTermsOut:
        return cls(
            merchant_id=view.merchant_id,
            name=view.name,
            policy_version=view.policy.version,
            effective_from=view.policy.effective_from,
            scopes=[ScopeOut.of(s) for s in view.scopes],
            profile=ProfileOut.of(view.profile),
            history=[
                ChangeOut(
                    version=c.version,
                    effective_from=c.effective_from,
                    published_at=c.published_at,
                    published_by=c.published_by,
                    entries=[
                        EntryOut(category=e.category, overrides=dict(e.overrides))
                        for e in c.entries
                    ],
                )
                for c in view.history
            ],
        )


class ScopeIn(BaseModel):
    """Better terms for all goods (`category` null) or one category; left-out terms are the
    platform's. A value below the platform's is refused (422, `override_less_generous`)."""

    category: str | None = Field(default=None, min_length=1, max_length=40)
    overrides: dict[str, int | bool] = Field(max_length=5)


class TermsPut(BaseModel):
    scopes: list[ScopeIn] = Field(max_length=50)


@router.get("/{merchant_id}/terms", response_model=MerchantTermsOut)
def get_terms(
    merchant_id: MerchantId, context: Context, principal: TermsKeeper
) -> MerchantTermsOut:
    """The platform's terms per category beside the merchant's, its profile and history."""
    view = perform(
        context,
        lambda uow, now: merchant_terms.terms_view(
            uow, merchant_id, now, merchant_scope=principal.merchant_scope
        ),
    )
    return MerchantTermsOut.of(view)


@router.put("/{merchant_id}/terms", response_model=MerchantTermsOut)
def put_terms(
    merchant_id: MerchantId, body: TermsPut, context: Context, principal: TermsKeeper
) -> MerchantTermsOut:
    """Replace all the merchant's better terms; publishes the next policy version."""
    scopes = {s.category: s.overrides for s in body.scopes}

    def step(uow: UnitOfWork, now: datetime) -> TermsView:
        merchant_terms.replace_terms(
            uow, merchant_id, scopes, principal.actor, now, merchant_scope=principal.merchant_scope
        )
        return merchant_terms.terms_view(uow, merchant_id, now)

    return MerchantTermsOut.of(perform(context, step))


@router.get("/{merchant_id}/profile", response_model=ProfileOut)
def get_profile(merchant_id: MerchantId, context: Context, principal: TermsKeeper) -> ProfileOut:
    def step(uow: UnitOfWork, now: datetime) -> MerchantProfile:
        merchant_terms.checked_merchant(uow, merchant_id, principal.merchant_scope)
        return merchant_terms.profile_of(uow, merchant_id)

    return ProfileOut.of(perform(context, step))


@router.put("/{merchant_id}/profile", response_model=ProfileOut)
def put_profile(
    merchant_id: MerchantId, body: ProfileIn, context: Context, principal: TermsKeeper
) -> ProfileOut:
    """The return methods accepted (the shipping choice follows), warehouse and note."""
    house = body.warehouse
    profile = MerchantProfile(
        merchant_id,
        tuple(m for m in ReturnMethod if m in body.methods),
        None if house is None else Warehouse(**house.model_dump()),
        None if body.note is None else Text(body.note.zh, body.note.en),
    )

    def step(uow: UnitOfWork, now: datetime) -> MerchantProfile:
        return merchant_terms.save_profile(
            uow, profile, principal.actor, now, merchant_scope=principal.merchant_scope
        )

    return ProfileOut.of(perform(context, step))

"""Merchant applications over the API (issue 15, seed 000 §9.1).

Public (no token): `POST /api/v1/merchant-applications` (JSON: the details and the
agreement version accepted) answers the reference and the private status token once;
`GET .../status/{token}` shows the status and the reviewer's question; `POST
.../status/{token}/documents` adds one document (multipart: `kind`, `file`; PDF, JPEG or
PNG, checked by content). Reviewers (`merchants.onboard`): the list (`status`, `page`),
one application, `POST .../{id}/checks` (the checklist) and `POST .../{id}/decision`
(`approve`, `request_info` with the question, `reject` with the reason). Approving
answers the merchant account's one-time password, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from returnflow.api import schemas
from returnflow.api.roles import Onboarder
from returnflow.app_context import AppContext
from returnflow.domain.input_bounds import MAX_PAGE
from returnflow.domain.onboarding import DETAIL_FIELDS, Application, Details, Status
from returnflow.domain.onboarding_words import (
    CHECKS,
    MAX_DOCUMENT_BYTES,
    check_label,
)
from returnflow.entrypoints.client_address import client_address
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import onboarding as service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/merchant-applications", tags=["merchant onboarding"])
Short = Annotated[str, Field(max_length=200)]
Token = Annotated[str, Path(max_length=100)]


class ApplicationIn(schemas.Strict):
    company_name: Short
    shop_name: Short
    licence_no: Annotated[str, Field(max_length=40)]
    categories: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)]
    brands: Annotated[str, Field(max_length=1000)]
    contact_name: Short
    after_sales_phone: Annotated[str, Field(max_length=40)]
    after_sales_email: Annotated[str, Field(max_length=254)]
    return_address: Annotated[str, Field(max_length=500)]
    staff_count: int = Field(ge=1, le=100_000)
    service_hours: Short
    username: Annotated[str, Field(max_length=64)]
    language: Annotated[str, Field(pattern="^(zh|en)$")] = "zh"
    agreement_version: Annotated[str, Field(max_length=20)]


class SubmittedOut(BaseModel):
    id: int
    reference: str
    status: str
    status_token: str  # the private status link's secret: answered only now
    status_url: str


class StepOut(BaseModel):
    at: datetime
    actor: str
    action: str
    status: str
    note: str


class DocumentOut(BaseModel):
    kind: str
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CheckOut(BaseModel):
    code: str
    label: str
    done: bool


class StatusOut(BaseModel):
    """What the applicant sees through the status link."""

    reference: str
    status: str
    status_label: str
    question: str
    documents: list[DocumentOut]
    steps: list[StepOut]


class ApplicationOut(StatusOut):
    id: int
    company_name: str
    shop_name: str
    licence_no: str
    categories: list[str]
    brands: str
    contact_name: str
    after_sales_phone: str
    after_sales_email: str
    return_address: str
    staff_count: int
    service_hours: str
    username: str
    agreement_version: str
    agreement_digest: str
    checks: list[CheckOut]
    missing_documents: list[str]
    merchant_id: str | None
    submitted_at: datetime
    decided_at: datetime | None


class SummaryOut(BaseModel):
    id: int
    reference: str
    status: str
    company_name: str
    shop_name: str
    categories: list[str]
    documents: int
    submitted_at: datetime
    decided_at: datetime | None


class ApplicationList(BaseModel):
    items: list[SummaryOut]
    total: int
    page: int
    pages: int


class ChecksIn(schemas.Strict):
    checks: dict[Annotated[str, Field(max_length=40)], bool] = Field(max_length=len(CHECKS))


class DecisionIn(schemas.Strict):
    decision: Annotated[str, Field(pattern="^(approve|request_info|reject)$")]
    note: Annotated[str, Field(max_length=2000)] = ""


class DecisionOut(BaseModel):
    application: ApplicationOut
    username: str | None = None
    one_time_password: str | None = None  # approve only: shown this once


def _status_out(found: Application, language: str = "en") -> StatusOut:
    return StatusOut.model_validate(_status_values(found, language))


def _status_values(found: Application, language: str) -> dict[str, object]:
    return {
        "reference": found.reference,
        "status": found.status.value,
        "status_label": found.status.label.in_language(language),
        "question": found.question,
        "documents": [DocumentOut(**_document(d)) for d in found.documents],
        "steps": [
            StepOut(at=s.at, actor=s.actor, action=s.action, status=s.status.value, note=s.note)
            for s in found.steps
        ],
    }


def _document(document: object) -> dict[str, object]:
    names = ("kind", "stored_name", "original_name", "content_type", "size", "sha256")
    return {name: getattr(document, name) for name in (*names, "uploaded_at")}


def application_out(found: Application, language: str = "en") -> ApplicationOut:
    details = found.details
    values = _status_values(found, language)
    values.update({name: getattr(details, name) for name in _DETAIL_NAMES})
    values.update(
        id=found.id,
        categories=list(details.categories),
        agreement_version=found.agreement_version,
        agreement_digest=found.agreement_digest,
        checks=[
            CheckOut(
                code=code,
                label=check_label(code).in_language(language),
                done=found.checks.get(code, False),
            )
            for code in CHECKS
        ],
        missing_documents=found.missing_documents(),
        merchant_id=found.merchant_id,
        submitted_at=found.submitted_at,
        decided_at=found.decided_at,
    )
    return ApplicationOut.model_validate(values)


_DETAIL_NAMES = DETAIL_FIELDS


def status_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/merchants/apply/s/{token}"


@router.post("", status_code=201, response_model=SubmittedOut)
def apply(body: ApplicationIn, request: Request, context: Context) -> SubmittedOut:
    """Apply (public); documents follow through the status token's documents route."""
    values = body.model_dump(exclude={"agreement_version"})
    details = Details(**{**values, "categories": tuple(body.categories)})
    url = status_url(request)
    source = client_address(request, context.settings.trusted_proxies)
    perform(context, lambda uow, now: service.count_application(uow, source, now))

    def step(uow: UnitOfWork, now: datetime) -> service.Submitted:
        return service.apply(uow, details, body.agreement_version, [], url, now)

    made = perform(context, step)
    assert made.application.id is not None
    return SubmittedOut(
        id=made.application.id,
        reference=made.application.reference,
        status=made.application.status.value,
        status_token=made.token,
        status_url=url.format(token=made.token),
    )


@router.get("/status/{token}", response_model=StatusOut)
def applicant_status(token: Token, context: Context) -> StatusOut:
    """The applicant's view through the private token (public)."""
    return perform(context, lambda uow, now: _status_out(service.by_token(uow, token)))


@router.post("/status/{token}/documents", status_code=201, response_model=StatusOut)
async def upload_document(
    token: Token,
    context: Context,
    kind: Annotated[str, Form(max_length=30)],
    file: Annotated[UploadFile, File()],
) -> StatusOut:
    """One document (PDF, JPEG or PNG, checked by its bytes) added through the token."""
    data = await file.read(MAX_DOCUMENT_BYTES + 1)
    name = file.filename or "document"
    return await run_in_threadpool(_upload, context, token, kind, name, data)


def _upload(context: AppContext, token: str, kind: str, name: str, data: bytes) -> StatusOut:
    store = service.document_store(context.settings.upload_dir)
    stored = store.save_all([(name, data)])
    try:
        found = perform(
            context,
            lambda uow, now: service.add_documents(
                uow, token, service.documents_of([kind], stored, [name], now), now
            ),
        )
    except BaseException:
        store.discard([s.stored_name for s in stored])
        raise
    return _status_out(found)


@router.get("", response_model=ApplicationList)
def list_applications(
    context: Context,
    principal: Onboarder,
    status: Annotated[Status | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> ApplicationList:
    found = perform(context, lambda uow, now: service.applications(uow, status, page))
    return ApplicationList(
        items=[
            SummaryOut(
                id=s.id,
                reference=s.reference,
                status=s.status.value,
                company_name=s.company_name,
                shop_name=s.shop_name,
                categories=list(s.categories),
                documents=s.documents,
                submitted_at=s.submitted_at,
                decided_at=s.decided_at,
            )
            for s in found.items
        ],
        total=found.total,
        page=found.page,
        pages=found.pages,
    )


@router.get("/{application_id}", response_model=ApplicationOut)
def get_application(
    application_id: RowId, context: Context, principal: Onboarder
) -> ApplicationOut:
    return perform(
        context, lambda uow, now: application_out(service.application(uow, application_id))
    )


@router.post("/{application_id}/checks", response_model=ApplicationOut)
def set_checks(
    application_id: RowId, body: ChecksIn, context: Context, principal: Onboarder
) -> ApplicationOut:
    def step(uow: UnitOfWork, now: datetime) -> ApplicationOut:
        found = service.tick(uow, application_id, body.checks, principal.actor, now)
        return application_out(found)

    return perform(context, step)


@router.post("/{application_id}/decision", response_model=DecisionOut)
def decide(
    application_id: RowId, body: DecisionIn, context: Context, principal: Onboarder
) -> DecisionOut:
    """Approve, ask for more (`note`: the question) or reject (`note`: the reason)."""

    def step(uow: UnitOfWork, now: datetime) -> DecisionOut:
        made = service.decide(uow, application_id, body.decision, body.note, principal.actor, now)
        return DecisionOut(
            application=application_out(made.application),
            username=made.username,
            one_time_password=made.one_time_password,
        )

    return perform(context, step)

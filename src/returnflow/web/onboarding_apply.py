"""Applying to sell on the platform (issue 15, seed 000 §9.1): public, no sign-in.

`/merchants/apply` is one phone-friendly form: the business, after-sales contact, return
address and capability, one document per kind (PDF, JPEG or PNG, checked by content
before anything is stored), and the merchant after-sales agreement shown in full and
accepted. Submitting answers with a reference and a private status link
(`/merchants/apply/s/{token}`: a random token, only its hash is stored) where the
applicant follows the review, reads the reviewer's question, answers it, adds documents
or withdraws. Mistakes are shown beside what was typed, never as a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.analyses import PRODUCT_CATEGORIES
from returnflow.domain.onboarding import DETAIL_FIELDS, Application, Details, Status
from returnflow.domain.onboarding_words import (
    DOCUMENT_KINDS,
    MAX_DOCUMENT_BYTES,
    MAX_DOCUMENTS_PER_UPLOAD,
    current_agreement,
)
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.client_address import client_address
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import onboarding as service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.templating import render

router = APIRouter(prefix="/merchants/apply", include_in_schema=False)
Token = Annotated[str, Path(max_length=100)]
_FIELDS = DETAIL_FIELDS


@dataclass
class Typed:
    values: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    accepted: bool = False


def _form_page(
    request: Request,
    typed: Typed,
    *,
    error: Text | None = None,
    error_field: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "merchants/apply.html",
        {
            "typed": typed,
            "error": error,
            "error_field": error_field,
            "categories": PRODUCT_CATEGORIES,
            "kinds": DOCUMENT_KINDS,
            "agreement": current_agreement(),
            "max_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
        },
        status_code=status_code,
    )


@router.get("")
def apply_form(request: Request) -> Response:
    return _form_page(request, Typed())


def _text(value: object, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


async def _files(form: FormData, prefix: str) -> list[tuple[str, str, bytes]]:
    """(kind, filename, bytes) of each document input that carries a file."""
    found: list[tuple[str, str, bytes]] = []
    for kind in DOCUMENT_KINDS:
        for item in form.getlist(f"{prefix}{kind}"):
            if isinstance(item, UploadFile) and (item.filename or item.size):
                data = await item.read(MAX_DOCUMENT_BYTES + 1)
                found.append((kind, (item.filename or kind)[:200], data))
    return found[: MAX_DOCUMENTS_PER_UPLOAD + 1]


@router.post("")
async def apply(request: Request, context: Context) -> Response:
    form = await request.form(max_files=MAX_DOCUMENTS_PER_UPLOAD + 2, max_fields=100)
    typed = Typed(
        values={name: _text(form.get(name)).strip() for name in _FIELDS},
        categories=[_text(c, 40) for c in form.getlist("categories")][:20],
        accepted=_text(form.get("agreement_version")) == current_agreement().version,
    )
    files = await _files(form, "doc_")
    await form.close()
    return await run_in_threadpool(_apply, request, context, typed, files)


def _details(request: Request, typed: Typed) -> Details:
    values = typed.values
    staff = values.get("staff_count", "")
    return Details(
        **{name: values.get(name, "") for name in _FIELDS if name != "staff_count"},
        categories=tuple(typed.categories),
        staff_count=int(staff) if staff.isdigit() and len(staff) < 7 else 0,
        language=preferred_language(request),
    )


def _store(
    context: AppContext, files: list[tuple[str, str, bytes]]
) -> tuple[list[str], list[service.StoredDocument]]:
    if len(files) > MAX_DOCUMENTS_PER_UPLOAD:
        raise DomainError(
            "too_many_documents",
            Text("每次最多上传 {n} 份材料", "Upload at most {n} documents at a time").format(
                n=MAX_DOCUMENTS_PER_UPLOAD
            ),
            field="documents",
        )
    store = service.document_store(context.settings.upload_dir)
    return [kind for kind, _, _ in files], store.save_all([(n, d) for _, n, d in files])


def _apply(
    request: Request, context: AppContext, typed: Typed, files: list[tuple[str, str, bytes]]
) -> Response:
    source = client_address(request, context.settings.trusted_proxies)
    perform(context, lambda uow, now: service.count_application(uow, source, now))
    if not typed.accepted:
        message = Text(
            "请阅读并接受商家售后服务协议", "Read and accept the merchant after-sales agreement"
        )
        return _form_page(request, typed, error=message, error_field="agreement", status_code=422)
    try:
        kinds, stored = _store(context, files)
    except DomainError as refused:
        return _form_page(
            request, typed, error=refused.message, error_field=refused.field, status_code=422
        )
    url = str(request.base_url).rstrip("/") + "/merchants/apply/s/{token}"
    details, names = _details(request, typed), [name for _, name, _ in files]

    def step(uow: UnitOfWork, now: datetime) -> service.Submitted:
        documents = service.documents_of(kinds, stored, names, now)
        return service.apply(uow, details, current_agreement().version, documents, url, now)

    try:
        made = perform(context, step)
    except DomainError as refused:
        service.document_store(context.settings.upload_dir).discard([s.stored_name for s in stored])
        return _form_page(
            request, typed, error=refused.message, error_field=refused.field, status_code=422
        )
    return RedirectResponse(f"/merchants/apply/s/{made.token}?new=1", status_code=303)


def _status_page(
    request: Request,
    token: str,
    found: Application,
    *,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "merchants/status.html",
        {
            "token": token,
            "application": found,
            "Status": Status,
            "kinds": DOCUMENT_KINDS,
            "fresh": request.query_params.get("new") == "1",
            "error": error,
            "link": str(request.base_url).rstrip("/") + f"/merchants/apply/s/{token}",
            "max_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
            "steps": [s for s in found.steps if s.action != "check"],  # the reviewer's own
        },
        status_code=status_code,
    )


@router.get("/s/{token}")
def status_page(request: Request, token: Token, context: Context) -> Response:
    found = perform(context, lambda uow, now: service.by_token(uow, token))
    return _status_page(request, token, found)


@router.post("/s/{token}/answer")
async def answer(request: Request, token: Token, context: Context) -> Response:
    """Answer the reviewer's question, with documents or not (resubmits)."""
    form = await request.form(max_files=MAX_DOCUMENTS_PER_UPLOAD + 2, max_fields=20)
    words = _text(form.get("answer"), 2000)
    files = await _files(form, "doc_")
    await form.close()
    return await run_in_threadpool(_documents_step, request, context, token, files, words)


@router.post("/s/{token}/documents")
async def add_documents(request: Request, token: Token, context: Context) -> Response:
    """More documents while the application waits for its review."""
    form = await request.form(max_files=MAX_DOCUMENTS_PER_UPLOAD + 2, max_fields=20)
    files = await _files(form, "doc_")
    await form.close()
    return await run_in_threadpool(_documents_step, request, context, token, files, None)


def _documents_step(
    request: Request,
    context: AppContext,
    token: str,
    files: list[tuple[str, str, bytes]],
    words: str | None,
) -> Response:
    """Store the files, then answer (words given) or add them; a refusal keeps none."""
    try:
        kinds, stored = _store(context, files)
    except DomainError as refused:
        found = perform(context, lambda uow, now: service.by_token(uow, token))
        return _status_page(request, token, found, error=refused.message, status_code=422)
    names = [name for _, name, _ in files]

    def step(uow: UnitOfWork, now: datetime) -> Application:
        documents = service.documents_of(kinds, stored, names, now)
        if words is not None:
            return service.answer(uow, token, words, documents, now)
        if not documents:
            raise DomainError(
                "documents_required", Text("请选择要上传的文件", "Choose a file to upload")
            )
        return service.add_documents(uow, token, documents, now)

    done = attempt(context, step)
    if isinstance(done, Refused):
        service.document_store(context.settings.upload_dir).discard([s.stored_name for s in stored])
        found = perform(context, lambda uow, now: service.by_token(uow, token))
        return _status_page(request, token, found, error=done.message, status_code=done.status)
    return RedirectResponse(f"/merchants/apply/s/{token}", status_code=303)


@router.post("/s/{token}/withdraw")
def withdraw(
    request: Request, token: Token, context: Context, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "yes":
        found = perform(context, lambda uow, now: service.by_token(uow, token))
        message = Text("请确认撤回", "Confirm that you want to withdraw")
        return _status_page(request, token, found, error=message, status_code=422)
    done = attempt(context, lambda uow, now: service.withdraw(uow, token, now))
    if isinstance(done, Refused):
        found = perform(context, lambda uow, now: service.by_token(uow, token))
        return _status_page(request, token, found, error=done.message, status_code=done.status)
    return RedirectResponse(f"/merchants/apply/s/{token}", status_code=303)


@router.get("/s/{token}/documents/{name}")
def own_document(
    token: Token, name: Annotated[str, Path(max_length=40)], context: Context
) -> Response:
    """One of the applicant's own documents, through the status link."""
    perform(context, lambda uow, now: service.applicant_document(uow, token, name))
    return document_response(context, name)


def document_response(context: AppContext, name: str) -> Response:
    """A stored application document, inline and never cached: the applicant's link and
    the reviewers' page serve them once their own check has passed."""
    found = service.document_store(context.settings.upload_dir).read(name)
    if found is None:
        raise NotFound("document_not_found", Text("找不到该材料", "The document was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )

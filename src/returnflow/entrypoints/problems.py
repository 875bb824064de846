"""Errors as RFC 9457 problem details, with a stable `code` and a message in the user's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from returnflow.domain.access import Forbidden
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.validation_text import validation_text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import ConcurrentUpdate

PROBLEM = "application/problem+json"
log = logging.getLogger("returnflow.api")

# Rule refusals that mean "not now, in this state" rather than "bad input".
_CONFLICT_CODES = {"transition_not_allowed", "concurrent_update", "idempotency_in_progress"}

_TITLES = {
    400: Text("请求有误", "Bad request"),
    401: Text("需要登录", "Authentication required"),
    403: Text("没有权限", "Forbidden"),
    404: Text("未找到", "Not found"),
    405: Text("不支持该方法", "Method not allowed"),
    409: Text("当前状态不允许此操作", "Conflict with the current state"),
    413: Text("请求内容过大", "Request body too large"),
    422: Text("输入有误", "Invalid input"),
    429: Text("请求过于频繁", "Too many requests"),
    500: Text("服务器内部错误", "Internal server error"),
}


# A lost race: another request changed the same record first and nothing of this one was kept.
CONCURRENT_TEXT = Text(
    "该记录刚被他人修改，请刷新后重试",
    "Someone else just changed this: reload and try again",
)

# Pages (anything outside /api) answer errors as HTML through this renderer, if installed.
PageRenderer = Callable[[Request, int, str, Text], Response]


def problem(
    request: Request,
    status: int,
    code: str,
    message: Text,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    language = preferred_language(request)
    title = _TITLES.get(status, Text("错误", "Error"))
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title.in_language(language),
        "status": status,
        "detail": message.in_language(language),
        "code": code,
        "instance": request.url.path,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def status_for(error: DomainError) -> int:
    if error.code == "unauthenticated":
        return 401
    if isinstance(error, Forbidden) or error.code == "csrf_failed":
        return 403
    if error.code == "too_many_attempts":
        return 429
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict) or error.code in _CONFLICT_CODES:
        return 409
    return 422


def install(app: FastAPI, pages: PageRenderer | None = None) -> None:
    def answer(request: Request, status: int, code: str, message: Text, **extra: Any) -> Response:
        if pages is not None and not request.url.path.startswith("/api/"):
            return pages(request, status, code, message)
        return problem(request, status, code, message, **extra)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return answer(request, status_for(exc), exc.code, exc.message, field=exc.field)

    @app.exception_handler(ConcurrentUpdate)
    async def _concurrent(request: Request, exc: Exception) -> Response:
        # a unique key or version lost a race to another request: nothing was kept
        return answer(request, 409, "concurrent_update", CONCURRENT_TEXT)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        language = preferred_language(request)
        errors = []
        texts = []
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ()) if part != "body"]
            text = validation_text(dict(error))
            texts.append(text)
            errors.append(
                {
                    "field": ".".join(location),
                    "message": text.in_language(language),
                    "type": error.get("type", ""),
                }
            )
        first = errors[0]["field"] if errors else None
        first_text = texts[0] if texts else Text("", "")
        message = Text("字段 {field} {zh}", "Field {field} {en}").format(
            field=first or "?", zh=first_text.zh, en=first_text.en
        )
        if pages is not None and not request.url.path.startswith("/api/"):
            return pages(request, 422, "validation_error", message)  # a person: a page
        return problem(request, 422, "validation_error", message, field=first, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        title = _TITLES.get(exc.status_code, Text("错误", "Error"))
        return answer(request, exc.status_code, code, title)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = Text("服务器出错，请稍后重试", "Something went wrong: try again later")
        return answer(request, 500, "internal_error", message)

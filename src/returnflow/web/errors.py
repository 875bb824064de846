"""Error pages for people: the same codes as the API's problems, as HTML."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.text import Text
from returnflow.web.templating import render


def error_page(request: Request, status: int, code: str, message: Text) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "code": code, "message": message},
        status_code=status,
    )

"""The ASGI application: API routes, error handling, and the shared context."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from returnflow import __version__
from returnflow.api import orders, policy, problems, returns
from returnflow.api.middleware import RejectNulCharacters
from returnflow.app_context import AppContext
from returnflow.web import common as web_common
from returnflow.web import console as web_console
from returnflow.web import portal as web_portal
from returnflow.web.errors import error_page
from returnflow.web.guards import SignInRequired

STATIC = Path(__file__).parent.parent / "web" / "static"


def create_app(context: AppContext) -> FastAPI:
    app = FastAPI(
        title="ReturnFlow",
        version=__version__,
        description="Returns and exchanges platform: orders, policy, return lifecycle.",
    )
    app.state.context = context
    problems.install(app, pages=error_page)
    app.add_middleware(RejectNulCharacters)
    app.include_router(orders.router)
    app.include_router(returns.router)
    app.include_router(policy.router)
    app.include_router(web_common.router)
    app.include_router(web_portal.router)
    app.include_router(web_console.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(
            f"/staff/login?{urlencode({'next': exc.next_url})}", status_code=303
        )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

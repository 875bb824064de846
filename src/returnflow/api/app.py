"""The ASGI application: API routes, error handling, and the shared context."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from returnflow import __version__
from returnflow.api import finance as api_finance
from returnflow.api import orders, policy, problems, returns, shipping
from returnflow.api import receiving as api_receiving
from returnflow.api import refunds as api_refunds
from returnflow.api import resolutions as api_resolutions
from returnflow.api import store_credit as api_store_credit
from returnflow.api import tracking as api_tracking
from returnflow.api import warehouse as api_warehouse
from returnflow.api.middleware import RejectNulCharacters
from returnflow.app_context import AppContext
from returnflow.web import common as web_common
from returnflow.web import console as web_console
from returnflow.web import console_exceptions as web_exceptions
from returnflow.web import console_finance as web_finance
from returnflow.web import console_receiving as web_receiving
from returnflow.web import console_recoveries as web_recoveries
from returnflow.web import console_resolutions as web_resolutions
from returnflow.web import console_shipping as web_console_shipping
from returnflow.web import console_warehouse as web_warehouse
from returnflow.web import portal as web_portal
from returnflow.web import portal_offer as web_portal_offer
from returnflow.web import portal_resolutions as web_portal_resolutions
from returnflow.web import portal_shipping as web_portal_shipping
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
    app.include_router(api_refunds.router)
    app.include_router(api_finance.router)
    app.include_router(policy.router)
    app.include_router(api_resolutions.router)
    app.include_router(api_store_credit.router)
    app.include_router(shipping.router)
    app.include_router(api_tracking.router)
    app.include_router(web_common.router)
    app.include_router(web_portal.router)
    app.include_router(web_portal_resolutions.router)
    app.include_router(web_portal_shipping.router)
    app.include_router(web_console.router)
    app.include_router(web_resolutions.router)
    app.include_router(web_console_shipping.router)
    app.include_router(web_exceptions.router)
    app.include_router(web_finance.router)
    app.include_router(web_recoveries.router)
    app.include_router(api_receiving.router)
    app.include_router(web_receiving.router)
    app.include_router(api_warehouse.router)
    app.include_router(web_warehouse.router)
    app.include_router(web_portal_offer.router)
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

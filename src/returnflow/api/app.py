"""The ASGI application: API routes, error handling, and the shared context."""

from __future__ import annotations

from fastapi import FastAPI

from returnflow import __version__
from returnflow.api import orders, policy, problems, returns
from returnflow.api.middleware import RejectNulCharacters
from returnflow.app_context import AppContext


def create_app(context: AppContext) -> FastAPI:
    app = FastAPI(
        title="ReturnFlow",
        version=__version__,
        description="Returns and exchanges platform: orders, policy, return lifecycle.",
    )
    app.state.context = context
    problems.install(app)
    app.add_middleware(RejectNulCharacters)
    app.include_router(orders.router)
    app.include_router(returns.router)
    app.include_router(policy.router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

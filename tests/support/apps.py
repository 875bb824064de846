"""The app the tests talk to, built once per database per test process."""

from __future__ import annotations

from fastapi import FastAPI

from returnflow.app_context import AppContext
from returnflow.asgi import create_app

_APPS: dict[str, FastAPI] = {}


def shared_app(context: AppContext) -> FastAPI:
    """One app per database per test process, handed each test's context.

    FastAPI resolves a route's dependencies on the first request an app serves, which
    costs ~0.35 s for our ~200 routes; building a fresh app for each of ~1,000 API
    tests spent a third of the suite there. Routes read the context from
    `app.state.context` per request, so swapping it is all a new test needs.
    """
    app = _APPS.get(context.settings.database_url)
    if app is None:
        app = _APPS[context.settings.database_url] = create_app(context)
    app.state.context = context
    return app

"""FastAPI dependencies: the shared context, the reader's language, the acting user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from returnflow.api.language import preferred_language
from returnflow.app_context import AppContext


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_language(request: Request) -> str:
    return preferred_language(request)


def get_actor(request: Request) -> str:
    """Who is acting. Until sign-in exists (issue 3) API calls act as the integration user."""
    return "api"


Context = Annotated[AppContext, Depends(get_context)]
Language = Annotated[str, Depends(get_language)]
Actor = Annotated[str, Depends(get_actor)]

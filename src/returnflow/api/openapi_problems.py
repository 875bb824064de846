"""The OpenAPI document lists the problem+json answers each API route really gives.

Written once here rather than as `responses=` on every route: which refusals a route can
give follows from what it is — a route that needs a principal can answer 401 and 403,
one with path parameters 404, one that changes state 409, one that takes a body 400
(unreadable) and 413 (api/limits.py), one with any input 422 — so the document cannot
drift from the routes as they are added. Every refusal has the same body, `Problem`
(RFC 9457 with our machine-readable `code`; api/problems.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from returnflow.entrypoints.deps import current_principal
from returnflow.entrypoints.problems import _TITLES, PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` is in the caller's language.",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/not_found"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable and machine-readable"},
        "instance": {"type": "string", "description": "The request path"},
        "field": {"type": "string", "description": "The input at fault, if one is"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# refusals that follow from a route's own check rather than its shape
_SIGNED: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/v1/payments/{gateway}/notifications"): {401},
    ("POST", "/api/v1/carriers/{carrier}/webhook"): {401},
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document(schema, app.routes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(schema: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Add the Problem schema and each API operation's problem answers to `schema`."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for route in routing.iter_route_contexts(routes):
        path = route.path_format or ""
        if not isinstance(route.original_route, APIRoute) or not path.startswith("/api/"):
            continue
        item = schema.get("paths", {}).get(path, {})
        dependant: Dependant = route.dependant  # with the routers' own dependencies
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses(path, method, dependant)):
                responses[str(status)] = _problem_response(status)


def statuses(path: str, method: str, dependant: Dependant) -> set[int]:
    """The problem statuses a route can answer with."""
    found = set(_SIGNED.get((method, path), set()))
    if _needs_principal(dependant):
        found |= {401, 403}
    if dependant.path_params:
        found.add(404)
    if method in _WRITES:
        found |= {409, 413}
    if dependant.body_params:
        found.add(400)
    if dependant.path_params or dependant.query_params or dependant.body_params:
        found.add(422)
    return found


def _needs_principal(dependant: Dependant) -> bool:
    """`current_principal`, or `AllowedWork`'s opener (it recognises the caller inside the
    route's own unit of work and carries the permission it checks)."""
    return any(
        sub.call is current_principal
        or getattr(sub.call, "permission", None) is not None
        or _needs_principal(sub)
        for sub in dependant.dependencies
    )


def _problem_response(status: int) -> dict[str, Any]:
    title = _TITLES.get(status)
    return {
        "description": title.en if title is not None else "Error",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }

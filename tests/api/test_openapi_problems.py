"""The OpenAPI document lists the problem+json answers each route really gives (issue 9)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.api.openapi_problems import PROBLEM_SCHEMA
from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@cache
def _document() -> dict[str, Any]:
    """The document depends on the routes only: built once, on no database at all."""
    return create_app(AppContext.from_settings(Settings(database_url="sqlite://"))).openapi()


def _responses(method: str, path: str) -> dict[str, Any]:
    return dict(_document()["paths"][path][method.lower()]["responses"])


def test_every_refusal_in_the_document_is_a_problem() -> None:
    document = _document()
    assert document["components"]["schemas"]["Problem"] == PROBLEM_SCHEMA
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            errors = {k: v for k, v in operation["responses"].items() if k.startswith("4")}
            assert errors, f"{method} {path} documents no refusal"
            for status, answer in errors.items():
                assert answer["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}, (
                    f"{method} {path} {status}"
                )


@pytest.mark.parametrize(
    ("method", "path", "documented", "absent"),
    [
        ("POST", "/api/v1/returns", {"400", "401", "403", "409", "413", "422"}, {"404"}),
        ("GET", "/api/v1/returns/{rma_no}", {"401", "403", "404", "422"}, {"409", "413"}),
        ("POST", "/api/v1/payments/{gateway}/notifications", {"401", "404", "413"}, {"403"}),
        ("POST", "/api/v1/carriers/{carrier}/webhook", {"401", "404", "413"}, {"403"}),
    ],
)
def test_what_each_route_can_answer(
    method: str, path: str, documented: set[str], absent: set[str]
) -> None:
    responses = set(_responses(method, path))
    assert documented <= responses
    assert not absent & responses


@pytest.mark.parametrize(
    ("method", "path", "operation", "call"),
    [
        ("GET", "/api/v1/returns", "/api/v1/returns", {"anonymous": True}),
        ("GET", "/api/v1/returns/RMA-NOPE", "/api/v1/returns/{rma_no}", {}),
        ("POST", "/api/v1/returns", "/api/v1/returns", {"json": {"order_no": 1}}),
        ("POST", "/api/v1/returns", "/api/v1/returns", {"content": b" " * (1024 * 1024 + 1)}),
        ("POST", "/api/v1/returns", "/api/v1/returns", {"content": b"{not json"}),
    ],
)
def test_real_refusals_are_the_documented_ones(
    client: TestClient, method: str, path: str, operation: str, call: dict[str, Any]
) -> None:
    call = dict(call)  # the parameters are shared by both databases' runs
    caller = TestClient(client.app) if call.pop("anonymous", False) else client
    headers = {"content-type": "application/json"} if "content" in call else {}
    answer = caller.request(method, path, headers=headers, **call)
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"] == "application/problem+json"
    documented = _responses(method, operation)
    assert client.get("/openapi.json").json()["paths"][operation] == _document()["paths"][operation]
    assert str(answer.status_code) in documented
    assert set(PROBLEM_SCHEMA["required"]) <= set(answer.json())

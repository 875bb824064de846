"""Property-based API fuzzing from our own OpenAPI schema (schemathesis strategies).

Whatever a client sends that the schema allows, or nearly allows, the API never
answers with a server error, and every refusal is a problem+json with a code.
(Schemathesis' pytest plugin does not support pytest 9 yet, so its Hypothesis
strategies are driven directly, one test per operation.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from returnflow.api.app import create_app
from returnflow.app_context import AppContext
from returnflow.domain.access import Role


def _operations_of(schema: Any) -> dict[str, Any]:
    """Every operation of a loaded schema by "METHOD /path"; a broken one fails the test."""
    found = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


def _operations() -> list[str]:
    from returnflow.config import Settings

    app = create_app(AppContext.from_settings(Settings(database_url="sqlite://")))
    return sorted(_operations_of(schemathesis.openapi.from_asgi("/openapi.json", app)))


@pytest.mark.parametrize("operation", _operations())
def test_no_server_errors(
    operation: str,
    context: AppContext,
    order_payload: Callable[..., dict[str, Any]],
    tokens: Callable[..., str],
) -> None:
    app = create_app(context)
    auth = {"Authorization": f"Bearer {tokens(Role.ADMIN)}"}
    with TestClient(app) as client:  # a known order, so some generated calls hit real data
        client.post("/api/v1/orders", json=order_payload(), headers=auth)
    target = _operations_of(schemathesis.openapi.from_asgi("/openapi.json", app))[operation]

    @given(case=target.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers=auth)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            # schemathesis keeps every header as a list of values
            assert response.headers["content-type"] == ["application/problem+json"]
            assert response.json()["code"]

    check()

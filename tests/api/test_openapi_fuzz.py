"""Property-based API fuzzing from our own OpenAPI schema (schemathesis strategies).

Whatever a client sends that the schema allows, or nearly allows, the API never
answers with a server error, and every refusal is a problem+json with a code.
(Schemathesis' pytest plugin does not support pytest 9 yet, so its Hypothesis
strategies are driven directly, one test per operation.)

Deterministic by default, so CI never fails at random (issue 9: an OverflowError found
one run in many): Hypothesis derives its examples from the test itself and keeps no
example database. `RETURNFLOW_FUZZ_RANDOM=1` fuzzes at random (and saves what it finds),
`RETURNFLOW_FUZZ_SEED=n` replays one random run, `RETURNFLOW_FUZZ_EXAMPLES=n` changes how
many cases each operation gets (8, for the suite's ten minutes; benchmarks/README.md
shows a long random run). The number of cases run is printed at the end of the session
(tests/conftest.py).

The app and its schema are built once per database, not once per test; every test still
starts from the same data (emptied tables, one admin, one order), so the examples and
their answers do not depend on which tests ran before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.core.result import Ok

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.services import accounts
from tests.conftest import START, _empty_tables
from tests.support.clock import FakeClock

# one worker runs the module: the app and schema per database are then built once each,
# not again whenever xdist hands a worker the other database's operations
pytestmark = pytest.mark.xdist_group("openapi_fuzz")

EXAMPLES = int(os.environ.get("RETURNFLOW_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("RETURNFLOW_FUZZ_SEED", "")
RANDOM = os.environ.get("RETURNFLOW_FUZZ_RANDOM", "") not in ("", "0") or bool(SEED)


def _operations_of(schema: Any) -> dict[str, Any]:
    """Every operation of a loaded schema by "METHOD /path"; a broken one fails the test."""
    found = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


def _operations() -> list[str]:
    app = create_app(AppContext.from_settings(Settings(database_url="sqlite://")))
    return sorted(_operations_of(schemathesis.openapi.from_asgi("/openapi.json", app)))


@dataclass
class Fuzzed:
    """One database's app, its clock and its loaded schema, shared by the module's tests."""

    context: AppContext
    clock: FakeClock
    app: FastAPI
    operations: dict[str, Any]


@pytest.fixture(scope="module")
def fuzzed(database_url: str) -> Iterator[Fuzzed]:
    clock = FakeClock(START)
    context = AppContext.from_settings(Settings(database_url=database_url), clock=clock)
    app = create_app(context)
    operations = _operations_of(schemathesis.openapi.from_asgi("/openapi.json", app))
    yield Fuzzed(context, clock, app, operations)
    context.engine.dispose()


@pytest.fixture
def admin(
    fuzzed: Fuzzed, database_url: str, order_payload: Callable[..., dict[str, Any]]
) -> dict[str, str]:
    """The same starting data for every test: an admin's token and a known order."""
    _empty_tables(database_url)
    fuzzed.clock.now = START
    context = fuzzed.context
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username="fuzz-admin",
            display_name="fuzz",
            password="correct horse battery",
            role=Role.ADMIN,
            now=START,
        )
        token = accounts.issue_api_token(uow, principal, "fuzz", START)
        uow.commit(START)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(fuzzed.app) as client:  # so some generated calls hit real data
        assert client.post("/api/v1/orders", json=order_payload(), headers=auth).status_code < 300
    return auth


def _settings() -> Callable[[Any], Any]:
    if RANDOM:  # and keep what it finds, to replay it next time
        return settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )


@pytest.mark.parametrize("operation", _operations())
def test_no_server_errors(
    operation: str, fuzzed: Fuzzed, admin: dict[str, str], request: pytest.FixtureRequest
) -> None:
    target = fuzzed.operations[operation]
    cases = 0

    @given(case=target.as_strategy())
    @_settings()
    def check(case: Any) -> None:
        nonlocal cases
        cases += 1
        response = case.call(headers=admin)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            # schemathesis keeps every header as a list of values
            assert response.headers["content-type"] == ["application/problem+json"]
            assert response.json()["code"]

    if SEED:
        check = seed(int(SEED))(check)
    try:
        check()
    finally:
        request.node.user_properties.append(("fuzz_cases", cases))

"""Shared fixtures: a database of each kind, a controllable clock, the API client, SMTP.

Storage, jobs and service tests take `context` or `client`, and so run once on SQLite
and once on a throw-away PostgreSQL database (created and dropped by the session). Page
tests (`*_pages.py`), the permission tables and most API modules run on PostgreSQL only:
they check what a page or route shows and who may open it, over read models whose
queries the storage and jobs tests already run on both databases; a second database
doubled their time (issue 11 brought the suite back under ten minutes this way). The
API modules that meet a difference between the dialects run on both (`_API_ON_BOTH`).
"""

from __future__ import annotations

import os

# Cheap password hashing for the whole run, set before returnflow is imported: the
# production argon2 parameters cost ~175 ms a hash (services/accounts.py).
os.environ.setdefault("RETURNFLOW_ARGON2_TIME_COST", "1")
os.environ.setdefault("RETURNFLOW_ARGON2_MEMORY_KIB", "64")
# No secret has a default (returnflow/process_secrets.py): the tests pass their own.
os.environ.setdefault("RETURNFLOW_SECRET_KEY", "test-portal-link-key")
os.environ.setdefault("RETURNFLOW_SANDBOX_WEBHOOK_SECRET", "test-sandbox-notice-key")
# Certification gates (issue 17) are on in the product; tests that inspect do so without
# certificates, and the gate's own tests turn it on (tests/test_training*.py).
os.environ.setdefault("RETURNFLOW_CERTIFICATION_GATES", "off")

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.access import Role
from returnflow.services import accounts
from returnflow.storage.database import make_engine, make_session_factory
from returnflow.storage.schema import Base
from returnflow.storage.scratch import scratch_database
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink
from tests.support.twilio import TwilioStandIn, start_twilio

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(scope="session", autouse=True)
def sandbox_books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The sandbox gateway keeps its books in a file; tests keep it out of the checkout."""
    path = tmp_path_factory.mktemp("sandbox") / "sandbox_state.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RETURNFLOW_SANDBOX_STATE_FILE", str(path))
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with scratch_database(request.param) as url:
        yield url


_RESET_SQL: dict[str, str] = {}


def _reset_statement(url: str, connection: Any) -> str:
    """One batch that empties every table and restarts every sequence.

    Built once per database: a multi-statement DELETE costs ~3 ms where TRUNCATE of
    every table costs 150–500 ms, and the suite resets the database before each test.
    """
    if url not in _RESET_SQL:
        names = [table.name for table in reversed(Base.metadata.sorted_tables)]
        statements = [f"DELETE FROM {name}" for name in names]
        sequences = connection.execute(
            text("SELECT relname FROM pg_class WHERE relkind = 'S'")
        ).scalars()
        statements += [f"ALTER SEQUENCE {name} RESTART WITH 1" for name in sequences]
        _RESET_SQL[url] = "; ".join(statements)
    return _RESET_SQL[url]


_RESET_ENGINES: dict[str, Any] = {}


def _empty_tables(url: str) -> None:
    if url not in _RESET_ENGINES:
        _RESET_ENGINES[url] = create_engine(url, pool_size=1)
    engine = _RESET_ENGINES[url]
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            # replica mode skips row triggers: the append-only guards on history, audit
            # and ledger rows (and foreign-key checks, needless when all rows go)
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.exec_driver_sql(_reset_statement(url, connection))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(text(f"DELETE FROM {table.name}"))
        connection.execute(text("INSERT INTO counters (name, value) VALUES ('rma', 0)"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


_APP_ENGINES: dict[str, tuple[Engine, sessionmaker[Session]]] = {}


def _app_engine(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """One engine (and its pool) per database for the whole run.

    A new engine per test costs a connection and the dialect's first-connect queries,
    ~15 ms on PostgreSQL and ~12 ms on SQLite (measured with 20 contexts each), over
    ~1,800 tests; every test still gets fresh settings, clock and bus.
    """
    if url not in _APP_ENGINES:
        engine = make_engine(url)
        _APP_ENGINES[url] = (engine, make_session_factory(engine))
    return _APP_ENGINES[url]


@pytest.fixture
def context(database_url: str, clock: FakeClock) -> AppContext:
    _empty_tables(database_url)
    engine, session_factory = _app_engine(database_url)
    return AppContext(Settings(database_url=database_url), engine, session_factory, clock)


TokenFactory = Callable[..., str]


@pytest.fixture
def tokens(context: AppContext) -> TokenFactory:
    """Creates an account of a role and returns a bearer token for it."""

    def issue(role: Role, merchant_id: str | None = None, username: str | None = None) -> str:
        name = username or f"{role.value}-{merchant_id or 'staff'}".lower()
        now = context.clock()
        with context.uow() as uow:
            principal = accounts.add_user(
                uow,
                username=name,
                display_name=name,
                password="correct horse battery",
                role=role,
                now=now,
                merchant_id=merchant_id,
            )
            token = accounts.issue_api_token(uow, principal, "tests", now)
            uow.commit(now)
        return token

    return issue


@pytest.fixture
def client(context: AppContext, tokens: TokenFactory) -> Iterator[TestClient]:
    """The API as an administrator sees it (permission tests use other roles)."""
    with TestClient(shared_app(context)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {tokens(Role.ADMIN, username='root')}"
        yield test_client


@pytest.fixture
def order_payload(clock: FakeClock) -> Callable[..., dict[str, Any]]:
    """A valid order body; keyword arguments replace top-level fields."""

    def build(**changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "order_no": "SO-1001",
            "merchant_id": "m-babycare",
            "customer": {
                "id": "c-1",
                "name": "王小明",
                "phone": "13800138000",
                "email": "xiaoming@example.com",
            },
            "currency": "CNY",
            "placed_at": (clock.now - timedelta(days=5)).isoformat(),
            "delivered_at": (clock.now - timedelta(days=2)).isoformat(),
            "shipping_fee": 800,
            "return_shipping_insurance": False,
            "payment": {"method": "alipay", "transaction_id": "2026112022001"},
            "lines": [
                {
                    "line_no": 1,
                    "sku": "BOTTLE-240",
                    "title": "宽口径玻璃奶瓶 240ml",
                    "category": "baby",
                    "unit_price": 8900,
                    "quantity": 2,
                    "discount": 1000,
                    "flags": ["hygiene_sealed"],
                },
                {
                    "line_no": 2,
                    "sku": "BIB-3",
                    "title": "婴儿围兜三条装",
                    "category": "baby",
                    "unit_price": 3900,
                    "quantity": 1,
                    "discount": 0,
                    "flags": [],
                },
            ],
        }
        body.update(changes)
        return body

    return build


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", _free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()


_ONE_DATABASE = ("_pages.py", "tests/api/test_permissions.py", "tests/test_page_permissions.py")
# API modules that still run on both databases: where the dialects differ in what a
# route meets (sizes and digits, money sums, the create path's statements, concurrent
# spends, the fuzzing); the other API modules test behaviour above the repositories,
# whose queries the storage, jobs and service tests run on both (issue 11: CI time)
_API_ON_BOTH = (
    "test_openapi_fuzz.py",
    "test_bounded_input.py",
    "test_body_limits.py",
    "test_money_paths.py",
    "test_money_gaps_api.py",
    "test_refunds_api.py",
    "test_store_credit_api.py",
    "test_returns_api.py",
    "test_orders_api.py",
    "test_create_statements.py",
    "test_lifecycle_api.py",
    "test_tracking_api.py",  # issue 11: scans by INSERT ... ON CONFLICT DO NOTHING RETURNING
    "test_push_instant_refund.py",  # issue 11: the worker's follow-up, delivered twice
)


def _postgresql_only(path: str) -> bool:
    if path.endswith(_ONE_DATABASE):
        return True
    return path.startswith("tests/api/") and not path.endswith(_API_ON_BOTH)


# The longest single tests, longest first (seconds each on a quiet machine, measured with
# --junitxml): pytest-xdist hands out work in collection order (groups first, by size),
# and one of these handed out last kept one worker busy for minutes while the other
# had nothing left to do, so they start first (issue 11: the suite's ten minutes)
_LONG_FIRST = (
    "tests/scale/test_two_and_two.py",  # 45-120: four real processes, 200 returns
    "tests/test_cli.py::test_serve_runs_api_and_worker_with_demo_data",  # ~45
    "tests/test_demo_incidents.py::test_the_festival_surge_opens_incidents",  # ~35
    "tests/web/test_dispute_journey.py",  # ~23
    "tests/web/test_staff_days.py",  # ~20 + ~11
    "tests/test_cli.py::test_demo_command_loads_and_reports",  # ~24
    "tests/web/test_dashboard_browser.py",  # ~16
    "tests/web/test_complaint_journey.py",  # ~15
    "tests/test_backup.py",  # ~15 on PostgreSQL
    "tests/web/",  # the other 35 browser journeys, 3-9 each
)


def _start_rank(nodeid: str) -> int:
    for rank, prefix in enumerate(_LONG_FIRST):
        if nodeid.startswith(prefix):
            return rank
    return len(_LONG_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Page tests and most API tests run on PostgreSQL only (see the module docstring);
    the longest tests start first (`_LONG_FIRST`)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        one = _postgresql_only(item.nodeid.split("::", 1)[0])
        (dropped if on_sqlite and one else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = sorted(kept, key=lambda item: _start_rank(item.nodeid))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many cases the OpenAPI fuzz test ran (tests/api/test_openapi_fuzz.py); the
    counts travel on the reports, so the line is right under pytest-xdist too."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])]
    counts = [
        int(value)
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "fuzz_cases" and getattr(report, "when", "call") == "call"
    ]
    if counts:
        terminalreporter.write_line(
            f"openapi fuzz: {sum(counts)} generated cases over {len(counts)} operation runs"
        )


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    """The local Twilio stand-in (tests/support/twilio.py), serving for one test."""
    stand_in, server = start_twilio()
    yield stand_in
    server.shutdown()
    server.server_close()

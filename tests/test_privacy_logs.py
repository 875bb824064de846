"""Logs carry no portal links and no customer data (R14.1, issue 9 finding 6).

A portal visit is made through the app and its path written the way uvicorn's access
log writes it; a database error carrying a customer's name and phone is raised on the
real engine and logged the way the API and the worker log unexpected errors.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.jobs.outbox import OutboxDispatcher
from returnflow.log_privacy import redact, safe_error
from returnflow.storage.schema import CustomerRow, OutboxRow
from tests.support.apps import shared_app

NAME, PHONE, EMAIL = "王小明", "13800138000", "xiaoming@example.com"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/portal/o/eyJvIjoiU08ifQ.aB-c_d/r/RMA-1", "/portal/o/[link]/r/RMA-1"),
        ("/portal/o/eyJvIjoiU08ifQ.aB-c_d", "/portal/o/[link]"),
        ("/portal/o/abc?x=1", "/portal/o/[link]?x=1"),
        ("/portal?t=secret.token&lang=en", "/portal?t=[link]&lang=en"),
        ("/staff/returns/RMA-1", "/staff/returns/RMA-1"),
        ("/merchants/apply/s/Zx_9-kQ/answer", "/merchants/apply/s/[link]/answer"),
        (
            "/api/v1/merchant-applications/status/Zx_9-kQ/documents",
            "/api/v1/merchant-applications/status/[link]/documents",
        ),
        ("/staff/merchants/applications/3", "/staff/merchants/applications/3"),
    ],
)
def test_portal_tokens_are_redacted(path: str, expected: str) -> None:
    assert redact(path) == expected


def test_a_portal_visit_leaves_no_link_in_the_logs(
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    portal = dataclasses.replace(
        context, settings=context.settings.model_copy(update={"secret_key": "log-test"})
    )
    with TestClient(shared_app(portal), follow_redirects=False) as browser:
        found = browser.post("/portal/lookup", data={"order_no": "SO-1001", "contact": PHONE})
        link = found.headers["location"]
        token = link.removeprefix("/portal/o/").split("/")[0]
        assert len(token) > 20
        caplog.set_level(logging.INFO)
        assert browser.get(link).status_code == 200
        # what uvicorn's access log writes for that request, through its own logger
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", link, "1.1", 200
        )
        logging.getLogger("returnflow.api").error("unexpected error on %s %s", "GET", link)
    assert "/portal/o/[link]" in caplog.text
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()


def _force_database_error(context: AppContext) -> BaseException:
    """A customer row the database refuses (email NOT NULL): its values are the name and
    phone, which PostgreSQL repeats in DETAIL and SQLAlchemy (by default) in [parameters]."""
    with context.session_factory() as session:
        session.add(CustomerRow(id="c-new", name=NAME, phone=PHONE, email=None))
        try:
            session.commit()
        except Exception as error:
            session.rollback()
            return error
    raise AssertionError("the database accepted a customer without an email")


def test_database_errors_are_logged_without_customer_data(
    context: AppContext, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    error = _force_database_error(context)
    assert "IntegrityError" in safe_error(error)
    caplog.set_level(logging.INFO)
    for name in ("returnflow.api", "returnflow.worker"):
        try:
            raise RuntimeError("wrapped") from error
        except RuntimeError:
            logging.getLogger(name).exception("worker tick failed")
        try:
            raise error
        except Exception:
            logging.getLogger(name).exception("unexpected error on %s %s", "POST", "/x")
    text = caplog.text
    assert "IntegrityError" in text and "statement and values hidden" in text
    assert NAME not in text and PHONE not in text and "c-new" not in text
    assert "INSERT INTO" not in text


def test_the_engine_hides_parameters(context: AppContext) -> None:
    """Even where an error is printed whole (a console, a test report), no values."""
    message = str(_force_database_error(context))
    # (PostgreSQL's own DETAIL line still has them: that is what the log filter is for)
    before_detail = message.split("DETAIL")[0]
    assert NAME not in before_detail and PHONE not in before_detail
    assert "parameters hidden" in message


def test_a_failed_delivery_stores_no_values(context: AppContext) -> None:
    """The outbox keeps the last error of each delivery: by class, not by values."""
    now = context.clock()
    with context.uow() as uow:
        uow.outbox.put("privacy.probe", {"rma_no": "RMA-1"}, now)
        uow.session.commit()

    def deliver(topic: str, payload: dict[str, object]) -> None:
        raise _force_database_error(context)

    report = OutboxDispatcher(context.session_factory, {"privacy.": deliver}).run_once(now)
    assert report.retried == 1
    with context.session_factory() as session:
        error = session.scalars(select(OutboxRow.last_error)).one()
    assert error is not None and "IntegrityError" in error
    assert NAME not in error and PHONE not in error and "INSERT" not in error

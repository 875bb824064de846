"""Where a notice goes, read in one statement (issue 11: two reads per notice before)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from returnflow.app_context import AppContext
from returnflow.storage.schema import CustomerRow

OrderPayload = Callable[..., dict[str, Any]]


def test_the_recipient_and_the_channels_chosen_are_one_read(
    context: AppContext, client: TestClient, order_payload: OrderPayload
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code < 300
    with context.session_factory() as session:
        customer = session.scalars(select(CustomerRow)).first()
        assert customer is not None
        customer_id, phone, email = customer.id, customer.phone, customer.email
    statements: list[str] = []

    def count(_c: Any, _cur: Any, sql: str, *_rest: Any) -> None:
        statements.append(sql)

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        with context.uow() as uow:
            found = uow.notices.recipient(customer_id)
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    assert (found.phone, found.email, found.chosen) == (phone, email, None)  # no choice yet
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    with context.uow() as uow:
        uow.notices.choose(customer_id, ("sms",), context.clock())
        assert uow.notices.recipient(customer_id).chosen == ("sms",)  # seen before commit
        uow.commit(context.clock())
    with context.uow() as uow:
        assert uow.notices.recipient(customer_id).chosen == ("sms",)
        nobody = uow.notices.recipient("no-such-customer")
        assert (nobody.phone, nobody.email, nobody.chosen) == ("", "", None)
        assert uow.notices.recipient("") == nobody

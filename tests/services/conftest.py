"""Service tests on the in-memory unit of work (tests/support/fake_uow.py): no database.

`Shop` opens units of work over one `FakeDatabase`, imports orders and files requests
through the services themselves, each in its own committed "transaction", so a test
reads like the API calls it stands for and runs in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

import pytest

from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.lifecycle import Action
from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.services import orders as order_service
from returnflow.services import returns as return_service
from tests.domain.builders import day_after_delivery
from tests.support.fake_uow import FakeDatabase, FakeUnitOfWork

T = TypeVar("T")

NOW = day_after_delivery(2)  # noon in Shanghai, two days after the default delivery


class Shop:
    """Orders and requests put in place through the services, one commit each."""

    def __init__(self) -> None:
        self.db = FakeDatabase()

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db)

    def run(self, step: Callable[[FakeUnitOfWork], T], now: datetime = NOW) -> T:
        """One unit of work, committed at `now`, like `entrypoints.steps.perform`."""
        with self.uow() as uow:
            result = step(uow)
            uow.commit(now)
        return result

    def add_orders(self, *orders: Order, now: datetime = NOW) -> None:
        def import_all(uow: FakeUnitOfWork) -> None:
            for order in orders:
                order_service.import_order(uow, order, now)

        self.run(import_all, now)

    def file(
        self,
        order_no: str,
        lines: Sequence[ReturnLine] = (ReturnLine(1, 1, Reason.NO_REASON),),
        *,
        request_type: RequestType = RequestType.REFUND,
        now: datetime = NOW,
        contact: dict[str, str] | None = None,
        photos: tuple[str, ...] = (),
        actor: str = "c-1",
    ) -> ReturnRequest:
        new = return_service.NewReturn(
            order_no=order_no,
            request_type=request_type,
            channel=Channel.WEB,
            lines=tuple(lines),
            contact=contact or {},
            photos=photos,
        )
        return self.run(lambda uow: return_service.file_return(uow, new, now, actor), now)

    def step(
        self,
        rma_no: str,
        action: Action,
        *,
        now: datetime = NOW,
        note: str = "",
        carrier: str = "",
        tracking_no: str = "",
        merchant_scope: str | None = None,
        actor: str = "agent:li",
    ) -> ReturnRequest:
        return self.run(
            lambda uow: return_service.perform(
                uow,
                rma_no,
                action,
                actor,
                now,
                note=note,
                carrier=carrier,
                tracking_no=tracking_no,
                merchant_scope=merchant_scope,
            ),
            now,
        )

    def stored(self, rma_no: str) -> ReturnRequest:
        return self.db.returns[rma_no]


@pytest.fixture
def shop() -> Shop:
    return Shop()

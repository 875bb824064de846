"""The outbox lease with several workers (issue 11): a message is never in two hands.

A worker stops starting deliveries once half its lease is spent and hands the rest
back at once, so a slow batch neither outlives its lease (another worker would claim
and deliver the same rows) nor sits on rows until the lease runs out. A row whose
lease already ran out and was claimed again is not handed back by the first worker.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from returnflow.app_context import AppContext
from returnflow.jobs.outbox import OutboxDispatcher
from returnflow.storage.outbox_claims import OutboxClaims
from returnflow.storage.schema import OutboxRow
from tests.support.clock import FakeClock

LEASE = timedelta(seconds=0.4)


def _put(context: AppContext, count: int) -> list[int]:
    now = context.clock()
    with context.uow(publish=False) as uow:
        for n in range(count):
            uow.outbox.put("test.slow", {"n": n}, now)
        uow.commit(now)
    with context.session_factory() as session:
        return [row.id for row in session.query(OutboxRow).order_by(OutboxRow.id)]


def test_a_slow_batch_hands_back_what_it_did_not_start(
    context: AppContext, clock: FakeClock
) -> None:
    _put(context, 5)
    delivered: list[int] = []

    def slow(topic: str, payload: dict[str, Any]) -> None:
        delivered.append(int(payload["n"]))
        time.sleep(0.25)  # past half the lease after the first message

    dispatcher = OutboxDispatcher(context.session_factory, {"test.": slow}, lease=LEASE)
    assert dispatcher.run_once(clock.now).sent == 1
    # the other four are due again at once, not after the lease: the next round takes one
    assert dispatcher.run_once(clock.now).sent == 1
    assert delivered == [0, 1]


def test_rows_claimed_again_after_the_lease_stay_with_the_new_holder(
    context: AppContext, clock: FakeClock
) -> None:
    ids = _put(context, 2)
    claims = OutboxClaims(context.session_factory)
    first = claims.claim(clock.now, 2, LEASE)
    later = clock.now + LEASE + timedelta(seconds=1)  # the first holder's lease ran out
    second = claims.claim(later, 2, LEASE)
    assert [m.id for m in first] == [m.id for m in second] == ids
    claims.release(ids, clock.now + LEASE, clock.now)  # the first holder, too late
    assert claims.claim(later, 2, LEASE) == []  # still the second holder's
    claims.release(ids, later + LEASE, later)  # the holder hands them back
    assert [m.id for m in claims.claim(later, 2, LEASE)] == ids

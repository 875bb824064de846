"""Tracking state from scans (any order, any repeats) and the exception rules (R4.3, R4.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment_alerts import AlertKind, ShipmentFacts, Thresholds, findings
from returnflow.domain.tracking import merge, state_of

TS = TrackingStatus
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WAYBILL = "FX1000"


def ev(
    hours: float, status: TrackingStatus, text: str = "", problem: TrackingProblem | None = None
) -> TrackingEvent:
    return TrackingEvent(T0 + timedelta(hours=hours), status, text or status.value, problem=problem)


JOURNEY = [
    ev(1, TS.ACCEPTED),
    ev(5, TS.IN_TRANSIT, "left Shenzhen hub"),
    ev(20, TS.IN_TRANSIT, "arrived Shanghai hub"),
    ev(30, TS.OUT_FOR_DELIVERY),
    ev(33, TS.DELIVERED),
]


def test_a_journey_ends_delivered_in_time_order() -> None:
    state = state_of(WAYBILL, reversed(JOURNEY))
    assert state.status is TS.DELIVERED
    assert [e.at for e in state.timeline] == sorted(e.at for e in JOURNEY)
    assert state.last_scan_at == T0 + timedelta(hours=33)


def test_duplicates_are_ignored_and_reported_as_nothing_new() -> None:
    first = merge(WAYBILL, [], JOURNEY[:2])
    again = merge(WAYBILL, JOURNEY[:2], [JOURNEY[1], JOURNEY[0], JOURNEY[1]])
    assert len(first.added) == 2 and first.first_pickup
    assert again.added == () and not again.first_pickup
    assert again.after == again.before


def test_a_late_in_transit_scan_does_not_undo_delivered() -> None:
    delivered = merge(WAYBILL, [], [ev(10, TS.DELIVERED)])
    late = merge(WAYBILL, [ev(10, TS.DELIVERED)], [ev(12, TS.IN_TRANSIT, "sorting")])
    assert delivered.after.status is TS.DELIVERED
    assert late.added and late.after.status is TS.DELIVERED


def test_an_older_scan_arriving_late_does_not_move_the_state_back() -> None:
    state = merge(WAYBILL, [ev(30, TS.OUT_FOR_DELIVERY)], [ev(5, TS.IN_TRANSIT)]).after
    assert state.status is TS.OUT_FOR_DELIVERY
    assert [e.status for e in state.timeline] == [TS.IN_TRANSIT, TS.OUT_FOR_DELIVERY]


def test_an_exception_is_current_until_the_parcel_moves_again() -> None:
    damaged = ev(8, TS.EXCEPTION, "carton crushed", TrackingProblem.DAMAGED)
    assert state_of(WAYBILL, [ev(1, TS.ACCEPTED), damaged]).problem is TrackingProblem.DAMAGED
    moved_on = state_of(WAYBILL, [ev(1, TS.ACCEPTED), damaged, ev(9, TS.IN_TRANSIT)])
    assert moved_on.status is TS.IN_TRANSIT and moved_on.problem is None


_statuses = st.sampled_from(list(TrackingStatus))
# a carrier reports the same problem for the same scan, so the problem follows the text
_PROBLEM_OF = {"scan": None, "hub": TrackingProblem.DAMAGED, "depot": TrackingProblem.LOST}
_events = st.builds(
    lambda hours, status, text: TrackingEvent(
        T0 + timedelta(hours=hours),
        status,
        text,
        problem=_PROBLEM_OF[text] if status is TS.EXCEPTION else None,
    ),
    st.integers(0, 200),
    _statuses,
    st.sampled_from(sorted(_PROBLEM_OF)),
)


@given(st.lists(_events, min_size=0, max_size=12), st.data())
def test_any_order_and_any_repeats_give_the_same_state(
    events: list[TrackingEvent], data: st.DataObject
) -> None:
    reference = state_of(WAYBILL, events)
    shuffled = data.draw(st.permutations(events))
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else []
    chunks = data.draw(st.integers(1, 4))
    known: list[TrackingEvent] = []
    stream = [*shuffled, *repeats]
    for i in range(chunks):
        batch = stream[i::chunks]
        result = merge(WAYBILL, known, batch)
        # never backwards: delivered stays delivered, a finished parcel stays finished
        if result.before.status is TS.DELIVERED:
            assert result.after.status is TS.DELIVERED
        if result.before.finished:
            assert result.after.finished
        known.extend(result.added)
    assert len(known) == len(reference.timeline)
    final = state_of(WAYBILL, known)
    assert final == reference


# --- the exception rules --------------------------------------------------------------

LIMITS = Thresholds(
    first_scan_within=timedelta(hours=48),
    next_scan_within=timedelta(hours=72),
    presumed_lost_after=timedelta(days=7),
)
FACTS = ShipmentFacts(arranged_at=T0, promised_by=None)


def kinds(facts: ShipmentFacts, events: list[TrackingEvent], hours: float) -> list[AlertKind]:
    state = state_of(WAYBILL, events)
    return [f.kind for f in findings(facts, state, T0 + timedelta(hours=hours), LIMITS)]


def test_no_first_scan_only_after_the_threshold() -> None:
    assert kinds(FACTS, [], 47.9) == []
    assert kinds(FACTS, [], 48) == [AlertKind.NO_FIRST_SCAN]


def test_self_ship_numbers_are_never_expected_to_scan() -> None:
    untracked = ShipmentFacts(arranged_at=T0, promised_by=None, tracked=False)
    assert kinds(untracked, [], 500) == []


def test_silence_after_a_scan_is_stalled_then_lost() -> None:
    scanned = [ev(1, TS.ACCEPTED)]
    assert kinds(FACTS, scanned, 72) == []
    assert kinds(FACTS, scanned, 73) == [AlertKind.STALLED]
    assert kinds(FACTS, scanned, 1 + 24 * 7) == [AlertKind.LOST]


def test_late_against_the_promise_unless_delivered() -> None:
    promised = ShipmentFacts(arranged_at=T0, promised_by=T0 + timedelta(hours=30))
    moving = [ev(1, TS.ACCEPTED), ev(25, TS.IN_TRANSIT)]
    assert kinds(promised, moving, 29) == []
    assert kinds(promised, moving, 31) == [AlertKind.LATE]
    assert kinds(promised, [*moving, ev(31, TS.DELIVERED)], 40) == []


def test_carrier_reported_troubles() -> None:
    lost = [ev(1, TS.ACCEPTED), ev(3, TS.EXCEPTION, "missing", TrackingProblem.LOST)]
    damaged = [ev(1, TS.ACCEPTED), ev(3, TS.EXCEPTION, "wet box", TrackingProblem.DAMAGED)]
    back = [ev(1, TS.ACCEPTED), ev(3, TS.RETURNED_TO_SENDER)]
    assert kinds(FACTS, lost, 4) == [AlertKind.LOST]
    assert kinds(FACTS, damaged, 4) == [AlertKind.DAMAGED]
    assert kinds(FACTS, back, 4) == [AlertKind.RETURNED_TO_SENDER]


def test_nothing_for_a_cancelled_shipment() -> None:
    cancelled = ShipmentFacts(arranged_at=T0, promised_by=T0, cancelled=True)
    assert kinds(cancelled, [], 500) == []

"""The identity map the tracking repositories share (storage/identity_map.py).

No database: a tiny aggregate that collects events and a row it is written onto are
enough for its rules: one object per key, a row per aggregate, events handed over once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.storage.identity_map import IdentityMap, TrackingRepository

AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@dataclass
class Thing:
    key: str
    value: int = 0
    events: list[DomainEvent] = field(default_factory=list)

    def change(self, value: int) -> None:
        self.value = value
        self.events.append(DomainEvent("thing.changed", AT, {"key": self.key, "value": value}))


@dataclass
class Row:
    key: str
    value: int = 0


Things = IdentityMap[str, Thing, Row]


def write(thing: Thing, row: Row) -> None:
    row.value = thing.value


def test_what_is_remembered_is_recalled_as_the_same_object() -> None:
    things = Things()
    thing, row = Thing("a"), Row("a")
    assert things.remember("a", thing, row) is thing
    assert things.recall("a") is thing
    assert things.row_of("a") is row
    assert "a" in things
    assert things.recall("b") is None
    assert "b" not in things
    with pytest.raises(KeyError):
        things.row_of("b")


def test_adopt_keeps_the_object_already_remembered() -> None:
    things = Things()
    first = things.adopt("a", Row("a", 1), lambda row: Thing(row.key, row.value))
    again = things.adopt("a", Row("a", 2), lambda row: Thing(row.key, row.value))
    assert again is first
    assert first.value == 1
    assert things.row_of("a").value == 1  # the row first read stays the one written to


def test_recall_or_load_reads_only_what_it_does_not_know() -> None:
    things = Things()
    reads: list[str] = []

    def find(key: str, found: bool = True) -> Row | None:
        reads.append(key)
        return Row(key, 7) if found else None

    loaded = things.recall_or_load("a", lambda: find("a"), lambda row: Thing(row.key, row.value))
    assert loaded is not None and loaded.value == 7
    assert things.recall_or_load("a", lambda: find("a"), lambda row: Thing(row.key)) is loaded
    assert reads == ["a"]
    missing = things.recall_or_load("b", lambda: find("b", False), lambda row: Thing(row.key))
    assert missing is None
    assert "b" not in things  # nothing found: nothing remembered


def test_forget_and_clear_make_the_next_look_up_read_afresh() -> None:
    things = Things()
    things.remember("a", Thing("a"), Row("a"))
    things.remember("b", Thing("b"), Row("b"))
    things.forget("a")
    things.forget("never")  # forgetting the unknown is no error
    assert things.recall("a") is None
    assert things.recall("b") is not None
    things.clear()
    assert things.pairs() == []


def test_flush_writes_every_pair_back_and_hands_over_events_once() -> None:
    things = Things()
    a, b = Thing("a"), Thing("b")
    rows = {"a": Row("a"), "b": Row("b")}
    things.remember("a", a, rows["a"])
    things.remember("b", b, rows["b"])
    a.change(1)
    b.change(2)
    a.change(3)

    events = things.flush(write)

    assert [(e.data["key"], e.data["value"]) for e in events] == [("a", 1), ("a", 3), ("b", 2)]
    assert (rows["a"].value, rows["b"].value) == (3, 2)
    assert a.events == [] and b.events == []
    assert things.flush(write) == []  # a second flush announces nothing again
    b.change(5)
    assert [e.data["value"] for e in things.flush(write)] == [5]
    assert rows["b"].value == 5


def test_the_writer_sees_the_events_before_they_are_handed_over() -> None:
    """A repository may date the write by the aggregate's last event (exchanges do)."""
    things = Things()
    thing = Thing("a")
    things.remember("a", thing, Row("a"))
    thing.change(1)
    seen: list[int] = []
    things.flush(lambda aggregate, _row: seen.append(len(aggregate.events)))
    assert seen == [1]


def test_take_events_hands_over_without_writing() -> None:
    things = Things()
    thing, row = Thing("a"), Row("a")
    things.remember("a", thing, row)
    thing.change(4)
    assert [e.name for e in things.take_events()] == ["thing.changed"]
    assert row.value == 0
    assert things.take_events() == []


def test_a_forgotten_aggregate_is_neither_written_nor_heard() -> None:
    things = Things()
    thing, row = Thing("a"), Row("a")
    things.remember("a", thing, row)
    thing.change(9)
    things.forget("a")
    assert things.flush(write) == []
    assert row.value == 0


class FakeSession:
    """Only what `TrackingRepository` asks of a session: a flush, counted."""

    def __init__(self) -> None:
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_a_tracking_repository_writes_back_before_it_flushes_and_announces_once() -> None:
    session = FakeSession()
    written: list[tuple[str, int]] = []

    def write_down(thing: Thing, row: Row) -> None:
        write(thing, row)
        written.append((thing.key, session.flushes))

    repository: TrackingRepository[str, Thing, Row] = TrackingRepository(
        cast(Session, session), write_down
    )
    thing, row = Thing("a"), Row("a")
    repository._map.remember("a", thing, row)
    thing.change(2)

    repository.sync()  # queries later in the transaction see the change, nothing announced
    assert (row.value, session.flushes, len(thing.events)) == (2, 1, 1)
    events = repository.flush_changes()
    assert [e.data["value"] for e in events] == [2]
    assert written == [("a", 0), ("a", 1)]  # each write came before its flush
    assert session.flushes == 2
    assert repository.flush_changes() == []

"""Dead letters re-driven by hand (issue 11), on SQLite and PostgreSQL: a message fails
its last attempt, `returnflow outbox failed` lists it, `returnflow outbox redrive` puts
it back to due, and the worker's dispatcher delivers it exactly once; ids that are
unknown or not failed refuse the whole command with exit code 1. Through a real broker
(PostgreSQL, RabbitMQ and Redis): the dead-lettered message is re-driven on its row
alone and delivered once, the stale copy in `<queue>.XQ` notwithstanding."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app
from returnflow.jobs.outbox import OutboxDispatcher
from returnflow.storage.schema import OutboxRow
from tests.jobs.test_broker import Outside as Flaky
from tests.jobs.test_broker import Relay, dead_letters, relay, wait_for
from tests.support.outbox_rows import put, row

__all__ = ["relay"]  # the broker fixture (RabbitMQ and Redis), used below


class Outside:
    """The world a message leaves for: records each delivery; refuses the topics in `down`."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self.down: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, topic: str, payload: dict[str, Any]) -> None:
        with self.lock:
            if topic in self.down:
                raise ConnectionError(f"{topic} refused")
            self.delivered.append((topic, payload))


@pytest.fixture
def cli(context: AppContext, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", context.settings.database_url)
    return CliRunner()


def fail_for_good(context: AppContext, dispatcher: OutboxDispatcher) -> None:
    """Two attempts (the dispatcher's maximum), the backoff waited out between them."""
    dispatcher.run_once(context.clock())
    context.clock.advance(seconds=31)  # type: ignore[attr-defined]
    dispatcher.run_once(context.clock())


def catch_up(context: AppContext) -> None:
    """The command stamps rows with the real clock: the test's clock moves past it."""
    context.clock.now = datetime.now(UTC) + timedelta(seconds=1)  # type: ignore[attr-defined]


def test_a_failed_message_is_listed_redriven_and_delivered_once(
    context: AppContext, cli: CliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    outside = Outside()
    outside.down = {"test.broken"}
    dispatcher = OutboxDispatcher(context.session_factory, {"test.": outside}, max_attempts=2)
    broken = put(context, "test.broken", {"rma": "RMA-1"})
    fine = put(context, "test.fine", {"rma": "RMA-2"})
    fail_for_good(context, dispatcher)
    assert row(context, broken).failed_at is not None and row(context, broken).attempts == 2
    assert row(context, fine).sent_at is not None

    listed = cli.invoke(app, ["outbox", "failed"])
    assert listed.exit_code == 0, listed.output
    assert "test.broken" in listed.output and "test.fine" not in listed.output
    assert "ConnectionError: test.broken refused" in listed.output
    assert "共 1 条失败消息" in listed.output and "1 failed message(s)" in listed.output

    outside.down.clear()  # the outside system is back
    done = cli.invoke(app, ["outbox", "redrive", "--id", str(broken), "--by", "ops-test"])
    assert done.exit_code == 0, done.output
    assert "已重新投递 1 条消息" in done.output and "Re-driven 1 message(s)" in done.output
    assert any("re-drive by ops-test" in r.getMessage() for r in caplog.records)
    again = row(context, broken)
    assert (again.failed_at, again.attempts, again.sent_at) == (None, 0, None)

    catch_up(context)
    assert dispatcher.run_once(context.clock()).sent == 1
    assert dispatcher.run_once(context.clock()).sent == 0
    assert outside.delivered.count(("test.broken", {"rma": "RMA-1"})) == 1
    assert row(context, broken).sent_at is not None
    empty = cli.invoke(app, ["outbox", "failed"])
    assert empty.exit_code == 0 and "No failed messages." in empty.output


def test_bad_ids_refuse_the_whole_redrive(context: AppContext, cli: CliRunner) -> None:
    outside = Outside()
    outside.down = {"test.broken"}
    dispatcher = OutboxDispatcher(context.session_factory, {"test.": outside}, max_attempts=2)
    broken = put(context, "test.broken", {"n": 1})
    sent = put(context, "test.fine", {"n": 2})
    fail_for_good(context, dispatcher)

    unknown = cli.invoke(app, ["outbox", "redrive", "--id", str(broken), "--id", "99999"])
    assert unknown.exit_code == 1
    assert "no such message: 99999" in unknown.output and "不存在的消息：99999" in unknown.output
    assert row(context, broken).failed_at is not None  # nothing re-driven: all or nothing

    not_failed = cli.invoke(app, ["outbox", "redrive", "--id", str(sent)])
    assert not_failed.exit_code == 1
    assert f"not failed (sent or still waiting): {sent}" in not_failed.output

    for wrong in ([], ["--all", "--topic", "test.broken"], ["--id", "0"]):
        refused = cli.invoke(app, ["outbox", "redrive", *wrong])
        assert refused.exit_code != 0, wrong
    assert row(context, broken).failed_at is not None


def test_redrive_by_topic_and_all(context: AppContext, cli: CliRunner) -> None:
    outside = Outside()
    outside.down = {"test.a", "test.b"}
    dispatcher = OutboxDispatcher(context.session_factory, {"test.": outside}, max_attempts=2)
    a1, a2, b = (put(context, t, {}) for t in ("test.a", "test.a", "test.b"))
    fail_for_good(context, dispatcher)

    page = cli.invoke(app, ["outbox", "failed", "--size", "2", "--page", "2"])
    assert page.exit_code == 0 and "第 2/2 页，共 3 条失败消息" in page.output

    by_topic = cli.invoke(app, ["outbox", "redrive", "--topic", "test.a"])
    assert by_topic.exit_code == 0, by_topic.output
    with context.session_factory() as session:
        failed = set(session.scalars(select(OutboxRow.id).where(OutboxRow.failed_at.is_not(None))))
    assert failed == {b}
    assert row(context, a1).attempts == row(context, a2).attempts == 0

    everything = cli.invoke(app, ["outbox", "redrive", "--all"])
    assert everything.exit_code == 0 and "Re-driven 1 message(s)" in everything.output
    nothing = cli.invoke(app, ["outbox", "redrive", "--all"])
    assert nothing.exit_code == 0 and "No failed messages to re-drive." in nothing.output


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_dead_letter_redriven_through_the_broker_is_delivered_once(
    relay: Relay, context: AppContext, cli: CliRunner
) -> None:
    outside = Flaky()
    outside.fails = {"test.broken": 3}  # down for exactly the three attempts
    relay_ = relay(outside, max_attempts=3)
    broken = put(context, "test.broken", {"rma": "RMA-9"})
    relay_.start(worker_timeout_ms=100)
    assert relay_.run_once(context.clock()).sent == 1
    wait_for(lambda: row(context, broken).failed_at is not None)
    wait_for(lambda: dead_letters(relay_) == 1)

    done = cli.invoke(app, ["outbox", "redrive", "--id", str(broken)])
    assert done.exit_code == 0, done.output
    catch_up(context)
    assert relay_.run_once(context.clock()).sent == 1  # published again, a new stamp
    wait_for(lambda: row(context, broken).sent_at is not None)
    assert relay_.run_once(context.clock()).sent == 0
    assert outside.delivered == [("test.broken", {"rma": "RMA-9"})]
    assert dead_letters(relay_) == 1  # the stale copy stays, harmless

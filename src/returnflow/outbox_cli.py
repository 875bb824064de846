"""`returnflow outbox failed|redrive`: the outbox's dead letters by hand (issue 11).

Kept apart from cli.py (which only registers it). Listing shows id, topic, attempts,
the last error and when the row was given up, a bounded page at a time, never the
payload (it may name customers). Re-driving is services/outbox_admin.py's: the rows are
due again at once, attempts reset, and the worker delivers them.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain.text import DomainError, Text
from returnflow.services import outbox_admin

outbox = typer.Typer(
    help="The outbox's dead letters: list the failed messages, re-drive them.",
    no_args_is_help=True,
)
console = Console()


def _say(text: Text, style: str = "") -> None:
    for line in (text.zh, text.en):
        console.print(f"[{style}]{line}[/{style}]" if style else line, highlight=False)


def _when(at: datetime) -> str:
    """Storage keeps naive UTC on SQLite, aware UTC on PostgreSQL: shown as UTC either way."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@outbox.command("failed")
def failed(
    page: Annotated[int, typer.Option(min=1, help="Which page (newest failures first)")] = 1,
    size: Annotated[
        int, typer.Option(min=1, max=outbox_admin.MAX_PAGE_SIZE, help="Rows a page")
    ] = 50,
    topic: Annotated[str | None, typer.Option(help="Only this topic, e.g. carrier.call")] = None,
) -> None:
    """List the messages given up after their last attempt: id, topic, attempts, last
    error, when. Re-drive them with `returnflow outbox redrive`."""
    context = AppContext.from_settings(Settings())
    try:
        with context.uow(publish=False) as uow:
            found = outbox_admin.failed(uow, page, size, topic)
    finally:
        context.engine.dispose()
    if not found.total:
        _say(Text("没有失败的消息。", "No failed messages."), "green")
        return
    # one line a row, never wrapped: an operator greps and pastes ids from it
    typer.echo("编号 id\t主题 topic\t次数 attempts\t失败于 failed\t最后错误 last error")
    for message in found.messages:
        typer.echo(
            f"{message.id}\t{message.topic}\t{message.attempts}\t"
            f"{_when(message.failed_at)}\t{_short(message.last_error)}"
        )
    _say(
        Text(
            "第 {page}/{pages} 页，共 {total} 条失败消息",
            "Page {page} of {pages}, {total} failed message(s)",
        ).format(page=found.page, pages=found.pages, total=found.total)
    )


def _short(error: str, width: int = 100) -> str:
    line = " ".join(error.split())
    return line if len(line) <= width else line[: width - 1] + "…"


@outbox.command("redrive")
def redrive(
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="A failed message's id (repeatable)")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Every failed message of this topic")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every failed message")] = False,
    by: Annotated[str | None, typer.Option(help="Who asks, for the log (default: you)")] = None,
) -> None:
    """Put failed messages back to due, attempts reset; the worker delivers them again.

    Name exactly one of --id N (repeatable), --topic T or --all. Ids that are unknown or
    not failed refuse the whole command (exit 1). With a broker (RETURNFLOW_BROKER_URL)
    the relay publishes each row again under a new stamp; the old copy left in the
    dead-letter queue `<queue>.XQ` is harmless (the actor takes a row only by its id and
    current stamp, so a stale copy does nothing) and expires with Dramatiq's dead-message
    TTL; it is not purged here.
    """
    chosen = outbox_admin.Selection(tuple(ids or ()), topic, everything)
    context = AppContext.from_settings(Settings())
    try:
        now = context.clock()
        with context.uow(publish=False) as uow:
            done = outbox_admin.redrive(uow, chosen, by or _operator(), now)
            uow.commit(now)
    except DomainError as refused:
        _say(refused.message, "red")
        raise typer.Exit(1) from refused
    finally:
        context.engine.dispose()
    if not done:
        _say(Text("没有可重新投递的失败消息。", "No failed messages to re-drive."))
        return
    listed = ", ".join(map(str, done[:20])) + (" …" if len(done) > 20 else "")
    _say(
        Text(
            "已重新投递 {n} 条消息（{ids}）：工作进程将再次发送。",
            "Re-driven {n} message(s) ({ids}): the worker sends them again.",
        ).format(n=len(done), ids=listed),
        "green",
    )


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's numeric user)
        return "unknown"

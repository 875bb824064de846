"""`returnflow report --period week|month [--end YYYY-MM-DD] [--out DIR]` (issue 14, R9.3).

Produces the last complete week's (Monday–Sunday) or calendar month's report, China
Standard Time, or the last one ending on or before `--end`; stores it once (a second
run finds it and mails nobody again), puts one mail per subscriber into the outbox for
the worker, and writes the PDF in Chinese and English and the XLSX into `--out`.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.domain import reports as rules
from returnflow.domain.text import DomainError
from returnflow.services import reports
from returnflow.services.unit_of_work import ConcurrentUpdate

console = Console()


def _period(kind: str, end: str | None, today: date) -> rules.ReportPeriod:
    chosen = rules.kind_of(kind)
    if not end:
        return rules.last_complete(chosen, today)
    try:
        last = date.fromisoformat(end)
    except ValueError as error:
        raise typer.BadParameter("--end is a day: YYYY-MM-DD") from error
    return rules.ending_by(chosen, last)


def _write(context: AppContext, report_id: int, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with context.uow() as uow:
        for fmt, language in (("pdf", "zh"), ("pdf", "en"), ("xlsx", "zh")):
            file = reports.download(uow, report_id, fmt, language)
            path = out / file.filename
            path.write_bytes(file.content)
            written.append(path)
    return written


def _prepared(
    context: AppContext, when: rules.ReportPeriod, now: datetime
) -> reports.Prepared | None:
    """The period's files from the read path (off the primary and its write lock), unless
    the period is stored already."""
    with context.uow() as uow:
        if reports.existing(uow, when) is not None:
            return None
    with context.read_uow() as reads:
        return reports.prepare(reads, when, now)


def report(
    period: Annotated[str, typer.Option(help="week (Monday–Sunday) or month")] = "week",
    end: Annotated[
        str | None, typer.Option(help="The period's last day at the latest (YYYY-MM-DD)")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the files")] = Path("."),
) -> None:
    """Produce the periodic report (PDF in Chinese and English, XLSX) and mail subscribers."""
    context = AppContext.from_settings(Settings())
    started = time.perf_counter()
    try:
        now = context.clock()
        when = _period(period, end, rules.local_day(now))
        prepared = _prepared(context, when, now)
        try:
            with context.uow() as uow:
                made = reports.produce(uow, when, "cli", now, prepared)
                uow.commit(now)
        except ConcurrentUpdate:  # another producer stored it a moment ago
            with context.uow() as uow:
                found = reports.existing(uow, when)
            assert found is not None
            made = reports.Produced(found, when, False, 0)
        paths = _write(context, made.report_id, out)
    except DomainError as refused:
        console.print(f"[red]{refused.message.en}[/red]")
        raise typer.Exit(2) from refused
    finally:
        context.engine.dispose()
    state = (
        f"produced in {time.perf_counter() - started:.1f} s, {made.mailed} mail(s) queued"
        if made.created
        else "already produced earlier: nothing stored or mailed again"
    )
    typer.echo(f"Report {when.kind} {when.start} – {when.end}: {state}.")
    for path in paths:
        typer.echo(f"  {path.resolve()}")

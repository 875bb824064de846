"""`returnflow analytics …`: the KPI rollups by hand (issue 14, R9.4).

The worker keeps the rollups current from the outbox; `rebuild` recomputes every one of
them from the raw tables: after restoring a backup, importing history, changing a
definition, or on a database that had requests before the rollups existed.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.services import analytics as numbers

analytics = typer.Typer(help="KPIs: the daily rollups.", no_args_is_help=True)
console = Console()


@analytics.command("rebuild")
def rebuild() -> None:
    """Recompute every daily rollup from the raw tables, in one transaction."""
    context = AppContext.from_settings(Settings())
    started = time.perf_counter()
    try:
        now = context.clock()
        with context.uow(publish=False) as uow:
            written = numbers.rebuild(uow, now)
            uow.commit(now)
    finally:
        context.engine.dispose()
    seconds = time.perf_counter() - started
    console.print(f"Rollups rebuilt: {written} rows in {seconds:.1f} s.")

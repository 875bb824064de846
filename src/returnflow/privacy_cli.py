"""`returnflow privacy …`: the retention job by hand (R14.1).

The worker runs the same job once a day; this is for a first run, a check of what a
changed retention period would do (`--dry-run`), or a machine without a worker.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.jobs import retention

privacy = typer.Typer(help="Customer data: retention and anonymisation.", no_args_is_help=True)
console = Console()


@privacy.command("anonymise")
def anonymise(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count who is due; change nothing")
    ] = False,
) -> None:
    """Anonymise customers whose last request closed RETURNFLOW_RETENTION_DAYS ago or more."""
    settings = Settings()
    context = AppContext.from_settings(settings)
    try:
        report = retention.run(context, context.clock(), dry_run=dry_run)
    finally:
        context.engine.dispose()
    days = settings.retention_days
    if dry_run:
        console.print(
            f"{len(report.customers)} customers are due for anonymisation "
            f"(last request closed {days} days ago or more); nothing was changed."
        )
        return
    console.print(
        f"{len(report.customers)} customers anonymised ({report.requests} requests, "
        f"{len(report.photos)} photo files deleted); retention {days} days."
    )

"""The records commands: `audit verify`, `backup PATH` and `restore PATH`.

Kept apart from cli.py (which only registers them) because they work on the
database and files directly, below the services: verifying must read rows exactly
as stored, and a backup must copy them without any application logic in between.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from returnflow.config import Settings
from returnflow.storage import backup as backups
from returnflow.storage import chain

audit = typer.Typer(help="Tamper evidence of history, ledger, store-credit and stock rows.")
console = Console()


@audit.command("verify")
def audit_verify() -> None:
    """Walk every hash chain; exit 1 naming the first broken row of each table."""
    try:
        results = chain.verify_database(Settings().database_url)
    except chain.RecordsUnreadable as error:
        console.print(f"[red]Cannot read the records: {error}[/red]")
        console.print("Is RETURNFLOW_DATABASE_URL right, and the schema migrated?")
        raise typer.Exit(2) from error
    broken = False
    for table, count, found in results:
        if found is None:
            console.print(f"[green]ok[/green]     {table}: {count} rows verified", highlight=False)
        else:
            broken = True
            console.print(
                f"[red]BROKEN[/red] {table} row id {found.row_id}: {found.problem}",
                highlight=False,
            )
    if broken:
        raise typer.Exit(1)


def backup(
    path: Annotated[Path, typer.Argument(help="The archive to write (.tar)")],
) -> None:
    """Write the database, the photos and the sandbox gateway's books into one archive."""
    try:
        summary = backups.backup(Settings(), path)
    except backups.BackupError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from error
    console.print(f"[green]Backed up[/green] {summary} to {path}", highlight=False)


def restore(
    path: Annotated[Path, typer.Argument(help="An archive written by `returnflow backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data")
    ] = False,
) -> None:
    """Restore the database, photos and sandbox books from a backup archive."""
    try:
        summary = backups.restore(Settings(), path, force=force)
    except backups.BackupError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from error
    console.print(f"[green]Restored[/green] {summary} from {path}", highlight=False)

"""Backups a legal dispute can rely on (R14.3): the database and its files in one archive.

A request's evidence is spread over the database, the photo folder and (in the demo)
the sandbox gateway's books, so a backup of the database alone would restore records
pointing at photos that no longer exist. One tar archive holds all three plus a
manifest with every member's SHA-256; restoring checks the manifest first, so a
damaged archive is refused before anything is overwritten.

The database is copied with its own tools, never row by row through the application:
pg_dump's custom format on PostgreSQL (a consistent snapshot, sequences and the
append-only triggers included) and SQLite's online backup API, which copies a live
database page by page without stopping writers. Return labels are not files: they
are drawn from the database on request, so they need no copy of their own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from returnflow.config import Settings
from returnflow.payments.sandbox_store import state_path
from returnflow.storage.schema import Base

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite"
SANDBOX = "sandbox_state.json"
UPLOADS = "uploads"
# tables a migration fills on its own: a freshly migrated database still counts as empty
_SEEDED = {"counters", "alembic_version"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@contextmanager
def _database_errors() -> Iterator[None]:
    """The database's own failures (a bad URL, no connection) as a `BackupError`."""
    try:
        yield
    except SQLAlchemyError as error:
        raise BackupError(str(error)) from error


def backup(settings: Settings, archive: Path) -> str:
    """Write the archive; answers a one-line summary of what it holds."""
    with _database_errors():
        return _backup(settings, archive)


def restore(settings: Settings, archive: Path, *, force: bool = False) -> str:
    """Put the archive's database and files in place of the configured ones."""
    with _database_errors():
        return _restore(settings, archive, force=force)


def _backup(settings: Settings, archive: Path) -> str:
    url = make_url(settings.database_url)
    with tempfile.TemporaryDirectory(prefix="rf_backup_") as scratch:
        folder = Path(scratch)
        if url.get_backend_name() == "postgresql":
            _run(_pg_tool("pg_dump"), ["-Fc", "--no-owner", "-f", str(folder / PG_DUMP)], url)
        else:
            _sqlite_copy(_sqlite_file(url), folder / SQLITE_COPY)
        photos = _copy_tree(Path(settings.upload_dir), folder / UPLOADS)
        books = state_path(settings)
        if books is not None and books.is_file():
            shutil.copy2(books, folder / SANDBOX)
        files = {name: _sha256(folder / name) for name in _members(folder)}
        manifest = {"format": FORMAT, "database": url.get_backend_name(), "files": files}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        archive.parent.mkdir(parents=True, exist_ok=True)
        archive.touch(mode=0o600)  # customers' photos and data: readable by us only
        with tarfile.open(archive, "w") as tar:
            for name in [MANIFEST, *files]:
                tar.add(folder / name, arcname=name, recursive=False)
        archive.chmod(0o600)
    return f"{url.get_backend_name()} database, {photos} photos"


def _restore(settings: Settings, archive: Path, *, force: bool) -> str:
    url = make_url(settings.database_url)
    with tempfile.TemporaryDirectory(prefix="rf_restore_") as scratch:
        folder = Path(scratch)
        manifest = _unpack(archive, folder)
        if manifest["database"] != url.get_backend_name():
            raise BackupError(
                f"the archive holds a {manifest['database']} database; "
                f"the configured one is {url.get_backend_name()}"
            )
        if not force and not is_empty(settings.database_url):
            raise BackupError("the database already holds data: restore with --force to replace it")
        if url.get_backend_name() == "postgresql":
            _pg_restore(folder / PG_DUMP, url)
        else:
            _sqlite_copy(folder / SQLITE_COPY, _sqlite_file(url))
        photos = _copy_tree(folder / UPLOADS, Path(settings.upload_dir))
        books = state_path(settings)
        if books is not None and (folder / SANDBOX).is_file():
            books.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / SANDBOX, books)
    return f"{url.get_backend_name()} database, {photos} photos"


def is_empty(database_url: str) -> bool:
    """True when no table the application writes holds a row (a fresh or migrated one)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            tables = [t for t in Base.metadata.sorted_tables if t.name in present - _SEEDED]
            return not any(
                connection.scalar(select(func.count()).select_from(table)) for table in tables
            )
    finally:
        engine.dispose()


# --- the archive ----------------------------------------------------------------------


def _members(folder: Path) -> Iterator[str]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unpack(archive: Path, folder: Path) -> dict[str, object]:
    """Extract safely (no links, no paths outside `folder`) and check every hash."""
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    try:
        with tarfile.open(archive, "r") as tar:
            tar.extractall(folder, filter="data")
        manifest = json.loads((folder / MANIFEST).read_text())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a backup of this format")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BackupError(f"{archive} has no file list")
    for name, expected in files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{name} in {archive} is missing or damaged (hash differs)")
    return manifest


def _copy_tree(source: Path, target: Path) -> int:
    """Copy every file under `source` (photos are flat, but keep any sub-folders)."""
    count = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            count += 1
    return count


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others write."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """The newest installed client: pg_dump refuses servers newer than itself."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (the PostgreSQL client tools are needed)")
    return found


def _run(tool: str, arguments: list[str], url: URL) -> None:
    """Run a client tool with the connection in PG* variables (no password on argv)."""
    environment = {**os.environ}
    for key, value in {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value:
            environment[key] = str(value)
    done = subprocess.run(
        [tool, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(tool).name} failed: {done.stderr.strip()[-2000:]}")


def _pg_restore(dump: Path, url: URL) -> None:
    """Replace what the dump holds, in one transaction: all of it or nothing."""
    arguments = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run(_pg_tool("pg_restore"), [*arguments, "-d", str(url.database), str(dump)], url)

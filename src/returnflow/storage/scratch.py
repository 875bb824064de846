"""Throw-away databases for tests and benchmarks: made fresh, migrated, then dropped.

PostgreSQL databases are created under a unique `rf_scratch_*` name on the server
given by RETURNFLOW_TEST_PG (default: the local trust-auth server), and only those
are ever dropped: no other database on the server is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from returnflow.storage.migrate import upgrade

PG_SERVER = os.environ.get(
    "RETURNFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def ensure_postgres_running() -> None:
    """Start the local cluster if it is down (the machine's documented start command)."""
    if _pg_accepts():
        return
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if versions and shutil.which("pg_ctlcluster"):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
            check=False,
            capture_output=True,
        )
    if not _pg_accepts():
        raise RuntimeError(f"PostgreSQL is not reachable at {PG_SERVER}")


def _pg_accepts() -> bool:
    engine = create_engine(
        PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@contextmanager
def empty_postgres() -> Iterator[str]:
    """A new PostgreSQL database with nothing in it, dropped afterwards; yields its URL."""
    ensure_postgres_running()
    name = f"rf_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_postgres() -> Iterator[str]:
    with empty_postgres() as url:
        upgrade(url)
        yield url


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rf_scratch_") as folder:
        url = f"sqlite:///{folder}/returnflow.db"
        upgrade(url)
        yield url


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A migrated empty database of `kind` ("sqlite" or "postgresql"); yields its URL."""
    if kind == "postgresql":
        with scratch_postgres() as url:
            yield url
    elif kind == "sqlite":
        with scratch_sqlite() as url:
            yield url
    else:
        raise ValueError(kind)

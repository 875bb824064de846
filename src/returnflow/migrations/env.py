"""Alembic environment: migrations run against the URL the caller configured.

Alembic executes this file inside a migration run, where `alembic.context` carries the
run's configuration. Importing it anywhere else (a tool walking the package's modules)
does nothing: there is no run to configure.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from returnflow.storage.database import make_engine
from returnflow.storage.schema import Base


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    config = context.config
    given = config.attributes.get("connection")
    if given is not None:
        _migrate(given)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


if hasattr(context, "config"):  # only inside a migration run (alembic installs it then)
    run_migrations_online()

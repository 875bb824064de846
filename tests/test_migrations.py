"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from returnflow.storage.schema import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
        assert differences == []
        assert (
            connection.execute(text("SELECT value FROM counters WHERE name = 'rma'")).scalar()
            is not None
        )
    engine.dispose()


def test_rma_numbers_continue_across_the_sequence_migration() -> None:
    """Upgrading moves the counter into a PostgreSQL sequence; downgrading moves it back."""
    from alembic import command

    from returnflow.storage.migrate import alembic_config
    from returnflow.storage.scratch import scratch_database

    with scratch_database("postgresql") as url:
        config = alembic_config(url)
        command.downgrade(config, "0004")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE counters SET value = 41 WHERE name = 'rma'"))
        command.upgrade(config, "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT nextval('rma_seq')")).scalar() == 42
        command.downgrade(config, "0004")
        with engine.begin() as connection:
            assert (
                connection.execute(text("SELECT value FROM counters WHERE name = 'rma'")).scalar()
                == 42
            )
        engine.dispose()

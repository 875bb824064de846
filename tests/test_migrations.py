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

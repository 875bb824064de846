"""Questions the command line asks of a whole database, outside any use case.

`returnflow serve --demo` loads demo data only into a database that holds no orders;
asking that is a count over one table, which only storage may write in SQL.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from returnflow.storage.schema import OrderRow


def holds_orders(session_factory: sessionmaker[Session]) -> bool:
    """True when the database has at least one order."""
    with session_factory() as session:
        return bool(session.scalar(select(func.count()).select_from(OrderRow)))

"""Counting failed attempts per key, so guessing gets slower the more it is tried."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from returnflow.storage.schema import AttemptRow


class Attempts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recent(self, key: str, now: datetime, window: timedelta) -> int:
        query = select(func.count()).where(AttemptRow.key == key, AttemptRow.at > now - window)
        return int(self.session.scalar(query) or 0)

    def record(self, key: str, now: datetime) -> None:
        self.session.add(AttemptRow(key=key, at=now))

    def clear(self, key: str) -> None:
        self.session.execute(delete(AttemptRow).where(AttemptRow.key == key))

"""Everything a running process shares: settings, database, clock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from returnflow.clock import Clock, utc_now
from returnflow.config import Settings
from returnflow.storage.database import make_engine, make_session_factory
from returnflow.storage.uow import UnitOfWork


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = utc_now

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> AppContext:
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_session_factory(engine), clock)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

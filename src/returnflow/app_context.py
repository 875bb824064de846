"""Everything a running process shares: settings, database, clock."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from returnflow.clock import Clock, utc_now
from returnflow.config import Settings
from returnflow.storage.database import make_engine, make_session_factory
from returnflow.storage.photos import PhotoStore
from returnflow.storage.uow import UnitOfWork


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = utc_now

    @property
    def secret_key(self) -> str:
        """The configured key, or one kept in a private file so links survive restarts."""
        if self.settings.secret_key:
            return self.settings.secret_key
        path = Path(self.settings.secret_key_file)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> AppContext:
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_session_factory(engine), clock)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    @property
    def photos(self) -> PhotoStore:
        return PhotoStore(self.settings.upload_dir)

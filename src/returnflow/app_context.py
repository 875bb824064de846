"""Everything a running process shares: settings, database, clock, and the message bus.

Every unit of work the process opens (`uow()`) publishes the events it commits to the
process's bus, built from the table in bootstrap.py, so what follows a change runs
right after it in the API, the pages, the worker and the tests alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from returnflow.bootstrap import message_bus
from returnflow.clock import Clock, utc_now
from returnflow.config import Settings
from returnflow.logistics.carriers import Carrier
from returnflow.logistics.registry import carriers_from_settings
from returnflow.payments.gateway import PaymentGateway
from returnflow.payments.registry import gateway_from_settings
from returnflow.process_secrets import require, with_demo_secrets
from returnflow.services.classifying import ComplaintClassifier, LabelledText
from returnflow.services.messagebus import MessageBus
from returnflow.storage.database import make_engine, make_session_factory, read_engine
from returnflow.storage.photos import PhotoStore
from returnflow.storage.read_uow import ReadUnitOfWork
from returnflow.storage.uow import UnitOfWork


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = utc_now
    # the carriers this process talks to; None builds them from settings (tests inject doubles)
    carriers: Mapping[str, Carrier] | None = None
    # the gateway refunds are paid through; None builds it from settings (tests inject one)
    gateway: PaymentGateway | None = None
    # suggests a complaint's category and urgency; None builds the learned one (tests inject one)
    classifier: ComplaintClassifier | None = None
    # the read path (`read_uow`); None builds it on the first read from settings
    read_session_factory: sessionmaker[Session] | None = None
    # what follows each committed change (bootstrap.py); built for this context
    bus: MessageBus = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.bus = message_bus(self)

    @property
    def secret_key(self) -> str:
        """The portal-link key; never a default (demo mode made one up in `from_settings`)."""
        return require(self.settings, "secret_key")

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = utc_now) -> AppContext:
        """A context on these settings; in demo mode with the demo's own secrets filled in.

        Outside demo mode a missing secret is not refused here (tests and tools build
        contexts that never sign a link) but where it is used; `serve` and `worker`
        refuse to start first (process_secrets.resolve).
        """
        if settings.demo:
            settings = with_demo_secrets(settings)
        engine = make_engine(settings.database_url)
        return cls(settings, engine, make_session_factory(engine), clock)

    def carrier_registry(self) -> Mapping[str, Carrier]:
        if self.carriers is None:
            self.carriers = carriers_from_settings(self.settings, self.clock)
        return self.carriers

    def payment_gateway(self) -> PaymentGateway:
        if self.gateway is None:
            self.gateway = gateway_from_settings(self.settings, self.clock)
        return self.gateway

    @property
    def complaint_classifier(self) -> ComplaintClassifier:
        """The process's classifier (returnflow/classify/), on the labelled set and the agents'
        corrections: those are read when first asked for, so ask before opening a unit of
        work (on SQLite a read inside another transaction waits for its write lock); it
        trains on its first suggestion."""
        if self.classifier is None:
            from returnflow.classify.model import LearnedClassifier  # scikit-learn when first used

            self.classifier = LearnedClassifier(self._complaint_corrections)
        return self.classifier

    def _complaint_corrections(self) -> list[LabelledText]:
        from returnflow.services.complaints import training_corrections

        with self.uow(publish=False) as uow:
            return training_corrections(uow)

    def uow(self, *, publish: bool = True, hold_connection: bool = False) -> UnitOfWork:
        """One transaction; its committed events go to the bus unless `publish` is False.

        False is for a writer that plays every follow-on step itself at its own moments
        (the demo generator writing a made-up past); the events still reach the outbox.
        `hold_connection`: one pooled connection for the work and its follow-ons (a
        request's, entrypoints/deps.AllowedWork; see storage/uow.py).
        """
        return UnitOfWork(
            self.session_factory,
            self.bus.publish if publish else None,
            hold_connection=hold_connection,
        )

    def read_uow(self) -> UnitOfWork:
        """A read-only unit of work for reports and analytics: on RETURNFLOW_READ_DATABASE_URL
        (a replica, which may lag the primary) or else the primary in read-only transactions
        (on SQLite a deferred BEGIN: it reads beside a writer instead of queueing for its
        lock). It never commits; see storage/read_uow.py."""
        if self.read_session_factory is None:
            engine = read_engine(self.engine, self.settings.read_database_url)
            self.read_session_factory = make_session_factory(engine)
        return ReadUnitOfWork(self.read_session_factory)

    @property
    def photos(self) -> PhotoStore:
        return PhotoStore(self.settings.upload_dir)

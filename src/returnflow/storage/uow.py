"""The unit of work: one transaction, its repositories, and the outbox.

On commit every aggregate the work touched is written back and its domain events
go into the outbox table in the same transaction, so a notice leaves if and only
if the change it announces was stored. Once stored, the events go to `publish` (the
message bus, services/messagebus.py), which runs what follows them in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from types import TracebackType
from typing import Protocol, cast, runtime_checkable

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from returnflow.domain.events import DomainEvent
from returnflow.storage import risk_register as register  # issue 15: register, care
from returnflow.storage.accounts import Accounts
from returnflow.storage.analysis_queries import AnalysisQueries
from returnflow.storage.analytics import AnalyticsStore
from returnflow.storage.analytics_series import AnalyticsSeries
from returnflow.storage.appeals import AppealRepository
from returnflow.storage.assignment import Assignments
from returnflow.storage.attempts import Attempts
from returnflow.storage.catalogue import Catalogue
from returnflow.storage.complaints import ComplaintRepository
from returnflow.storage.conversations import ConversationRepository
from returnflow.storage.counters import Counters
from returnflow.storage.disputes import DisputeRepository
from returnflow.storage.evidence import EvidenceRecords
from returnflow.storage.exchanges import ExchangeRepository
from returnflow.storage.idempotency import IdempotencyStore
from returnflow.storage.incident_names import NameQueries
from returnflow.storage.incidents import IncidentRepository, MonitorStore
from returnflow.storage.journal_queries import JournalQueries
from returnflow.storage.journeys import Journeys
from returnflow.storage.ledger import Ledger
from returnflow.storage.merchant_profiles import MerchantProfileStore
from returnflow.storage.notices import NoticeStore
from returnflow.storage.on_call import OnCallStore
from returnflow.storage.onboarding import OnboardingRepository
from returnflow.storage.onboarding_retention import OnboardingRetention
from returnflow.storage.orders import OrderRepository
from returnflow.storage.outbox import Outbox
from returnflow.storage.photo_records import PhotoRecords
from returnflow.storage.policies import PolicyRepository
from returnflow.storage.privacy import PrivacyRecords
from returnflow.storage.product_images import ProductImageStore
from returnflow.storage.proposals import ProposalRepository
from returnflow.storage.receiving import Parcels, Receipts
from returnflow.storage.refund_intents import RefundIntents
from returnflow.storage.refunds import Approvals, Recoveries, RefundStore
from returnflow.storage.repairs import RepairRepository
from returnflow.storage.reports import ReportStore
from returnflow.storage.return_queries import ReturnQueries
from returnflow.storage.returns import ReturnRepository
from returnflow.storage.risk import RiskStore
from returnflow.storage.risk_tuning import RiskTuningReads
from returnflow.storage.scorecard_queries import ScorecardQueries
from returnflow.storage.shipment_requests import ShipmentRequests
from returnflow.storage.shipments import Shipments
from returnflow.storage.staff_notices import StaffNoticeStore
from returnflow.storage.stock import Stock
from returnflow.storage.store_credit import StoreCredit
from returnflow.storage.surveys import SurveyRepository
from returnflow.storage.tracking import TrackingStore
from returnflow.storage.training import TrainingStore
from returnflow.storage.warehouse import Warehouse
from returnflow.storage.warehouse_work import WarehouseWork
from returnflow.storage.webhooks import WebhookStore


class ConcurrentUpdate(Exception):
    """Another transaction changed the same record first; nothing of this one was kept."""


# what commit does with the events it stored: the message bus's publish
Publish = Callable[[Sequence[DomainEvent]], None]


@runtime_checkable
class TracksChanges(Protocol):
    """A repository that tracks the aggregates it loaded: commit writes them back."""

    def flush_changes(self) -> list[DomainEvent]: ...


# the connection a holding unit of work lends to the follow-ons of its commit (see __init__)
_lent: ContextVar[Connection | None] = ContextVar("returnflow_lent_connection", default=None)


_TRACKS: dict[type[object], bool] = {}


def _tracks_changes(repository: object) -> bool:
    """`isinstance(repository, TracksChanges)`, asked once per class: a runtime protocol
    check walks the protocol's attributes each time (~70 repositories, every commit)."""
    kind = type(repository)
    found = _TRACKS.get(kind)
    if found is None:
        found = _TRACKS[kind] = isinstance(repository, TracksChanges)
    return found


class UnitOfWork:
    session: Session
    orders: OrderRepository
    returns: ReturnRepository
    policies: PolicyRepository
    outbox: Outbox
    idempotency: IdempotencyStore
    counters: Counters
    accounts: Accounts
    attempts: Attempts
    ledger: Ledger
    shipments: Shipments
    tracking: TrackingStore
    warehouse: Warehouse
    # one repository per capability; a capability adds its line here and in __enter__
    catalogue: Catalogue
    refunds: RefundStore
    approvals: Approvals
    recoveries: Recoveries
    receipts: Receipts
    parcels: Parcels
    exchanges: ExchangeRepository
    stock: Stock
    shipment_requests: ShipmentRequests
    repairs: RepairRepository
    store_credit: StoreCredit
    refund_intents: RefundIntents
    journeys: Journeys  # requests resting in a status (the worker's journey safety net)
    return_queries: ReturnQueries  # the read side of lists and pages
    privacy: PrivacyRecords  # access log, customer export, anonymising (R14.1)
    evidence: EvidenceRecords  # a request's records for its evidence bundle (R14.2)
    photo_records: PhotoRecords  # which records already carry a photo name
    complaints: ComplaintRepository  # complaints, their history and agents' labels (R8.1)

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publish: Publish | None = None,
        *,
        hold_connection: bool = False,
    ) -> None:
        """`publish` hears the events of each commit once they are stored (None: nobody).

        `hold_connection` keeps one pooled connection from `__enter__` to `__exit__`,
        across commits, and lends it to the units of work of what the commits' events
        set off (their handlers run right after, in this thread): a request and its
        follow-ons then take one connection from the pool instead of one per transaction.
        """
        self._session_factory = session_factory
        self._publish = publish
        self._hold = hold_connection
        self._held: Connection | None = None

    @property
    def publishes(self) -> bool:
        """Whether a bus hears this unit of work's commits (the demo's made-up past runs
        without one and plays what follows itself)."""
        return self._publish is not None

    def __enter__(self) -> UnitOfWork:
        lent = _lent.get()
        if self._hold:
            self._held = self._session_factory.kw["bind"].connect()
            self.session = self._session_factory(bind=self._held)
        elif lent is not None and not lent.closed and not lent.in_transaction():
            self.session = self._session_factory(bind=lent)  # a follow-on of a holder's commit
        else:
            self.session = self._session_factory()
        self.orders = OrderRepository(self.session)
        self.returns = ReturnRepository(self.session)
        self.policies = PolicyRepository(self.session)
        self.outbox = Outbox(self.session)
        self.idempotency = IdempotencyStore(self.session)
        self.counters = Counters(self.session)
        self.accounts = Accounts(self.session)
        self.attempts = Attempts(self.session)
        self.ledger = Ledger(self.session)
        self.shipments = Shipments(self.session)
        self.tracking = TrackingStore(self.session)
        self.warehouse = Warehouse(self.session)
        self.catalogue = Catalogue(self.session)
        self.refunds = RefundStore(self.session)
        self.approvals = Approvals(self.session)
        self.recoveries = Recoveries(self.session)
        self.receipts = Receipts(self.session)
        self.parcels = Parcels(self.session)
        self.exchanges = ExchangeRepository(self.session)
        self.stock = Stock(self.session)
        self.shipment_requests = ShipmentRequests(self.session)
        self.repairs = RepairRepository(self.session)
        self.store_credit = StoreCredit(self.session)
        self.refund_intents = RefundIntents(self.session)
        self.journeys = Journeys(self.session)
        self.return_queries = ReturnQueries(self.session)
        self.privacy = PrivacyRecords(self.session)
        self.evidence = EvidenceRecords(self.session)
        self.photo_records = PhotoRecords(self.session)
        self.product_images = ProductImageStore(self.session)  # issue 16: product pictures
        self.complaints = ComplaintRepository(self.session)  # complaints and labels (R8.1)
        self.appeals = AppealRepository(self.session)  # one appeal per request (R3.2)
        self.disputes = DisputeRepository(self.session)  # disputes and their evidence (R8.3)
        self.assignments = Assignments(self.session)  # issue 16: who holds a request in review
        self._watching_repositories()
        return self

    def _watching_repositories(self) -> None:
        """What tells and watches (issues 13–14): notices, webhooks, surveys, the journal,
        rollups and analyses, notifications, conversations, incidents, reports, the rota."""
        self.notices = NoticeStore(self.session)
        self.webhooks = WebhookStore(self.session)  # outbound webhooks (R15.1)
        self.surveys = SurveyRepository(self.session)  # satisfaction surveys (R7.2)
        self.journal = JournalQueries(self.session)  # the ledger as a journal, by period
        self.analytics = AnalyticsStore(self.session)  # R9.1, R9.4: rollups, KPI inputs
        self.analytics_series = AnalyticsSeries(self.session)  # R9.3: the dashboards' charts
        self.scorecards = ScorecardQueries(self.session)  # R11.2, R12.2 raw figures
        self.analysis = AnalysisQueries(self.session)  # bounded reads for the analyses
        self.staff_notices = StaffNoticeStore(self.session)  # staff, merchant notifications
        self.conversations = ConversationRepository(self.session)  # a thread per request
        self.incidents, self.monitors = IncidentRepository(self.session), MonitorStore(self.session)
        self.reports = ReportStore(self.session)  # periodic reports, their subscribers
        self.on_call, self.names = OnCallStore(self.session), NameQueries(self.session)
        self.onboarding = OnboardingRepository(self.session)  # issue 15: applications
        self.merchant_profiles = MerchantProfileStore(self.session)  # issue 15: R11.1
        self.risk_register, self.returner_care = register.stores(self.session)  # issue 15: R10
        self.risk = RiskStore(self.session)  # issue 15: risk at intake (R10.3)
        self.risk_tuning = RiskTuningReads(self.session)  # issue 15: verdicts × scores
        self.onboarding_retention = OnboardingRetention(self.session)  # rejected documents
        self.warehouse_work = WarehouseWork(self.session)  # issue 16: the warehouse's counts
        self.training = TrainingStore(self.session)  # issue 17: checks, certificates
        self.proposals = ProposalRepository(self.session)  # issue 17: improvements (R16.11)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            if self._held is not None:
                self._held.close()
                self._held = None
        if isinstance(exc, (StaleDataError, IntegrityError)):
            # a unique key or a version lost a race inside the block: say so in our words,
            # so nothing above storage/ needs to know SQLAlchemy's exceptions
            raise ConcurrentUpdate(str(exc)) from exc

    def commit(self, now: datetime) -> None:
        """Write back every tracked aggregate, its events into the outbox, then publish them.

        The events reach `publish` only after the transaction is stored: what follows
        them (services/messagebus.py) never sees a change that a lost race undid.
        """
        try:
            events = self._collect_events()
            for event in events:
                payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
                self.outbox.put(event.name, payload, now)
            self.session.commit()
        except (StaleDataError, IntegrityError) as exc:
            # a stale version or a second refund row: someone else's change won the race
            self.session.rollback()
            raise ConcurrentUpdate(str(exc)) from exc
        if events and self._publish is not None:
            lending = _lent.set(self._held) if self._held is not None else None
            try:
                self._publish(events)
            finally:
                if lending is not None:
                    _lent.reset(lending)

    def _collect_events(self) -> list[DomainEvent]:
        """The new events of every repository that tracks aggregates, in __enter__'s order.

        Found by shape (`flush_changes`), so a capability whose repository starts
        tracking its aggregates is written back and heard without a line here.
        """
        events: list[DomainEvent] = []
        for name, repository in vars(self).items():
            if not name.startswith("_") and _tracks_changes(repository):
                events.extend(repository.flush_changes())
        return events

    def rollback(self) -> None:
        """Forget this transaction's changes: nothing of it is stored or published.

        Repositories that track aggregates start afresh, so a later commit in this unit
        of work does not write back (or announce) what was changed before the rollback.
        """
        self.session.rollback()
        for name, repository in list(vars(self).items()):
            if not name.startswith("_") and _tracks_changes(repository):
                fresh = cast("Callable[[Session], TracksChanges]", type(repository))
                setattr(self, name, fresh(self.session))  # as __enter__ built it

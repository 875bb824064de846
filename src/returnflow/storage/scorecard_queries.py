"""The raw figures behind the scorecards (R11.2, R12.2): bounded, period-filtered reads.

Every read covers [since, until) and is either a GROUP BY (one row per merchant, person
or category) or a list capped at `ROW_CAP` rows, each filtered on an indexed time column
where one exists (`surveys.answered_at`, `inspections.inspected_at`, `ledger_entries.at`,
`returns.merchant_id`). Medians need every duration, so decisions and resolutions come
back as (who, hours) pairs; `truncated` says a cap was reached. `uow.scorecards`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from returnflow.domain.metrics import NOT_COUNTED  # the return rate's one rule
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintRow
from returnflow.storage.schema.disputes import DisputeRow
from returnflow.storage.schema.orders import OrderLineRow, OrderRow
from returnflow.storage.schema.refunds import LedgerEntryRow, LedgerPostingRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnLineRow, ReturnRow
from returnflow.storage.schema.surveys import SurveyRow
from returnflow.storage.schema.warehouse import InspectionRow

ROW_CAP = 50_000  # decisions, resolutions or inspections read for one period
DECISIONS = ("approve", "reject", "auto_approve", "auto_reject")
APPROVALS = ("approve", "auto_approve")
RECEIVABLE = "merchant_receivable"
RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class Decision:
    merchant_id: str
    actor: str
    action: str
    hours: float  # filed → decided


@dataclass(frozen=True, slots=True)
class Resolution:
    actor: str
    team: str  # "" or the key-account team
    hours: float  # filed → resolved


@dataclass(frozen=True, slots=True)
class Units:
    merchant_id: str
    category: str
    delivered: int
    returned: int


def _hours(start: datetime, end: datetime) -> float:
    def utc(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return (utc(end) - utc(start)).total_seconds() / 3600


def _counts(rows: Iterable[Any]) -> dict[str, int]:
    return {str(key): int(count or 0) for key, count in rows}


class ScorecardQueries:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.truncated = False

    def _capped(self, rows: Sequence[RowT]) -> Sequence[RowT]:
        if len(rows) >= ROW_CAP:
            self.truncated = True
        return rows

    def requests_filed(self, since: datetime, until: datetime) -> dict[str, int]:
        query = (
            select(ReturnRow.merchant_id, func.count())
            .where(ReturnRow.created_at >= since, ReturnRow.created_at < until)
            .group_by(ReturnRow.merchant_id)
        )
        return _counts(self.session.execute(query).all())

    def decisions(self, since: datetime, until: datetime) -> list[Decision]:
        """Each request's first review decision, taken in the period, with the time since filing.

        A decision after an appeal is the appeal's answer, not the request's: it is left out
        (an earlier decision on the same request exists; `(return_id, seq)` is unique).
        """
        earlier = aliased(ReturnEventRow)
        first = ~exists().where(
            earlier.return_id == ReturnEventRow.return_id,
            earlier.seq < ReturnEventRow.seq,
            earlier.action.in_(DECISIONS),
        )
        query = (
            select(ReturnRow.merchant_id, ReturnEventRow.actor, ReturnEventRow.action,
                   ReturnRow.created_at, ReturnEventRow.at)
            .join(ReturnRow, ReturnRow.id == ReturnEventRow.return_id)
            .where(ReturnEventRow.action.in_(DECISIONS),
                   ReturnEventRow.at >= since, ReturnEventRow.at < until, first)
            .order_by(ReturnEventRow.id)
            .limit(ROW_CAP)
        )  # fmt: skip
        rows = self._capped(self.session.execute(query).all())
        return [
            Decision(str(m), str(actor), str(action), _hours(filed, at))
            for m, actor, action, filed, at in rows
        ]

    def overturned(self, since: datetime, until: datetime) -> list[tuple[str, str]]:
        """(merchant, the actor of the overturned decision) per appeal won in the period."""
        query = (
            select(AppealRow.merchant_id, func.coalesce(ReturnEventRow.actor, ""))
            .join(ReturnRow, ReturnRow.rma_no == AppealRow.rma_no)
            .outerjoin(
                ReturnEventRow,
                and_(
                    ReturnEventRow.return_id == ReturnRow.id,
                    ReturnEventRow.at == AppealRow.appealed_decision_at,
                    ReturnEventRow.action.in_(("reject", "auto_reject", "inspect_fail")),
                ),
            )
            .where(AppealRow.status == "overturned",
                   AppealRow.decided_at >= since, AppealRow.decided_at < until)
            .limit(ROW_CAP)
        )  # fmt: skip
        return [(str(m), str(actor)) for m, actor in self.session.execute(query)]

    def disputes_opened(self, since: datetime, until: datetime) -> dict[str, int]:
        query = (
            select(DisputeRow.merchant_id, func.count())
            .where(DisputeRow.opened_at >= since, DisputeRow.opened_at < until)
            .group_by(DisputeRow.merchant_id)
        )
        return _counts(self.session.execute(query).all())

    def rulings_against(self, since: datetime, until: datetime) -> dict[str, int]:
        query = (
            select(DisputeRow.merchant_id, func.count())
            .where(DisputeRow.liable == "merchant", DisputeRow.status.in_(("ruled", "agreed")),
                   DisputeRow.ruled_at >= since, DisputeRow.ruled_at < until)
            .group_by(DisputeRow.merchant_id)
        )  # fmt: skip
        return _counts(self.session.execute(query).all())

    def units(self, since: datetime, until: datetime) -> list[Units]:
        """Units delivered and returned per merchant and category, for orders delivered."""
        delivered_orders = (OrderRow.delivered_at >= since, OrderRow.delivered_at < until)
        delivered = (
            select(OrderRow.merchant_id, OrderLineRow.category, func.sum(OrderLineRow.quantity))
            .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
            .where(*delivered_orders)
            .group_by(OrderRow.merchant_id, OrderLineRow.category)
        )
        returned = (
            select(OrderRow.merchant_id, OrderLineRow.category, func.sum(ReturnLineRow.quantity))
            .join(ReturnRow, ReturnRow.order_id == OrderRow.id)
            .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
            .join(OrderLineRow, and_(OrderLineRow.order_id == OrderRow.id,
                                     OrderLineRow.line_no == ReturnLineRow.line_no))
            .where(*delivered_orders, ReturnRow.status.not_in(NOT_COUNTED))
            .group_by(OrderRow.merchant_id, OrderLineRow.category)
        )  # fmt: skip
        back = {(str(m), str(c)): int(n or 0) for m, c, n in self.session.execute(returned)}
        return [
            Units(str(m), str(c), int(n or 0), back.get((str(m), str(c)), 0))
            for m, c, n in self.session.execute(delivered)
        ]

    def surveys(self, since: datetime, until: datetime, by: str) -> dict[str, tuple[int, int]]:
        """Per merchant or agent: (answers, sum of the four 1–5 dimensions)."""
        key = SurveyRow.merchant_id if by == "merchant" else SurveyRow.agent
        dimensions = SurveyRow.speed + SurveyRow.attitude + SurveyRow.effectiveness
        query = (
            select(key, func.count(), func.sum(dimensions + SurveyRow.process))
            .where(SurveyRow.answered_at >= since, SurveyRow.answered_at < until)
            .group_by(key)
        )
        return {str(k): (int(n), int(s or 0)) for k, n, s in self.session.execute(query)}

    def charged_back(self, since: datetime, until: datetime) -> dict[str, int]:
        """Fen booked to each merchant's receivable in the period (debits less credits)."""
        net = func.sum(LedgerPostingRow.debit - LedgerPostingRow.credit)
        query = (
            select(LedgerPostingRow.party, net)
            .join(LedgerEntryRow, LedgerEntryRow.id == LedgerPostingRow.entry_id)
            .where(LedgerPostingRow.account == RECEIVABLE,
                   LedgerEntryRow.at >= since, LedgerEntryRow.at < until)
            .group_by(LedgerPostingRow.party)
        )  # fmt: skip
        return _counts(self.session.execute(query).all())

    # --- staff (R12.2) ---------------------------------------------------------------

    def requests_handled(
        self, since: datetime, until: datetime, roles: Sequence[str]
    ) -> dict[str, int]:
        """Per person of `roles`: the requests they changed in the period."""
        people = [ReturnEventRow.actor.like(f"{role}:%") for role in roles]
        query = (
            select(ReturnEventRow.actor, func.count(distinct(ReturnEventRow.return_id)))
            .where(ReturnEventRow.at >= since, ReturnEventRow.at < until)
            .where(or_(*people))
            .group_by(ReturnEventRow.actor)
        )
        return _counts(self.session.execute(query).all())

    def resolutions(self, since: datetime, until: datetime) -> list[Resolution]:
        query = (
            select(ComplaintEntryRow.actor, ComplaintRow.team, ComplaintRow.filed_at,
                   ComplaintEntryRow.at)
            .join(ComplaintRow, ComplaintRow.id == ComplaintEntryRow.complaint_id)
            .where(ComplaintEntryRow.action == "resolve",
                   ComplaintEntryRow.at >= since, ComplaintEntryRow.at < until)
            .order_by(ComplaintEntryRow.id)
            .limit(ROW_CAP)
        )  # fmt: skip
        rows = self._capped(self.session.execute(query).all())
        return [
            Resolution(str(actor), str(team or ""), _hours(filed, at))
            for actor, team, filed, at in rows
        ]

    def inspections(self, since: datetime, until: datetime) -> list[tuple[str, datetime]]:
        query = (
            select(InspectionRow.inspected_by, InspectionRow.inspected_at)
            .where(InspectionRow.inspected_at >= since, InspectionRow.inspected_at < until)
            .order_by(InspectionRow.inspected_at)
            .limit(ROW_CAP)
        )
        rows = self._capped(self.session.execute(query).all())
        return [(str(who), at) for who, at in rows]

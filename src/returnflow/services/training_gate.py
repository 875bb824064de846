"""The refund gate (issue 17, R16.8): larger refunds need a valid refund certificate.

While `certification_gates` is on, a finance or customer-service account may ask for a
refund (finance's own refund, `refunds.request_refund` with the "manual" trigger) or
approve a refund-only request (the approval pays it: `returns.perform`) above
`TrainingRules.refund_above` fen (RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN, ¥200 by
default) only with a refund certificate that allows work: valid, due for a refresher
or in its grace, as `training.require` judges inspecting. Smaller amounts, managers
(they decide amounts), system accounts and names with no account are not gated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from returnflow.domain import training
from returnflow.domain.kinds import RequestType
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.training import Certificate, Skill, Standing
from returnflow.services.training import TrainingRules


class _Accounts(Protocol):
    def user_exists(self, username: str) -> bool: ...


class _Certificates(Protocol):
    def certificates_of(self, username: str, skill: Skill | None = None) -> list[Certificate]: ...


@runtime_checkable
class GateWork(Protocol):
    """What the gate reads: the account and its certificates."""

    @property
    def accounts(self) -> _Accounts: ...

    @property
    def training(self) -> _Certificates: ...


def require_refund(
    uow: object, actor: str, amount: Money, now: datetime, rules: TrainingRules | None = None
) -> Standing | None:
    """Refuse (`certificate_required`, 403) a gated person's refund above the small amount.

    None where the gate does not apply; else the standing (a refresher may be due).
    """
    rules = rules or TrainingRules.configured()
    if not rules.gates or amount.cents <= rules.refund_above:
        return None
    role, username = training.person_of(actor)
    if role not in training.REFUND_GATED or not isinstance(uow, GateWork):
        return None
    if not uow.accounts.user_exists(username):
        return None
    held = training.standing_of(uow.training.certificates_of(username, Skill.REFUND), now)
    if not held.allows_work:
        raise training.certificate_required(Skill.REFUND)
    return held


def check_approval(
    uow: object,
    request: ReturnRequest,
    actor: str,
    now: datetime,
    rules: TrainingRules | None = None,
) -> Standing | None:
    """Approving a refund-only request approves its refund: the same gate on its estimate."""
    if request.request_type is not RequestType.REFUND_ONLY:
        return None
    return require_refund(uow, actor, request.estimate.total, now, rules)

"""The refund gate (issue 17, R16.8): larger refunds need a valid refund certificate.

While `certification_gates` is on, a finance or customer-service account may ask for a
refund (finance's own refund, `refunds.request_refund` with the "manual" trigger) or
approve a refund-only request (the approval pays it: `returns.perform`) above
`TrainingRules.refund_above` fen (`config.Settings.certified_refund_above_fen`, set by
RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN, ¥200 by default) only with a refund certificate
that allows work: valid, due for a refresher or in its grace, as `training.require`
judges inspecting. Smaller amounts, managers (they decide amounts), system accounts
and names with no account are not gated.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.kinds import RequestType
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.training import Skill, Standing
from returnflow.services.training import GateWork, TrainingRules, require


def require_refund(
    uow: object, actor: str, amount: Money, now: datetime, rules: TrainingRules | None = None
) -> Standing | None:
    """Refuse (`certificate_required`, 403) a gated person's refund above the small amount.

    None where the gate does not apply; else the standing (a refresher may be due). The
    returns use cases run on a unit of work that may hold no certificates (the service
    tests' in-memory one): there the gate has nothing to read and does not apply.
    """
    rules = rules or TrainingRules.configured()
    if not rules.gates or amount.cents <= rules.refund_above or not isinstance(uow, GateWork):
        return None
    return require(uow, actor, Skill.REFUND, now, rules)


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

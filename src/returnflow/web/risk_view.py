"""The request page's risk panel (issue 15, R10.3): read inside the page's own unit of
work by web/console_request.py, shown by staff/_risk.html; risk.view only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from returnflow.domain.access import Permission, Principal
from returnflow.domain.text import Text
from returnflow.services import risk as risk_service
from returnflow.services import risk_staff
from returnflow.services.risk import RiskView
from returnflow.services.risk_staff import StoredFeedback


@dataclass(frozen=True, slots=True)
class RiskPanel:
    view: RiskView
    feedback: list[StoredFeedback]
    verdict_labels: dict[str, Text]


def risk_panel(uow: Any, rma_no: str, principal: Principal) -> RiskPanel | None:
    """What `staff/_risk.html` shows; None for a reader without risk.view."""
    if not principal.can(Permission.RISK_VIEW):
        return None
    view = risk_service.risk_of(uow, rma_no)
    if view is None:
        return None
    labels = {v: risk_staff.verdict_label(v) for v in risk_staff.VERDICTS}
    return RiskPanel(view, _named(uow, risk_staff.feedback(uow, rma_no)), labels)


def _named(uow: Any, found: list[StoredFeedback]) -> list[StoredFeedback]:
    """Who judged, as "role:display name" so the page reads "客服 李娜" (issue 16)."""
    names = uow.accounts.display_names((), {f.by.partition(":")[2] for f in found})
    return [
        replace(f, by=f"{role}:{names.get(login, login)}")
        for f in found
        for role, _, login in [f.by.partition(":")]
    ]

"""What the reviewers of merchant applications hear (issue 15, seed 000 §9.1).

A new application (`merchant_application.submitted`) and an applicant's answer to the
reviewer's question (`merchant_application.resubmitted`) notify every staff role holding
`merchants.onboard` (managers and administrators today), linked to the application's
page. Listed in domain/staff_notice_words.RULES, so the bus handler and the worker's
safety net make them from the same event data, each once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from returnflow.domain.access import Permission
from returnflow.domain.staff_notices import Audience, Draft, Kind, roles_holding
from returnflow.domain.text import Text

Data = Mapping[str, Any]
APPLICATIONS = "/staff/merchants/applications"


def application_waiting(data: Data) -> list[Draft]:
    """A new or answered application waits for a reviewer."""
    application_id = str(data.get("application_id") or "")
    reference = str(data.get("reference") or "")
    shop = str(data.get("shop_name") or "") or reference
    if not application_id:
        return []
    if data.get("status") == "resubmitted":
        occasion = f"application_answered:{application_id}@{data.get('occurred_at') or ''}"
        subject = Text("商家入驻申请 {ref} 已补充材料", "Application {ref} was answered")
        body = Text(
            "{shop} 回答了审核人的问题，申请等待继续审核。",
            "{shop} answered the reviewer's question; the application waits for review.",
        )
    else:
        occasion = f"application_submitted:{application_id}"
        subject = Text("新的商家入驻申请 {ref}", "New merchant application {ref}")
        body = Text(
            "{shop} 提交了入驻申请，等待审核。", "{shop} applied to sell here; it waits for review."
        )
    return [
        Draft(
            Kind.MERCHANT_APPLICATION,
            Audience.role(role),
            occasion,
            subject.format(ref=reference),
            body.format(shop=shop),
            link=f"{APPLICATIONS}/{application_id}",
        )
        for role in roles_holding(Permission.MERCHANTS_ONBOARD)
    ]

"""Which events notify which staff or merchant audience, and in what words (issue 13).

`drafts_for(event name, event data)` answers the notifications one committed domain
event makes; the handlers (services/staff_notice_handlers.py) store them. The review
warning is the one notification no event makes: the worker's sweep asks for it with
`review_due_soon`. Every text is in both languages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from returnflow.domain.access import Permission, Role
from returnflow.domain.appeals import AppealSubject
from returnflow.domain.onboarding_notice_words import application_waiting
from returnflow.domain.staff_notices import Audience, Draft, Kind, local_time, roles_holding
from returnflow.domain.text import Text

Data = Mapping[str, Any]
AGENTS = Audience.role(Role.AGENT)
MANAGERS = Audience.role(Role.MANAGER)
MEDIATORS = Audience.role(Role.MEDIATOR)


def _s(data: Data, name: str) -> str:
    return str(data.get(name) or "")


def _when(data: Data) -> str:
    return _s(data, "occurred_at")


def request_filed(data: Data) -> list[Draft]:
    """A merchant hears of a new request on its order; "waiting for your review" if so."""
    rma, order, merchant = _s(data, "rma_no"), _s(data, "order_no"), _s(data, "merchant_id")
    if not merchant:
        return []
    if _s(data, "status") == "pending_review":
        subject = Text("新退货申请 {rma} 待您审核", "New request {rma} is waiting for your review")
        body = Text(
            "订单 {order} 的退货申请 {rma} 已提交，正在等待您审核。",
            "Request {rma} was filed on order {order} and is waiting for your review.",
        )
    else:
        subject = Text("新退货申请 {rma}", "New request {rma}")
        body = Text(
            "订单 {order} 的退货申请 {rma} 已提交，已按政策自动处理，请查看。",
            "Request {rma} was filed on order {order} and handled by policy; have a look.",
        )
    return [
        Draft(
            Kind.REQUEST_FILED,
            Audience.merchant(merchant),
            f"request_filed:{rma}",
            subject.format(rma=rma),
            body.format(rma=rma, order=order),
            rma_no=rma,
        )
    ]


def review_due_soon(rma_no: str, merchant_id: str, entered: datetime, due: datetime) -> Draft:
    """A merchant's request is approved by silence at `due`: one warning per wait."""
    when = local_time(due)
    return Draft(
        Kind.REVIEW_DUE_SOON,
        Audience.merchant(merchant_id),
        f"review_due:{rma_no}@{entered.isoformat()}",
        Text("请在 {due} 前审核 {rma}", "Answer {rma} by {due}").format(rma=rma_no, due=when),
        Text(
            "退货申请 {rma} 仍在等待您审核。如在 {due}（北京时间）前未处理，系统将自动通过。",
            "Request {rma} is still waiting for your review. If it is not answered by "
            "{due} (China Standard Time), it is approved automatically.",
        ).format(rma=rma_no, due=when),
        rma_no=rma_no,
    )


def dispute_opened(data: Data) -> list[Draft]:
    """The merchant hears of a dispute it did not open itself."""
    merchant, no, rma = _s(data, "merchant_id"), _s(data, "dispute_no"), _s(data, "rma_no")
    if not merchant or _s(data, "side") == "merchant":
        return []
    due = _s(data, "evidence_due_at")
    when = local_time(datetime.fromisoformat(due)) if due else "—"
    return [
        Draft(
            Kind.DISPUTE_OPENED,
            Audience.merchant(merchant),
            f"dispute_opened:{no}",
            Text("申请 {rma} 有新争议 {no}", "Dispute {no} opened on request {rma}").format(
                no=no, rma=rma
            ),
            Text(
                "针对退货申请 {rma} 的争议 {no} 已发起，"
                "请在 {due}（北京时间）前提交您的陈述和证据。",
                "Dispute {no} was opened on request {rma}. Add your statement and evidence "
                "by {due} (China Standard Time).",
            ).format(no=no, rma=rma, due=when),
            rma_no=rma,
            dispute_no=no,
        )
    ]


def dispute_waiting(dispute_no: str, rma_no: str) -> Draft:
    """Both sides heard, or the evidence deadline passed: the mediators' turn."""
    return Draft(
        Kind.DISPUTE_WAITING,
        MEDIATORS,
        f"dispute_waiting:{dispute_no}",
        Text("争议 {no} 等待调解", "Dispute {no} is waiting for a mediator").format(no=dispute_no),
        Text(
            "退货申请 {rma} 的争议 {no} 已完成举证，请调解员查看并作出裁决。",
            "Both sides of dispute {no} on request {rma} have been heard: "
            "it is ready for a ruling.",
        ).format(no=dispute_no, rma=rma_no),
        rma_no=rma_no,
        dispute_no=dispute_no,
    )


def complaint_filed(data: Data) -> list[Draft]:
    merchant, no = _s(data, "merchant_id"), _s(data, "complaint_no")
    if not merchant:
        return []
    return [
        Draft(
            Kind.COMPLAINT_FILED,
            Audience.merchant(merchant),
            f"complaint_filed:{no}",
            Text("收到一条关于您的投诉 {no}", "A complaint about you: {no}").format(no=no),
            Text(
                "顾客提交了投诉 {no}，平台客服正在处理，请查看详情。",
                "A customer filed complaint {no}; the platform's agents are handling it. "
                "Open it to read the details.",
            ).format(no=no),
            complaint_no=no,
        )
    ]


def complaint_breached(data: Data) -> list[Draft]:
    """A breach escalates at the same instant: one notification for both events."""
    no = _s(data, "complaint_no")
    return [
        Draft(
            Kind.COMPLAINT_BREACHED,
            MANAGERS,
            f"complaint_escalated:{no}@{_when(data)}",
            Text("投诉 {no} 已超时", "Complaint {no} breached its deadline").format(no=no),
            Text(
                "投诉 {no} 未在期限内处理，已升级给经理。",
                "Complaint {no} was not handled in time and has been escalated to managers.",
            ).format(no=no),
            complaint_no=no,
        )
    ]


def complaint_escalated(data: Data) -> list[Draft]:
    no = _s(data, "complaint_no")
    if _s(data, "to") not in ("", "manager"):
        return []
    return [
        Draft(
            Kind.COMPLAINT_ESCALATED,
            MANAGERS,
            f"complaint_escalated:{no}@{_when(data)}",
            Text("投诉 {no} 已升级", "Complaint {no} was escalated").format(no=no),
            Text(
                "投诉 {no} 已升级给经理，请尽快处理。",
                "Complaint {no} was escalated to managers; please take it up.",
            ).format(no=no),
            complaint_no=no,
        )
    ]


def complaint_flagged(data: Data) -> list[Draft]:
    """Routed to risk: the managers run the risk desk (there is no risk role)."""
    no = _s(data, "complaint_no")
    return [
        Draft(
            Kind.COMPLAINT_FLAGGED,
            MANAGERS,
            f"complaint_flagged:{no}@{_when(data)}",
            Text("投诉 {no} 已转风控", "Complaint {no} was routed to risk").format(no=no),
            Text(
                "投诉 {no} 被标记为风险，已转风控处理，请核查。",
                "Complaint {no} was flagged and routed to risk; please review it.",
            ).format(no=no),
            complaint_no=no,
        )
    ]


def appeal_filed(data: Data) -> list[Draft]:
    rma = _s(data, "rma_no")
    try:
        subject = AppealSubject(_s(data, "subject")).label
    except ValueError:
        subject = Text("决定", "the decision")
    return [
        Draft(
            Kind.APPEAL_FILED,
            AGENTS,
            f"appeal_filed:{rma}@{_when(data)}",
            Text("申请 {rma} 有新申诉", "Appeal filed on request {rma}").format(rma=rma),
            Text(
                f"顾客对申请 {rma} 的{subject.zh}提出申诉，请复核。",
                f"The customer appealed {subject.en} on request {rma}; please review it.",
            ),
            rma_no=rma,
            link=f"/staff/returns/{rma}/appeal",
        )
    ]


def approval_requested(data: Data) -> list[Draft]:
    kind, subject, who = _s(data, "kind"), _s(data, "subject"), _s(data, "requested_by")
    rma = subject if kind == "refund" else ""
    return [
        Draft(
            Kind.APPROVAL_REQUESTED,
            Audience.role(role),
            f"approval:{kind}:{subject}@{_when(data)}",
            Text("金额待审批：{subject}", "Amount waiting for approval: {subject}").format(
                subject=subject
            ),
            Text(
                "{who} 申请的金额超出其权限，等待您审批。",
                "An amount {who} asked for is over their limit and waits for your approval.",
            ).format(who=who or "—"),
            rma_no=rma,
            link="/staff/finance/approvals",
        )
        for role in roles_holding(Permission.AMOUNTS_APPROVE)
    ]


_AUTHORS = {
    "customer": Text("顾客", "The customer"),
    "merchant": Text("商家", "The merchant"),
    "agent": Text("客服", "Customer service"),
}


def message_posted(data: Data) -> list[Draft]:
    """A message in a request's conversation: the other sides of it hear."""
    author, rma, merchant = _s(data, "author_kind"), _s(data, "rma_no"), _s(data, "merchant_id")
    audiences = {
        "customer": [Audience.merchant(merchant), AGENTS],
        "merchant": [AGENTS],
        "agent": [Audience.merchant(merchant)],
    }.get(author, [])
    who = _AUTHORS.get(author, Text("", ""))
    name = _s(data, "author_name")
    said = Text(f"{who.zh}（{name}）", f"{who.en} ({name})") if name else who
    return [
        Draft(
            Kind.MESSAGE,
            audience,
            f"message:{_s(data, 'message_id')}",
            Text(f"{who.zh}在申请 {rma} 留言", f"{who.en} wrote on request {rma}"),
            Text(
                f"{said.zh}在退货申请 {rma} 的对话中留言，请查看并回复。",
                f"{said.en} wrote in the conversation on request {rma}. Read it and reply.",
            ),
            rma_no=rma,
            link=f"/staff/returns/{rma}#conversation",
        )
        for audience in audiences
        if audience.value
    ]


RULES: Mapping[str, Callable[[Data], list[Draft]]] = {
    "return.created": request_filed,
    "dispute.opened": dispute_opened,
    "complaint.filed": complaint_filed,
    "complaint.breached": complaint_breached,
    "complaint.escalated": complaint_escalated,
    "complaint.flagged": complaint_flagged,
    "appeal.filed": appeal_filed,
    "approval.requested": approval_requested,
    "conversation.posted": message_posted,
    "merchant_application.submitted": application_waiting,  # issue 15: the reviewers
    "merchant_application.resubmitted": application_waiting,
}


def drafts_for(name: str, data: Data) -> list[Draft]:
    """The notifications one event makes (none for an event no rule names)."""
    rule = RULES.get(name)
    return rule(data) if rule is not None else []

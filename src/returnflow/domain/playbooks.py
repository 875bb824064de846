"""Playbooks: the planned response to each kind of incident (seed 000 ch.10, R13.1).

The seed's emergency plan (第十章 电商平台退换货应急预案) asks for a written plan per risk
(10.1 预案制定与修订), drills and training (10.2 预案演练与培训) and carrying it out
under watch (10.3 预案实施与监控: 实施步骤, 监控指标, 监控与反馈). Each playbook is the
ordered list of steps an incident of its kind starts with: confirm and size, name an
owner and tell the teams, the kind's own remedies, tell those affected, watch until the
indicator recovers, and a closing review that revises the plan. Managers edit them; a
new incident copies the steps as they are at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.monitors import Indicator
from returnflow.domain.text import DomainError, Text

MAX_STEPS = 20
MAX_STEP_TEXT = 300
DRILL = "drill"


@dataclass(frozen=True, slots=True)
class Playbook:
    kind: str  # an Indicator value, or "drill"
    title: Text
    steps: tuple[Text, ...]
    updated_by: str = "system"
    updated_at: datetime | None = None


def kinds() -> tuple[str, ...]:
    return (*(i.value for i in Indicator), DRILL)


def checked_steps(steps: list[Text]) -> tuple[Text, ...]:
    """A playbook's steps as edited: 1–20, each with both languages, at most 300 characters."""
    cleaned = tuple(Text(s.zh.strip(), s.en.strip()) for s in steps if s.zh.strip() or s.en.strip())
    if not 1 <= len(cleaned) <= MAX_STEPS:
        raise DomainError(
            "invalid_steps",
            Text("预案须有 1 到 20 个步骤", "A playbook has 1 to 20 steps"),
            field="steps",
        )
    for step in cleaned:
        if not step.zh or not step.en:
            raise DomainError(
                "step_needs_both_languages",
                Text("每个步骤须同时填写中文和英文", "Every step needs Chinese and English"),
                field="steps",
            )
        if len(step.zh) > MAX_STEP_TEXT or len(step.en) > MAX_STEP_TEXT:
            raise DomainError(
                "step_too_long",
                Text("每个步骤最多 300 个字", "A step is at most 300 characters"),
                field="steps",
            )
    return cleaned


_OPEN = (
    Text(
        "确认预警数据，评估影响范围（商品、商家、订单量）",
        "Confirm the alert and size the impact (goods, merchants, orders)",
    ),
    Text(
        "启动预案：指定负责人，通知客服、仓储、财务和物流",
        "Start the plan: name an owner, tell service, warehouse, finance and logistics",
    ),
)
_CLOSE = (
    Text(
        "向受影响的客户和商家说明情况及处理时限",
        "Tell affected customers and merchants what happens and by when",
    ),
    Text(
        "持续监控指标，直至回落到基线以内",
        "Watch the indicator until it is back within its baseline",
    ),
    Text(
        "复盘：记录原因、措施和效果，修订本预案",
        "Review: causes, actions and results; revise this playbook",
    ),
)
_REMEDIES: dict[str, tuple[Text, ...]] = {
    Indicator.RETURN_RATE.value: (
        Text(
            "抽检退货商品，判定质量问题或描述不符",
            "Sample the returned goods: quality fault or not as described?",
        ),
        Text(
            "通知商家整改，必要时暂停相关商品销售",
            "Tell the merchant to fix it; pause the listing if needed",
        ),
    ),
    Indicator.COMPLAINT_RATE.value: (
        Text(
            "按投诉类别归类，找出集中原因", "Group the complaints by kind and find the common cause"
        ),
        Text(
            "增派客服，优先处理即将超时的投诉",
            "Add agents; answer complaints close to their deadline first",
        ),
    ),
    Indicator.SLA_BREACH_RATE.value: (
        Text("调配人手，清理超时队列", "Move people onto the overdue queue and clear it"),
        Text("检查排班与自动分派规则", "Check the rota and the assignment rules"),
    ),
    Indicator.CARRIER_EXCEPTION_RATE.value: (
        Text("联系承运商确认故障或延误范围", "Call the carrier: how wide is the outage or delay?"),
        Text(
            "切换备用承运商，为在途包裹登记异常",
            "Switch to the standby carrier; log exceptions for parcels on the way",
        ),
    ),
    Indicator.BACKLOG.value: (
        Text(
            "增加收货和质检人手，延长作业时间",
            "Add receiving and inspection staff; extend the shifts",
        ),
        Text(
            "对超期包裹启用先退款后验货（符合政策时）",
            "Refund before inspection where the policy allows, for parcels waiting too long",
        ),
    ),
    Indicator.REFUND_FAILURES.value: (
        Text("检查支付网关状态与失败原因", "Check the payment gateway and why refunds fail"),
        Text(
            "修复后重试失败的退款，逐笔核对",
            "Retry the failed refunds once fixed and check each one",
        ),
    ),
    DRILL: (Text("按演练脚本模拟处置，记录各环节用时", "Play the drill script; time each stage"),),
}
_TITLES = {
    **{
        i.value: Text(f"{i.label.zh}异常处置预案", f"{i.label.en} response plan") for i in Indicator
    },
    DRILL: Text("应急演练预案", "Emergency drill plan"),
}


def default_playbook(kind: str) -> Playbook:
    """The seed's emergency plan for one kind, in both languages."""
    return Playbook(kind, _TITLES[kind], (*_OPEN, *_REMEDIES[kind], *_CLOSE))

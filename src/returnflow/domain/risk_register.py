"""The risk register (issue 15, R10.1, R10.2): the five risk types of the seeds, rated.

Seed 000 §6.1.1 names the risk types of returns (商品质量问题, 物流风险, 售后服务风险,
信息不对称风险, 消费者恶意退换货); §6.2.1 asks for each one's probability and impact,
§6.2.2 for indicators with thresholds (return rate, complaint rate …) that warn, and
§6.3 lists the measures. A risk's rating is probability × impact (1–5 each, so 1–25);
its level: low 1–4, medium 5–9, high 10–16, critical 20–25 (the usual 5 × 5 matrix:
4 × 4 = 16 is high, 4 × 5 = 20 critical). Each risk names the monitors (issue 14,
domain/monitors.py) whose indicators warn of it; that mapping is fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from returnflow.domain.monitors import Indicator
from returnflow.domain.text import DomainError, Text

MAX_MITIGATION = 4000
MAX_OWNER = 100


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> Text:
        return _LEVEL_LABELS[self]


class RiskStatus(StrEnum):
    IDENTIFIED = "identified"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    CLOSED = "closed"

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


def level_of(rating: int) -> RiskLevel:
    """1–4 low, 5–9 medium, 10–16 high, 20–25 critical (a rating is p × i, 1–25)."""
    if rating >= 20:
        return RiskLevel.CRITICAL
    if rating >= 10:
        return RiskLevel.HIGH
    if rating >= 5:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


@dataclass(frozen=True, slots=True)
class RiskType:
    code: str
    name: Text  # the seed's own words, with an English translation
    description: Text
    indicators: tuple[Indicator, ...]
    mitigation: Text  # the seed's measures (§6.1.2, §6.3), the register's first text


@dataclass(frozen=True, slots=True)
class Risk:
    code: str
    probability: int
    impact: int
    owner: str  # a staff account's user name; "" until someone owns it
    mitigation: str
    status: RiskStatus
    review_on: date | None
    updated_by: str
    updated_at: datetime
    version: int = 0

    @property
    def kind(self) -> RiskType:
        return TYPES[self.code]

    @property
    def rating(self) -> int:
        return self.probability * self.impact

    @property
    def level(self) -> RiskLevel:
        return level_of(self.rating)


@dataclass(frozen=True, slots=True)
class RiskEdit:
    probability: int
    impact: int
    owner: str
    mitigation: str
    status: RiskStatus
    review_on: date | None


def _score(value: int, name: str) -> None:
    if not 1 <= value <= 5:
        raise DomainError(
            f"invalid_{name}",
            Text("概率和影响须在 1 到 5 之间", "Probability and impact are 1 to 5"),
            field=name,
        )


def edited(risk: Risk, edit: RiskEdit, actor: str, now: datetime) -> Risk:
    """The risk after a manager's edit, checked."""
    _score(edit.probability, "probability")
    _score(edit.impact, "impact")
    mitigation = edit.mitigation.replace("\r\n", "\n").strip()  # a form sends CRLF
    if not mitigation or len(mitigation) > MAX_MITIGATION:
        raise DomainError(
            "invalid_mitigation",
            Text(
                "请填写应对措施（最多 4000 字）", "Describe the mitigation (up to 4,000 characters)"
            ),
            field="mitigation",
        )
    if len(edit.owner) > MAX_OWNER:
        raise DomainError("invalid_owner", Text("负责人无效", "Invalid owner"), field="owner")
    return replace(
        risk,
        probability=edit.probability,
        impact=edit.impact,
        owner=edit.owner,
        mitigation=mitigation,
        status=edit.status,
        review_on=edit.review_on,
        updated_by=actor,
        updated_at=now,
    )


def changes(before: Risk, after: Risk) -> dict[str, list[str]]:
    """What an edit changed, field by field: {field: [old, new]} (the history's words)."""
    fields = ("probability", "impact", "owner", "mitigation", "status", "review_on")
    found = {}
    for name in fields:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            found[name] = [_plain(old), _plain(new)]
    return found


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def seeded(now: datetime, actor: str) -> list[Risk]:
    """The register a new platform starts with: the five types, rated 3 × 3, unowned."""
    return [
        Risk(
            t.code,
            3,
            3,
            "",
            t.mitigation.zh + "\n" + t.mitigation.en,
            RiskStatus.IDENTIFIED,
            None,
            actor,
            now,
        )
        for t in TYPES.values()
    ]


Ind = Indicator
TYPES: dict[str, RiskType] = {
    t.code: t
    for t in (
        RiskType(
            "product_quality",
            Text("商品质量问题", "Product quality"),
            Text(
                "商品存在功能、外观等方面的缺陷，导致消费者提出退换货。",
                "Goods with defects in function or appearance lead customers to return them.",
            ),
            (Ind.RETURN_RATE, Ind.COMPLAINT_RATE),
            Text(
                "严格筛选供应商；对在售商品定期抽检；对存在质量问题的供应商进行处罚或取消合作资格。",
                "Screen suppliers strictly; spot-check goods on sale; penalise or drop "
                "suppliers with quality problems.",
            ),
        ),
        RiskType(
            "logistics",
            Text("物流风险", "Logistics risk"),
            Text(
                "商品在运输过程中发生损坏、丢失或延误，导致消费者不满。",
                "Goods damaged, lost or delayed in transit leave customers unhappy.",
            ),
            (Ind.CARRIER_EXCEPTION_RATE, Ind.BACKLOG),
            Text(
                "与优质物流企业合作；实时跟踪商品运输状态；设立专门的物流客服。",
                "Work with reliable carriers; track every parcel live; staff a logistics "
                "help desk.",
            ),
        ),
        RiskType(
            "after_sales_service",
            Text("售后服务风险", "After-sales service risk"),
            Text(
                "售后服务不到位，如处理速度慢、态度差等，引发消费者投诉。",
                "Poor after-sales service (slow handling, a bad attitude) draws complaints.",
            ),
            (Ind.SLA_BREACH_RATE, Ind.COMPLAINT_RATE, Ind.REFUND_FAILURES),
            Text(
                "设立专门的售后服务团队；建立快速响应机制；定期培训客服人员。",
                "A dedicated after-sales team; a fast-response routine; regular training "
                "for service staff.",
            ),
        ),
        RiskType(
            "information_asymmetry",
            Text("信息不对称风险", "Information asymmetry risk"),
            Text(
                "消费者对商品的了解不足，导致购买后不满意。",
                "Customers who know too little about the goods are disappointed after buying.",
            ),
            (Ind.RETURN_RATE,),
            Text(
                "加强商品信息展示，提供详细的产品说明和图片，减少信息不对称。",
                "Show fuller product information, detailed descriptions and pictures.",
            ),
        ),
        RiskType(
            "malicious_returns",
            Text("消费者恶意退换货", "Malicious returns by customers"),
            Text(
                "部分消费者利用退换货政策漏洞，进行恶意退换货。",
                "Some customers exploit gaps in the return policy to return in bad faith.",
            ),
            (Ind.RETURN_RATE, Ind.REFUND_FAILURES),
            Text(
                "制定合理的退换货政策，防止消费者恶意退换货；关注观察名单。",
                "A reasonable return policy that closes its loopholes; keep the watch list.",
            ),
        ),
    )
}

_LEVEL_LABELS = {
    RiskLevel.LOW: Text("低", "Low"),
    RiskLevel.MEDIUM: Text("中", "Medium"),
    RiskLevel.HIGH: Text("高", "High"),
    RiskLevel.CRITICAL: Text("极高", "Critical"),
}
_STATUS_LABELS = {
    RiskStatus.IDENTIFIED: Text("已识别", "Identified"),
    RiskStatus.MITIGATING: Text("应对中", "Mitigating"),
    RiskStatus.MONITORING: Text("持续监控", "Monitoring"),
    RiskStatus.CLOSED: Text("已关闭", "Closed"),
}

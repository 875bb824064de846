"""The demo's risk pages (issue 15, R10.1–R10.4): not empty when someone signs in.

After the marketplace's history is written, the demo's people play three things the
risk pages show:
- the manager rates the five risk types of the register (probability × impact), names
  an owner among the demo's staff accounts (created right after the generator: the owner
  is a user name, shown as the account's name once it exists), sets a status and a
  review date, and writes the first concrete measure above the seed's; one history row
  each. The indicators are the monitors' (fixed in domain/risk_register.py);
- an agent reaches out to the first frequent returners of the care list (advice, a
  size-guide link, a coupon) a day after their latest counted request, and records how
  it went; the messages go into the outbox, which `settle_history` marks as not sent;
- an agent judges the highest-scored requests of the last 120 days: high scores mostly
  fraud, the rest mostly safe, so the tuning page has verdicts on both sides.
Deterministic for the same data; running it again adds nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from returnflow.app_context import AppContext
from returnflow.domain import risk_register as rules
from returnflow.domain.returner_care import SIZE, Action, Outcome, OutreachAsk
from returnflow.domain.risk_register import RiskEdit, RiskStatus
from returnflow.domain.text import DomainError, Text
from returnflow.services import returner_care, risk_register, risk_staff
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.risk import configured

MANAGER = "manager:manager"  # the demo accounts' actors (role:username)
AGENT = "agent:agent"
ZONE = ZoneInfo("Asia/Shanghai")
RATED = timedelta(days=45)  # when the manager rated the register
JUDGED = timedelta(days=120)
VERDICTS = 8
CARE_CASES = 4

# code: probability, impact, owner (a demo user name), status, review in days
REGISTER = {
    "product_quality": (4, 4, "manager", RiskStatus.MITIGATING, 30),
    "logistics": (3, 3, "warehouse", RiskStatus.MONITORING, 60),
    "after_sales_service": (2, 4, "agent", RiskStatus.MITIGATING, 30),
    "information_asymmetry": (3, 2, "agent", RiskStatus.MONITORING, 90),
    "malicious_returns": (2, 5, "manager", RiskStatus.MITIGATING, 30),
}
# code: the first concrete measure, above the seed's (zh, en)
MEASURES = {
    "product_quality": Text(
        "双 11 后对退货率最高的 20 个商品抽检，问题商品下架整改。",
        "After 11.11, sample the 20 products returned most; delist the faulty ones.",
    ),
    "logistics": Text(
        "破损率超过 2% 的线路改用加固包装，与承运商按月对账赔付。",
        "Reinforced packing on routes above 2% damage; settle carrier claims monthly.",
    ),
    "after_sales_service": Text(
        "审核超时提醒已开启；客服每周复盘超时与投诉最多的申请。",
        "Review deadline reminders on; agents go through the slowest cases weekly.",
    ),
    "information_asymmetry": Text(
        "“与描述不符”最多的商品要求商家补充尺码表与实拍图。",
        "Merchants of the most 'not as described' products add size charts and photos.",
    ),
    "malicious_returns": Text(
        "高风险申请人工复核、退款待验货；欺诈判定加入观察名单 180 天。",
        "High-risk requests go to a person, refunds wait for inspection; fraud watched 180 days.",
    ),
}
ADVICE = (
    "您好，我们注意到您近期几次退货的原因相同。"
    "下单前可看看商品详情、买家评价和实拍；收到后有问题先联系客服，我们帮您处理。"
)

# one per care case, in turn: what the agent did and how it went
CARE = (
    (Action.SIZE_GUIDE, Outcome.REACHED, "https://help.returnflow.example/size-guide"),
    (Action.ADVICE, Outcome.NO_ANSWER, ""),
    (Action.COUPON, Outcome.REACHED, ""),
    (Action.ADVICE, None, ""),
)


def play(context: AppContext, now: datetime) -> None:
    """The register rated, frequent returners reached, requests judged (each once)."""
    rate_register(context, now)
    reach_frequent_returners(context, now)
    judge_highest(context, now)


def rate_register(context: AppContext, now: datetime) -> None:
    at = now - RATED
    with context.uow() as uow:
        risks = risk_register.ensure_register(uow, at - timedelta(days=1))
        if any(r.owner for r in risks):
            return  # rated before
        for risk in risks:
            p, i, owner, status, review_in = REGISTER[risk.code]
            review_on = (at + timedelta(days=review_in)).astimezone(ZONE).date()
            first = MEASURES[risk.code]
            measure = f"{first.zh}\n{first.en}\n\n{risk.mitigation}"[: rules.MAX_MITIGATION]
            edit = RiskEdit(p, i, owner, measure, status, review_on)
            changed = rules.edited(risk, edit, MANAGER, at)
            uow.risk_register.save(changed, rules.changes(risk, changed), MANAGER, at)
        uow.commit(at)


def reach_frequent_returners(context: AppContext, now: datetime) -> None:
    with context.uow() as uow:
        found = returner_care.listing(uow, None, 1, now)
        if any(latest is not None for _, latest in found.rows):
            return  # reached before
        cases = [r for r, _ in found.rows][:CARE_CASES]
        for n, returner in enumerate(cases):
            action, outcome, link = CARE[n % len(CARE)]
            if action is Action.SIZE_GUIDE and returner.theme != SIZE:
                action, link = Action.ADVICE, ""
            at = min(returner.last_at + timedelta(days=1), now - timedelta(hours=2))
            ask = OutreachAsk(returner.theme, action, ADVICE, link, 2000)
            try:
                made, _ = returner_care.reach_out(
                    uow, returner.customer_id, ask, f"demo-care-{n}", AGENT, at
                )
            except (Conflict, NotFound, DomainError):
                continue  # below the rule at that moment: nobody to reach
            if outcome is not None:
                later = min(at + timedelta(hours=20), now - timedelta(hours=1))
                returner_care.record_outcome(
                    uow, returner.customer_id, made.id, outcome, AGENT, later
                )
        uow.commit(now)


def judge_highest(context: AppContext, now: datetime) -> None:
    high = configured().high
    with context.uow() as uow:
        scored = uow.risk_tuning.highest_scored(now - JUDGED, VERDICTS)
        if not scored or risk_staff.feedback(uow, scored[0].rma_no):
            return  # none scored, or judged before
        for n, found in enumerate(scored):
            surprising = n % 3 == 2  # now and then staff find the score wrong
            fraud = (found.score >= high) != surprising
            verdict = "fraud" if fraud else "safe"
            note = "同一设备多个账号，空包退货。" if fraud else "已电话核实，正常退货。"
            at = min(found.created_at + timedelta(hours=26), now - timedelta(hours=1))
            risk_staff.judge(uow, found.rma_no, verdict, note, AGENT, at)
        uow.commit(now)

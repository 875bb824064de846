"""No-reason returns (R2.2): the period counted from delivery and the legal exclusions.

A change of mind is allowed for `no_reason_days` after delivery, except for goods the
law excludes: some always (custom-made, perishable, downloaded), some only once their
seal is opened (media, hygiene goods).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.text import Text
from returnflow.domain.verdicts import LineClaim, RuleResult, failed, passed

# R2.2: the legal exclusions from no-reason returns. Each flag either always
# excludes the item, or only once its seal is opened.
_EXCLUSION_WORDS: tuple[tuple[ItemFlag, bool, str, Text], ...] = (
    (
        ItemFlag.CUSTOM_MADE,
        False,
        "excluded_custom_made",
        Text(
            "定制商品不支持七天无理由退货", "Custom-made goods cannot be returned without a reason"
        ),
    ),
    (
        ItemFlag.PERISHABLE,
        False,
        "excluded_perishable",
        Text(
            "鲜活易腐商品不支持七天无理由退货",
            "Fresh and perishable goods cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.DIGITAL_DOWNLOAD,
        False,
        "excluded_digital",
        Text(
            "在线下载的数字化商品不支持七天无理由退货",
            "Downloaded digital goods cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.SEALED_MEDIA,
        True,
        "excluded_opened_media",
        Text(
            "已拆封的音像制品、计算机软件不支持七天无理由退货",
            "Audio-visual media and software cannot be returned without a reason once unsealed",
        ),
    ),
    (
        ItemFlag.PERIODICAL,
        False,
        "excluded_periodical",
        Text(
            "报纸、期刊不支持七天无理由退货",
            "Newspapers and periodicals cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.NON_RETURNABLE_CONFIRMED,
        False,
        "excluded_non_returnable",
        Text(
            "您在购买时已确认该商品不适用七天无理由退货",
            "You confirmed at purchase that this item cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.HYGIENE_SEALED,
        True,
        "excluded_hygiene_opened",
        Text(
            "贴身卫生用品拆封后不再完好，不支持七天无理由退货",
            "Hygiene goods are no longer intact once unsealed: no return without a reason",
        ),
    ),
)

# each exclusion's refusal is one immutable value, built once (issue 11)
_EXCLUSIONS: tuple[tuple[ItemFlag, bool, RuleResult], ...] = tuple(
    (flag, only_if_opened, failed(code, message))
    for flag, only_if_opened, code, message in _EXCLUSION_WORDS
)

_SEAL_CONDITION = Text(
    "须保持原包装密封，拆封后不支持七天无理由退货",
    "Only while the original seal is unbroken; once opened it cannot be returned without a reason",
)

_SEALED_ONLY = passed("sealed_only", _SEAL_CONDITION)


def no_reason_rules(
    order: Order,
    line: OrderLine,
    claim: LineClaim,
    terms: Terms,
    now: datetime,
    policy: PolicyVersion,
) -> tuple[list[RuleResult], date]:
    """R2.2: the no-reason period from delivery, then the legal exclusions of the line."""
    assert order.delivered_at is not None
    last_day = policy.last_day(order.delivered_at, terms.no_reason_days)
    expired = policy.local_date(now) > last_day
    results = [_window_rule(terms.no_reason_days, last_day, expired)]
    if line.flags:
        for flag, only_if_opened, refusal in _EXCLUSIONS:
            if flag not in line.flags:
                continue
            if not only_if_opened or claim.opened:
                results.append(refusal)
            else:
                results.append(_SEALED_ONLY)
    return results, last_day


# many lines share a period and a last day: their results are built once, up to a bound
@lru_cache(maxsize=1024, typed=True)
def _window_rule(days: int, last_day: date, expired: bool) -> RuleResult:
    if expired:
        return failed(
            "window_expired",
            Text(
                "已超过{days}天无理由退货期限（最后申请日 {last_day}）",
                "The {days}-day no-reason period ended on {last_day}",
            ).format(days=days, last_day=last_day.isoformat()),
        )
    return passed(
        "window_open",
        Text(
            "{last_day} 前可申请{days}天无理由退换",
            "No-reason returns and exchanges until {last_day} ({days} days)",
        ).format(days=days, last_day=last_day.isoformat()),
    )

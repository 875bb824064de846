"""The return policy in plain words (R2.1): what can be returned, until when, who pays.

One place turns a category's `Terms` into short sentences in both languages, each marked
when the merchant's terms beat the platform's; the staff terms page, the public help
centre, the summary API and the portal's order page all read these.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from returnflow.domain.analyses import category_label
from returnflow.domain.policy import TERM_FIELDS, PolicyVersion, Terms
from returnflow.domain.text import Text

ALL_GOODS = Text("全部商品", "All goods")

TERM_LABELS: dict[str, Text] = {
    "no_reason_days": Text("无理由退货天数", "Days to return for any reason"),
    "quality_refund_days": Text("质量问题退货天数", "Days to return a faulty item"),
    "quality_exchange_days": Text("质量问题换货天数", "Days to exchange a faulty item"),
    "warranty_days": Text("保修天数", "Warranty days"),
    "merchant_pays_no_reason_shipping": Text(
        "无理由退货运费由商家承担", "Merchant pays return shipping for a change of mind"
    ),
}
DAY_LIMITS = {
    "no_reason_days": 365,
    "quality_refund_days": 365,
    "quality_exchange_days": 365,
    "warranty_days": 3650,
}

EXCLUSIONS = (
    Text("定制商品", "Custom-made goods"),
    Text("鲜活易腐商品", "Fresh and perishable goods"),
    Text("在线下载的数字化商品", "Downloaded digital goods"),
    Text("已拆封的音像制品、计算机软件", "Audio-visual media and software once unsealed"),
    Text("报纸、期刊", "Newspapers and periodicals"),
    Text("购买时已确认不宜退货的商品", "Goods you confirmed as non-returnable when buying"),
)
INTACT = Text(
    "无理由退货要求商品完好：不影响二次销售，配件、赠品、包装齐全；贴身卫生用品拆封后不再属于完好。",
    "A change-of-mind return needs the goods intact: resaleable, with every accessory, gift "
    "and the packaging; hygiene goods are no longer intact once unsealed.",
)
FLAG_WORDS = {
    "custom_made": Text(
        "本商品为定制商品，不支持无理由退货", "Custom made: no change-of-mind return"
    ),
    "perishable": Text("本商品鲜活易腐，不支持无理由退货", "Perishable: no change-of-mind return"),
    "digital_download": Text(
        "本商品为在线下载商品，不支持无理由退货", "Downloaded: no change-of-mind return"
    ),
    "sealed_media": Text(
        "拆封后不支持无理由退货（音像制品/软件）",
        "Media or software: no change of mind once unsealed",
    ),
    "periodical": Text("报刊不支持无理由退货", "Periodical: no change-of-mind return"),
    "non_returnable_confirmed": Text(
        "购买时已确认不宜退货", "You confirm at purchase that it cannot be returned"
    ),
    "hygiene_sealed": Text(
        "卫生用品：拆封后不支持无理由退货", "Hygiene item: no change-of-mind return once unsealed"
    ),
}


@dataclass(frozen=True, slots=True)
class Line:
    """One sentence of the policy; `better` when the merchant beats the platform here."""

    code: str
    text: Text
    better: bool = False


@dataclass(frozen=True, slots=True)
class Scope:
    """A category (None: all goods) as the platform sets it and as this merchant offers it."""

    category: str | None
    label: Text
    platform: Terms
    terms: Terms
    overrides: dict[str, int | bool]

    @property
    def better(self) -> tuple[str, ...]:
        return better_fields(self.terms, self.platform)

    @property
    def lines(self) -> tuple[Line, ...]:
        return term_lines(self.terms, self.platform)


def better_fields(terms: Terms, platform: Terms) -> tuple[str, ...]:
    return tuple(name for name in TERM_FIELDS if getattr(terms, name) > getattr(platform, name))


def scope_label(category: str | None) -> Text:
    return ALL_GOODS if category is None else category_label(category)


def platform_terms(policy: PolicyVersion, category: str | None) -> Terms:
    return policy.baseline if category is None else policy.category_terms(category)


def merchant_terms(policy: PolicyVersion, merchant_id: str, category: str | None) -> Terms:
    """What the merchant offers in a scope: for all goods its general terms only."""
    if category is None:
        terms = policy.baseline
        for entry in policy.merchants:
            if entry.merchant_id == merchant_id and entry.category is None:
                better = {k: v for k, v in entry.overrides.items() if v > getattr(terms, k)}
                terms = replace(terms, **better)  # type: ignore[arg-type]
        return terms
    return policy.terms_for(merchant_id, category)


def scope(policy: PolicyVersion, merchant_id: str, category: str | None) -> Scope:
    overrides: dict[str, int | bool] = {}
    for entry in policy.merchants:
        if entry.merchant_id == merchant_id and entry.category == category:
            overrides = dict(entry.overrides)
    return Scope(
        category,
        scope_label(category),
        platform_terms(policy, category),
        merchant_terms(policy, merchant_id, category),
        overrides,
    )


def term_lines(terms: Terms, platform: Terms) -> tuple[Line, ...]:
    """The terms as the help centre says them, the better ones marked."""
    better = set(better_fields(terms, platform))
    return (
        _no_reason(terms, "no_reason_days" in better),
        _shipping(terms, "merchant_pays_no_reason_shipping" in better),
        Line(
            "quality_refund",
            Text(
                "质量问题：签收后 {d} 天内可退货退款，来回运费由商家承担",
                "Faulty: return it for a refund within {d} days of delivery; "
                "the merchant pays shipping",
            ).format(d=terms.quality_refund_days),
            "quality_refund_days" in better,
        ),
        Line(
            "quality_exchange",
            Text(
                "质量问题：签收后 {d} 天内可换货", "Faulty: exchange it within {d} days of delivery"
            ).format(d=terms.quality_exchange_days),
            "quality_exchange_days" in better,
        ),
        _warranty(terms, "warranty_days" in better),
        Line(
            "refund_only",
            Text(
                "未收到货可申请仅退款；已签收但有质量问题、不值得寄回的，可申请仅退款，由人工审核",
                "Not delivered: ask for a refund only. Delivered but faulty and not worth "
                "sending back: a refund without return is reviewed by a person",
            ),
        ),
    )


def _no_reason(terms: Terms, better: bool) -> Line:
    if terms.no_reason_days <= 0:
        return Line("no_reason", Text("不支持无理由退货", "No change-of-mind returns"), better)
    return Line(
        "no_reason",
        Text(
            "签收后 {d} 天内可无理由退货（从签收次日算起，商品需完好）",
            "Changed your mind? Return it within {d} days of delivery "
            "(from the day after delivery; goods intact)",
        ).format(d=terms.no_reason_days),
        better,
    )


def _shipping(terms: Terms, better: bool) -> Line:
    if terms.merchant_pays_no_reason_shipping:
        words = Text(
            "无理由退货的寄回运费由商家承担",
            "The merchant pays return shipping for a change of mind",
        )
    else:
        words = Text(
            "无理由退货的寄回运费由您承担；买了退货运费险的由保险赔付",
            "For a change of mind you pay return shipping, unless your return-shipping "
            "insurance covers it",
        )
    return Line("no_reason_shipping", words, better)


def _warranty(terms: Terms, better: bool) -> Line:
    if terms.warranty_days <= 0:
        return Line("warranty", Text("本类商品不提供保修维修", "No repair service"), better)
    return Line(
        "warranty",
        Text(
            "保修 {d} 天：质量问题可免费维修",
            "{d}-day warranty: faults are repaired free of charge",
        ).format(d=terms.warranty_days),
        better,
    )


def payer(terms: Terms) -> Literal["customer", "merchant"]:
    """Who pays return shipping for a change of mind: "merchant" or "customer"."""
    return "merchant" if terms.merchant_pays_no_reason_shipping else "customer"

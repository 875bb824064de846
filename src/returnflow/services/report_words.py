"""The periodic report's words and number formats (issue 14, R9.3), shared by PDF, XLSX, mail.

Rates as percentages with one decimal, changes of rates in percentage points, durations
in hours or days, money in the platform's one format (`notify/money_words`, Babel's:
"¥1,234.50" in Chinese, "CN¥1,234.50" in English). The workbook keeps amounts as numbers
of yuan (`report_xlsx.py`), so a spreadsheet can add them up.
"""

from __future__ import annotations

from returnflow.domain.text import Text
from returnflow.notify.money_words import yuan_text
from returnflow.services.report_data import KpiLine

W: dict[str, Text] = {
    "overview": Text("一、总览", "1. Overview"),
    "suggestions": Text("二、改进建议", "2. What to do"),
    "by_category": Text("三、各品类退货率", "3. Return rate by category"),
    "reasons": Text("四、退货原因", "4. Why customers return"),
    "customers": Text("五、退货客户画像", "5. Who returns"),
    "problems": Text("六、问题商品", "6. Problem products"),
    "definitions": Text("指标口径", "Definitions"),
    "definitions_note": Text(
        "日期均为北京时间自然日，本期与上一个同类周期（上周或上月）对比。数据来自每日汇总表，"
        "商品与客户分析读取期间内的退货明细。",
        "Days are China Standard Time calendar days; each figure is compared with the "
        "previous period of the same kind (the week or month before). Figures come from "
        "the daily rollups; products and customers from the period's return lines.",
    ),
    "period_line": Text(
        "统计期间：{period}（{start} 至 {end}，北京时间），对比上期：{previous}",
        "Period: {period} ({start} to {end}, China Standard Time), compared with {previous}",
    ),
    "generated": Text(
        "生成时间：{at}（北京时间）· ReturnFlow", "Generated {at} (CST) · ReturnFlow"
    ),
    "footer": Text("ReturnFlow {kind} {start} 至 {end}", "ReturnFlow {kind} {start} to {end}"),
    "kpi": Text("指标", "Measure"),
    "this_period": Text("本期", "This period"),
    "previous": Text("上期", "Previous"),
    "change": Text("变化", "Change"),
    "per_day": Text(
        "每日签收订单的退货件数（柱）与退货率（线）",
        "Units returned per delivery day (bars) and that day's return rate (line)",
    ),
    "units_returned": Text("退货件数", "Units returned"),
    "return_rate": Text("退货率", "Return rate"),
    "cumulative": Text("累计占比", "Cumulative share"),
    "category": Text("品类", "Category"),
    "delivered": Text("签收件数", "Units delivered"),
    "returned": Text("退货件数", "Units returned"),
    "fault_rate": Text("质量类退货率", "Quality return rate"),
    "refunded": Text("退款金额", "Refunded"),
    "merchant": Text("商家", "Merchant"),
    "merchants": Text("退货最多的商家", "Merchants with the most returns"),
    "reason": Text("原因", "Reason"),
    "share": Text("占比", "Share"),
    "reasons_lead": Text(
        "按退货件数从多到少排列；折线为累计占比，前几项原因通常占到大部分退货。",
        "Reasons by units returned, largest first; the line is the cumulative share, so "
        "the first few reasons show how much of the volume they explain.",
    ),
    "customers_lead": Text(
        "本期共有 {n} 位客户提交了有效退货，按退货次数、金额、原因和时间分为以下几类：",
        "{n} customers returned something this period; grouped on how often, how much, "
        "why and when they return:",
    ),
    "segment": Text("客户群", "Group"),
    "customers_n": Text("人数", "Customers"),
    "returns_each": Text("人均退货单", "Returns each"),
    "avg_value": Text("平均退货金额", "Average value"),
    "no_reason": Text("无理由占比", "No-reason share"),
    "days_after": Text("签收后天数", "Days after delivery"),
    "product": Text("商品", "Product"),
    "fault_n": Text("质量类退货", "Quality returns"),
    "category_rate": Text("品类水平", "Category rate"),
    "lift": Text("倍数", "Times"),
    "words": Text("顾客原话关键词", "Customers' words"),
    "problems_lead": Text(
        "质量问题和描述不符的退货率至少为所在品类的 1.5 倍（签收≥20 件、此类退货≥3 件），"
        "按超出品类水平的退货件数排序。",
        "Quality and not-as-described returns at 1.5× their category's rate or more (20+ "
        "units delivered, 3+ such returns), ranked by the returns above the category's rate.",
    ),
    "no_problems": Text(
        "本期没有商品的质量类退货率明显高于所在品类。",
        "No product came back for quality notably more often than its category.",
    ),
    "nothing": Text("本期没有数据。", "No data for this period."),
    "kpi_return_rate": Text("退货率", "Return rate"),
    "kpi_refund_cycle": Text("退款周期（中位数）", "Refund cycle (median)"),
    "kpi_refund_deadline_compliance": Text("退款按期到账率", "Refunds paid on time"),
    "kpi_csat": Text("满意度 CSAT", "Customer satisfaction (CSAT)"),
    "kpi_nps": Text("净推荐值 NPS", "Net promoter score (NPS)"),
    "kpi_complaint_rate": Text("投诉率", "Complaint rate"),
    "kpi_logistics_cost_per_return": Text("单件逆向物流成本", "Return shipping cost per return"),
    "kpi_recovery_value": Text("回收价值", "Recovery value"),
    "sheet_about": Text("说明", "About"),
}


# the columns of the report's tables, the same in the PDF and the workbook (which adds the
# SKU after a problem product's name)
CATEGORY_COLUMNS = tuple(
    W[k]
    for k in (
        "category", "delivered", "returned", "return_rate", "previous", "fault_rate", "refunded"
    )
)  # fmt: skip
MERCHANT_COLUMNS = tuple(
    W[k] for k in ("merchant", "delivered", "returned", "return_rate", "previous", "refunded")
)
REASON_COLUMNS = tuple(W[k] for k in ("reason", "units_returned", "share", "previous"))
PROBLEM_COLUMNS = tuple(
    W[k]
    for k in (
        "product", "merchant", "category", "delivered", "fault_n", "fault_rate",
        "category_rate", "lift", "words",
    )
)  # fmt: skip


def _duration(seconds: float, language: str) -> str:
    zh = language == "zh"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} {'天' if zh else 'days'}"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} {'小时' if zh else 'h'}"
    return f"{seconds / 60:.0f} {'分钟' if zh else 'min'}"


def value(number: float | None, unit: str, name: str, language: str) -> str:
    """A KPI's value with its unit."""
    if number is None:
        return "–"
    if unit == "ratio":
        return f"{100 * number:.1f}%"
    if name == "nps":
        return f"{number:+.0f}"
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "seconds":
        return _duration(number, language)
    if unit == "fen":
        return yuan_text(number, language)  # the one money format (Babel)
    return f"{number:,.2f}"


def change(k: KpiLine, language: str) -> str:
    """Now against before: points for rates, a relative change for times and money."""
    if k.now is None or k.before is None:
        return "–"
    points = " 个百分点" if language == "zh" else " pp"
    if k.unit == "ratio":
        return f"{100 * (k.now - k.before):+.1f}{points}"
    if k.name == "nps":
        return f"{k.now - k.before:+.0f}"
    if k.unit == "percent":
        return f"{k.now - k.before:+.1f}{points}"
    if not k.before:
        return "–"
    relative = round(100 * (k.now - k.before) / k.before)
    return "±0%" if relative == 0 else f"{relative:+d}%"

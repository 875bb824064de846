"""The periodic report's calendar and its suggestions (issue 14, R9.3): pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from returnflow.domain import reports as r
from returnflow.domain.text import Text
from returnflow.notify.money_words import money_words


def test_the_last_complete_week_runs_monday_to_sunday() -> None:
    # Monday 2026-12-07: last week is 11-30 .. 12-06
    assert r.last_complete("week", date(2026, 12, 7)) == r.ReportPeriod(
        "week", date(2026, 11, 30), date(2026, 12, 6)
    )
    # Sunday 12-06 is still inside that week: the complete one is the week before
    assert r.last_complete("week", date(2026, 12, 6)).start == date(2026, 11, 23)
    assert r.ending_by("week", date(2026, 12, 6)).start == date(2026, 11, 30)
    assert r.ending_by("week", date(2026, 12, 5)).start == date(2026, 11, 23)
    # across a year end
    assert r.covering("week", date(2027, 1, 1)) == r.ReportPeriod(
        "week", date(2026, 12, 28), date(2027, 1, 3)
    )


def test_months_end_on_their_last_day_with_leap_februaries() -> None:
    assert r.last_complete("month", date(2028, 3, 1)) == r.ReportPeriod(
        "month", date(2028, 2, 1), date(2028, 2, 29)
    )
    assert r.last_complete("month", date(2027, 3, 31)).end == date(2027, 2, 28)
    assert r.last_complete("month", date(2027, 1, 15)) == r.ReportPeriod(
        "month", date(2026, 12, 1), date(2026, 12, 31)
    )
    march = r.covering("month", date(2028, 3, 10))
    assert march.previous() == r.ReportPeriod("month", date(2028, 2, 1), date(2028, 2, 29))
    assert march.days == 31 and march.previous().days == 29


def test_a_report_is_due_at_six_in_the_morning_china_time() -> None:
    # Monday 2026-12-07 05:59 CST is Sunday 21:59 UTC: the newest due week is 11-23..11-29
    before = datetime(2026, 12, 6, 21, 59, tzinfo=UTC)
    at = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # Monday 06:00 CST
    assert r.due("week", before).start == date(2026, 11, 23)
    assert r.due("week", at).start == date(2026, 11, 30)
    # a week's days are CST days: Sunday 23:30 CST (15:30 UTC) belongs to the week ending then
    assert r.local_day(datetime(2026, 12, 6, 15, 30, tzinfo=UTC)) == date(2026, 12, 6)
    assert r.local_day(datetime(2026, 12, 6, 16, 0, tzinfo=UTC)) == date(2026, 12, 7)
    # the month on the 1st at 06:00 CST
    assert r.due("month", datetime(2026, 11, 30, 21, 59, tzinfo=UTC)).start == date(2026, 10, 1)
    assert r.due("month", datetime(2026, 11, 30, 22, 0, tzinfo=UTC)).start == date(2026, 11, 1)
    assert r.ReportPeriod("week", date(2026, 11, 30), date(2026, 12, 6)).since == datetime(
        2026, 11, 29, 16, 0, tzinfo=UTC
    )


ELECTRONICS = Text("数码电子", "electronics")


def test_a_category_whose_quality_returns_rose_gets_its_merchants_asked() -> None:
    figures = r.Figures(
        return_rate=r.Rate(0.081, 0.08, 5000),
        categories=(
            r.CategoryFault(
                ELECTRONICS, r.Rate(0.041, 0.027, 1200), ("星辰数码", "极客", "乐活", "X")
            ),
            r.CategoryFault(Text("服装", "apparel"), r.Rate(0.05, 0.049, 3000), ("A",)),
        ),
    )
    said = r.suggestions(figures, money_words)
    assert said == [
        Text(
            "数码电子的质量与描述不符退货由 2.7% 升至 4.1%：请星辰数码、极客、乐活等前 3 家商家"
            "提交质量改进计划。",
            "Quality returns of electronics rose to 4.1% from 2.7%: ask the top 3 merchants "
            "(星辰数码, 极客, 乐活) for a quality plan.",
        )
    ]  # the overall rate moved 0.1 point only, apparel 0.1 point: no sentence


def test_the_overall_rate_service_figures_and_problems_are_written_from_the_numbers() -> None:
    figures = r.Figures(
        return_rate=r.Rate(0.12, 0.09, 400),
        problems=(r.Problem("保温杯", "杯具小店", 0.2, 0.0667, 3.0),),
        compliance=0.88,
        csat=(78.0, 86.5),
        cost_per_return=(1500.0, 1200.0),
    )
    en = [t.en for t in r.suggestions(figures, money_words)]
    assert en[0] == (
        "The return rate rose to 12.0% from 9.0%: start with the categories and problem "
        "products below that rose most."
    )
    assert en[1].startswith("保温杯 (杯具小店) comes back for quality at 20.0%, 3.0× its category")
    assert "Only 88.0% of refunds were paid by their deadline" in en[2]
    assert en[3] == "CSAT fell to 78.0% from 86.5%: review the low-scoring cases."
    assert "rose to CN¥15.00 from CN¥12.00" in en[4]  # Babel's English form
    zh = r.suggestions(figures, money_words)[4].zh
    assert zh.startswith("单件逆向物流成本由 ¥12.00 升至 ¥15.00")  # and its Chinese one


def test_few_units_or_a_steady_period_say_so_in_one_line() -> None:
    small = r.Figures(return_rate=r.Rate(0.5, 0.1, 6))  # 6 units: too few to call a rise
    assert [t.en for t in r.suggestions(small, money_words)] == [
        "No figure moved enough against the previous period to call for action."
    ]
    fell = r.suggestions(r.Figures(return_rate=r.Rate(0.06, 0.09, 500)), money_words)
    assert fell[0].zh.startswith("退货率由 9.0% 降至 6.0%")

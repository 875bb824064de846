"""The plain rules of the analyses (domain/analyses.py): correlation, ranking, staffing, words."""

from __future__ import annotations

from returnflow.domain import analyses as rules


def test_pearson_and_its_words() -> None:
    assert rules.pearson([1, 2, 3, 4], [2, 4, 6, 8]) == 1.0
    assert rules.pearson([1, 2, 3, 4], [8, 6, 4, 2]) == -1.0
    assert rules.pearson([1, 2], [1, 2]) is None  # fewer than 3 points
    assert rules.pearson([1, 1, 1], [1, 2, 3]) is None  # one side does not vary
    assert rules.strength(0.05).en == "no relation"
    assert rules.strength(-0.2).en == "weak negative"
    assert rules.strength(0.4).zh == "中等正相关" and rules.strength(0.7).en == "strong positive"
    assert rules.strength(None).en == "not enough data"


def test_problems_need_volume_and_lift_and_rank_by_excess() -> None:
    tallies = [
        rules.Tally("A", "c", 100, 10),  # 10 % against the category's 6 %: excess 4.0
        rules.Tally("B", "c", 400, 8),
        rules.Tally("C", "c", 19, 10),  # too few delivered
        rules.Tally("D", "c", 50, 2),  # too few returns
        rules.Tally("E", "c", 30, 6),  # 20 %: excess 4.2, the first
    ]
    ranked = rules.rank_problems(tallies)
    base = 36 / 599
    assert [r.tally.key for r in ranked] == ["E", "A"]  # B: 2 % is below the category
    assert ranked[1].category_rate == base and ranked[1].excess == 10 - base * 100
    assert round(ranked[0].lift, 2) == round(0.2 / base, 2)


def test_staffing_from_the_measured_pace() -> None:
    assert rules.inspectors_needed(1240, 120) == 11 and rules.inspectors_needed(0, 120) == 0
    done = [("a", "d1")] * 30 + [("b", "d1")] * 10 + [("a", "d2")] * 20
    assert rules.pace(done) == (20.0, 2)  # 60 inspections over 3 inspector-days; 2 a day usual
    assert rules.pace([]) == (float(rules.DEFAULT_INSPECTIONS_PER_DAY), 0)


def test_a_segment_in_words() -> None:
    overall = rules.Profile(1.5, 20_000, 0.5, 4.0)
    frequent = rules.describe(rules.Profile(4, 5_000, 0.8, 1.4), overall)
    assert frequent.en == "frequent low-value no-reason returners, mostly within 2 days of delivery"
    assert frequent.zh == "频繁退货、低货值、多为无理由的退货客户，多在签收后 2 天内退货"
    rare = rules.describe(rules.Profile(1, 40_000, 0.1, 0.5), overall)
    assert (
        rare.en == "occasional high-value fault-reason returners, mostly within 1 day of delivery"
    )
    assert rules.category_label("fresh_food").zh == "生鲜"
    assert rules.category_label("garden_tools").en == "Garden tools"

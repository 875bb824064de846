"""The scorecard figures, composite, ranking and trend (R11.2, R12.2): pure rules."""

from __future__ import annotations

from dataclasses import replace

from returnflow.domain.scorecards import (
    MerchantFigures,
    StaffFigures,
    Survey,
    median_hours,
    rank_merchants,
    team_line,
)

EMPTY = MerchantFigures(
    merchant_id="m-x", requests=0, decisions=0, approvals=0, answer_hours=(), overturned=0,
    disputes=0, rulings_against=0, units_delivered=0, units_returned=0, category_rate=None,
    survey=Survey(), charged_back=0,
)  # fmt: skip


def test_no_data_means_no_score_and_no_rates() -> None:
    assert EMPTY.score is None and EMPTY.parts() == {}
    assert (EMPTY.approval_rate, EMPTY.return_rate, EMPTY.median_answer_hours) == (None,) * 3


def test_each_part_is_scaled_and_clamped() -> None:
    slow = replace(EMPTY, answer_hours=(48.0, 100.0, 60.0))  # median 60 h: (72 − 60) / 48
    assert slow.parts() == {"speed": 0.25}
    assert replace(EMPTY, answer_hours=(2.0,)).parts() == {"speed": 1.0}
    returns = replace(EMPTY, units_delivered=10, units_returned=3, category_rate=0.2)
    assert returns.parts() == {"returns": 0.5}  # 0.3 is 1.5 × the category's 0.2
    worse = replace(returns, units_returned=5)
    assert worse.parts() == {"returns": 0.0}
    ruled = replace(EMPTY, requests=20, rulings_against=1)  # 1 per 20: half of the zero point
    assert ruled.parts() == {"rulings": 0.5}
    happy = replace(EMPTY, survey=Survey(2, 36))  # CSAT 4.5
    assert happy.survey.csat == 4.5 and happy.parts() == {"satisfaction": 0.875}
    assert happy.score is None  # one part is not enough to rank on
    assert replace(happy, answer_hours=(2.0,)).score == 93.8  # (1.0 + 0.875) / 2


def test_ranking_is_best_first_and_unscored_last_with_a_trend() -> None:
    quick = replace(EMPTY, answer_hours=(2.0,))  # speed 1.0
    good = replace(quick, merchant_id="m-good", survey=Survey(1, 20))  # (1 + 1) / 2: 100
    fair = replace(quick, merchant_id="m-fair", survey=Survey(1, 4))  # (1 + 0) / 2: 50
    idle = replace(EMPTY, merchant_id="m-idle")
    cards = rank_merchants([idle, fair, good], {"m-fair": 60.0})
    assert [(c.figures.merchant_id, c.rank) for c in cards] == [
        ("m-good", 1), ("m-fair", 2), ("m-idle", 3),
    ]  # fmt: skip
    assert [c.trend for c in cards] == [None, -10.0, None]


def test_a_team_sums_its_people_and_takes_the_median_of_all_their_times() -> None:
    one = StaffFigures("agent:a", "agent", 2, (1.0, 3.0), 1, (5.0,), 1, Survey(1, 16), 0, 0)
    two = StaffFigures("agent:b", "agent", 1, (10.0,), 0, (), 0, Survey(1, 8), 4, 2)
    team = team_line("agent", [one, two])
    assert (team.requests_handled, team.median_review_hours, team.overturned) == (3, 3.0, 1)
    assert (team.survey.csat, team.inspections_per_hour) == (3.0, 2.0)
    assert median_hours([]) is None and two.median_complaint_hours is None


def test_a_merchant_with_only_a_return_rate_is_not_ranked_on_it() -> None:
    """No request in the period, no returns: one part (the return rate) is not a score."""
    quiet = replace(EMPTY, units_delivered=40, units_returned=0, category_rate=0.05)
    assert quiet.parts() == {"returns": 1.0} and quiet.score is None

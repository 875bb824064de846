"""The register's levels and the care rules, plain (issue 15, R10.1, R10.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from returnflow.domain.returner_care import Action, OutreachAsk, coupon_code, likely_cause
from returnflow.domain.risk_register import RiskEdit, RiskStatus, changes, edited, level_of, seeded
from returnflow.domain.text import DomainError

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)


def test_every_product_has_its_level() -> None:
    levels = {p * i: level_of(p * i).value for p in range(1, 6) for i in range(1, 6)}
    assert [r for r, lv in levels.items() if lv == "low"] == [1, 2, 3, 4]
    assert sorted(r for r, lv in levels.items() if lv == "medium") == [5, 6, 8, 9]
    assert sorted(r for r, lv in levels.items() if lv == "high") == [10, 12, 15, 16]
    assert sorted(r for r, lv in levels.items() if lv == "critical") == [20, 25]


def test_an_edit_is_checked_and_its_changes_named() -> None:
    risk = seeded(NOW, "system")[0]
    edit = RiskEdit(4, 4, "li.na", risk.mitigation + "\r\n", RiskStatus.MITIGATING, None)
    after = edited(risk, edit, "manager:x", NOW)
    assert changes(risk, after) == {
        "probability": ["3", "4"],
        "impact": ["3", "4"],
        "owner": ["", "li.na"],
        "status": ["identified", "mitigating"],
    }  # the CRLF a form sends is no change of the mitigation
    with pytest.raises(DomainError) as refused:
        edited(risk, RiskEdit(0, 4, "", "x", RiskStatus.CLOSED, None), "m", NOW)
    assert refused.value.code == "invalid_probability"


def test_outreach_asks_and_words() -> None:
    OutreachAsk("size", Action.SIZE_GUIDE, "", "https://a.example/size", 0).check()
    for ask, code in [
        (OutreachAsk("size", Action.SIZE_GUIDE, "", "http://a.example/x", 0), "invalid_link"),
        (OutreachAsk("colour", Action.ADVICE, "hi", "", 0), "invalid_theme"),
        (OutreachAsk("size", Action.COUPON, "", "", 10_001), "invalid_coupon_value"),
    ]:
        with pytest.raises(DomainError) as refused:
            ask.check()
        assert refused.value.code == code
    assert (
        "impulse" in likely_cause("no_reason").en
        and "listing" in likely_cause("not_as_described").en
    )
    assert coupon_code("c-1", "k") == coupon_code("c-1", "k") != coupon_code("c-1", "k2")

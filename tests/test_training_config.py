"""The refund gate's amount is a setting (issue 17): RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN
is read through config.Settings like every other setting, never from os.environ."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from returnflow.config import Settings
from returnflow.domain.training import REFUND_ABOVE_FEN
from returnflow.services.training import TrainingRules


def test_the_refund_gate_amount_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN", raising=False)
    assert Settings().certified_refund_above_fen == REFUND_ABOVE_FEN == 20_000
    monkeypatch.setenv("RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN", "5000")
    assert TrainingRules.configured().refund_above == 5000
    assert TrainingRules.from_settings(Settings(certified_refund_above_fen=0)).refund_above == 0


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_a_bad_amount_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN", value)
    with pytest.raises(ValidationError):
        Settings()

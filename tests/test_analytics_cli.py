"""`returnflow analytics rebuild` as a user runs it (issue 14, R9.4): the rollups are
recomputed from the raw tables of the configured database and the count is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from returnflow.cli import app


def test_rebuild_fills_the_rollups_from_the_raw_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", url)
    monkeypatch.setenv("RETURNFLOW_MAIL_DIR", str(tmp_path / "mail"))
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO orders (order_no, merchant_id, customer_id, currency, placed_at, "
                "delivered_at, shipping_fee, return_shipping_insurance, payment_method, "
                "payment_transaction_id, imported_at, updated_at) VALUES ('O1', 'm-a', 'c-1', "
                "'CNY', '2026-11-01 00:00:00', '2026-11-02 17:00:00', 0, 0, 'alipay', 't', "
                "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO order_lines (order_id, line_no, sku, title, category, unit_price, "
                "quantity, discount, flags) VALUES (1, 1, 'A1', 't', 'baby', 100, 3, 0, '[]')"
            )
        )
    result = CliRunner().invoke(app, ["analytics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rollups rebuilt" in result.output
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT day, units_delivered, orders FROM analytics_return_days")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("2026-11-03", 3, 1)]  # 17:00 UTC is the next local day

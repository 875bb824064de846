"""Risk at intake in the staff console (issue 15, R10.3), on SQLite and PostgreSQL: the
request page's panel (agents see it, merchants never), mark fraud / safe with CSRF, the
watch list page (add, page, remove, bad input)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.web.i18n import catalog_files
from returnflow.web.templating import TEMPLATES
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]


def _risky_request(client: TestClient, order_payload: OrderPayload) -> str:
    """c-1 files with a contact phone that is not the order's, sharing c-2's device."""
    other = order_payload(
        order_no="SO-2",
        customer={"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "l@ex.cn"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201
    body: dict[str, Any] = {
        "order_no": "SO-2",
        "type": "refund",
        "device_id": "dev-1",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    assert client.post("/api/v1/returns", json=body).status_code == 201
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {**body, "order_no": "SO-1001", "contact": {"phone": "13600000000"}}
    answer = client.post("/api/v1/returns", json=body).json()
    assert answer["risk"]["score"] == 35  # linked (25) + contact (10)
    return str(answer["rma_no"])


def test_agents_see_the_panel_and_judge_merchants_never_see_it(
    client: TestClient,
    context: AppContext,
    order_payload: OrderPayload,
    tokens: Callable[..., str],
) -> None:
    rma = _risky_request(client, order_payload)
    tokens(Role.AGENT, username="li.na")
    tokens(Role.MERCHANT, "m-babycare", username="shop")
    with sign_in(context, "li.na") as agent:
        page = agent.get(f"/staff/returns/{rma}", params={"lang": "en"})
        assert page.status_code == 200
        assert 'data-risk-score="35"' in page.text and 'data-risk-level="low"' in page.text
        assert 'data-signal="linked_accounts"' in page.text
        assert "Linked to 1 other account by a shared device" in page.text
        assert 'data-signal="contact_mismatch"' in page.text
        no_csrf = agent.post(f"/staff/returns/{rma}/risk/feedback", data={"verdict": "safe"})
        assert no_csrf.status_code == 403
        token = csrf_from(page.text)
        bad = agent.post(
            f"/staff/returns/{rma}/risk/feedback",
            data={"verdict": "maybe", "csrf_token": token},
        )
        assert bad.status_code == 422 and "判定只能是欺诈或安全" in bad.text
        judged = agent.post(
            f"/staff/returns/{rma}/risk/feedback",
            data={"verdict": "fraud", "note": "same device", "csrf_token": token},
            follow_redirects=False,
        )
        assert judged.status_code == 303
        again = agent.get(f"/staff/returns/{rma}")
        assert 'data-verdict="fraud"' in again.text and "same device" in again.text
        assert "判定为安全" in again.text  # the zh buttons
        assert agent.get("/staff/risk/watch-list").status_code == 403  # manage only
    with sign_in(context, "shop") as merchant:
        page = merchant.get(f"/staff/returns/{rma}")
        assert page.status_code == 200
        assert "data-risk-score" not in page.text and "data-signal" not in page.text
        token = csrf_from(page.text)
        refused = merchant.post(
            f"/staff/returns/{rma}/risk/feedback", data={"verdict": "safe", "csrf_token": token}
        )
        assert refused.status_code == 403


def test_watch_list_page_adds_pages_and_removes(
    context: AppContext, tokens: Callable[..., str], clock: FakeClock
) -> None:
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as manager:
        page = manager.get("/staff/risk/watch-list", params={"lang": "en"})
        assert page.status_code == 200 and "Nobody is on the watch list." in page.text
        token = csrf_from(page.text)
        bad = manager.post(
            "/staff/risk/watch-list",
            data={
                "customer_id": "c-9",
                "reason": "x",
                "last_day": "2020-01-01",
                "csrf_token": token,
            },
        )
        assert bad.status_code == 422 and "到期时间须在未来一年之内" in bad.text
        garbled = manager.post(
            "/staff/risk/watch-list",
            data={"customer_id": "c-9", "reason": "x", "last_day": "tomorrow", "csrf_token": token},
        )
        assert garbled.status_code == 422
        for n in range(27):
            made = manager.post(
                "/staff/risk/watch-list",
                data={"customer_id": f"c-{n}", "reason": f"why {n}", "csrf_token": token},
                follow_redirects=False,
            )
            assert made.status_code == 303
        first = manager.get("/staff/risk/watch-list")
        assert first.text.count("data-entry=") == 25 and 'data-total="27"' in first.text
        second = manager.get("/staff/risk/watch-list", params={"page": 2})
        assert second.text.count("data-entry=") == 2
        entry = re.search(r'data-entry="(\d+)" data-customer="c-0"', second.text)
        assert entry is not None
        removed = manager.post(
            f"/staff/risk/watch-list/{entry.group(1)}/remove",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        assert 'data-total="26"' in manager.get("/staff/risk/watch-list").text
        again = manager.post(
            f"/staff/risk/watch-list/{entry.group(1)}/remove", data={"csrf_token": token}
        )
        assert again.status_code == 404
        assert manager.get("/staff/risk/watch-list", params={"page": "x"}).status_code == 200


def test_every_risk_text_has_one_chinese_translation() -> None:
    """Both templates translated; no msgid of risk.po translated otherwise elsewhere."""
    by_file: dict[str, dict[str, str]] = {}
    for po in catalog_files("zh"):
        with po.open("rb") as handle:
            by_file[po.name] = {
                str(m.id): str(m.string) for m in read_po(handle) if m.id and m.string
            }
    merged = {k: v for entries in by_file.values() for k, v in entries.items()}
    mine = by_file.pop("risk.po")
    clashes = [
        (name, msgid)
        for name, theirs in by_file.items()
        for msgid in mine.keys() & theirs.keys()
        if theirs[msgid] != mine[msgid]
    ]
    assert clashes == []
    missing = []
    for name in ("staff/_risk.html", "staff/risk_watch_list.html"):
        with (Path(TEMPLATES) / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(
                handle, ["_", "gettext"], [], {"extensions": "jinja2.ext.i18n"}
            ):
                text = message if isinstance(message, str) else (message or (None,))[0]
                if text and text not in merged:
                    missing.append((name, text))
    assert missing == []

"""The satisfaction survey's pages: the portal's form in both languages, the staff report."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.apps import shared_app
from tests.test_console_pages import sign_in
from tests.test_portal_pages import SECRET, _alert, _filed, _open

OrderPayload = Callable[..., dict[str, Any]]


@pytest.fixture
def web(
    context: AppContext, client: TestClient, order_payload: OrderPayload, tmp_path: Path
) -> Iterator[TestClient]:
    """A customer's browser (as tests/test_portal_pages.py builds it), one order on file."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": SECRET}
    )
    portal = dataclasses.replace(context, settings=settings)
    with TestClient(shared_app(portal), follow_redirects=False) as browser:
        yield browser


EN = {"Accept-Language": "en"}
ANSWERS = {"speed": "5", "attitude": "4", "effectiveness": "5", "process": "3", "nps": "9"}


def _done(web: TestClient, client: TestClient) -> str:
    """A reissue filed in the portal and completed by the bus once the parts are sent."""
    order_url = _open(web)
    request_url, rma = _filed(
        web, order_url, type="reissue", reason="missing_parts", qty_1="0", qty_2="1"
    )
    assert client.post(f"/api/v1/returns/{rma}/reissue").status_code == 200
    return request_url


def test_the_survey_in_chinese(web: TestClient, client: TestClient) -> None:
    order_url = _open(web)
    early_url, _ = _filed(web, order_url)  # a refund, waiting for the goods
    early = web.get(f"{early_url}/survey").text
    assert 'data-empty="survey"' in early and "申请处理完成后即可参与满意度调查" in early
    request_url = _done(web, client)
    page = web.get(request_url).text
    assert 'data-link="survey"' in page and "满意度调查" in page
    form = web.get(f"{request_url}/survey").text
    assert "响应速度" in form and "服务态度" in form and "解决效果" in form and "办理流程" in form
    assert form.count('name="nps"') == 11 and form.count('name="speed"') == 5
    missing = web.post(f"{request_url}/survey", data={**ANSWERS, "process": ""})
    assert missing.status_code == 422 and _alert(missing.text) == "请为每一项打分"
    assert 'name="speed" value="5" required checked' in missing.text  # what was chosen stays
    bad = web.post(f"{request_url}/survey", data={**ANSWERS, "nps": "11", "comment": "快"})
    assert bad.status_code == 422 and _alert(bad.text) == "推荐意愿须为 0 到 10 分"
    assert ">快</textarea>" in bad.text
    done = web.post(f"{request_url}/survey", data={**ANSWERS, "comment": "补发很快"})
    assert done.status_code == 303
    shown = web.get(done.headers["location"]).text
    assert "感谢您参与满意度调查" in shown and 'data-answered="yes"' in shown
    assert re.search(r'data-dimension="nps">9 / 10<', shown)
    assert "补发很快" in shown
    again = web.post(f"{request_url}/survey", data=ANSWERS)
    assert again.status_code == 409 and _alert(again.text) == "您已提交过满意度调查"


def test_the_survey_in_english(web: TestClient, client: TestClient) -> None:
    request_url = _done(web, client)
    form = web.get(f"{request_url}/survey", headers=EN).text
    assert "Satisfaction survey" in form and "Effectiveness" in form
    assert "How likely are you to recommend us" in form
    bad = web.post(f"{request_url}/survey", data={**ANSWERS, "attitude": "0"}, headers=EN)
    assert _alert(bad.text) == "“Attitude” is scored 1 to 5"
    done = web.post(f"{request_url}/survey", data=ANSWERS, headers=EN)
    shown = web.get(done.headers["location"], headers=EN).text
    assert "Thank you for answering the survey" in shown
    assert re.search(r'data-dimension="speed">5 of 5<', shown)


def test_the_staff_report(
    web: TestClient, client: TestClient, context: AppContext, tokens: object
) -> None:
    request_url = _done(web, client)
    assert web.post(f"{request_url}/survey", data=ANSWERS).status_code == 303
    tokens(Role.FINANCE, username="fay")  # type: ignore[operator]
    with sign_in(context, "fay") as finance:
        assert 'data-link="satisfaction"' in finance.get("/staff/finance").text
        page = finance.get("/staff/reports/satisfaction").text
        assert "按客服和商家统计的满意度" in page
        assert 'data-agent="admin:root"' in page and 'data-nps="100.0"' in page
        english = finance.get("/staff/reports/satisfaction?by=merchant", headers=EN).text
        assert "Satisfaction by agent and merchant" in english
        assert 'data-merchant="m-babycare"' in english
        assert re.search(r'data-dimension="process">3.00<', english)
    tokens(Role.AGENT, username="li.na")  # type: ignore[operator]
    with sign_in(context, "li.na") as agent:
        assert agent.get("/staff/reports/satisfaction").status_code == 403

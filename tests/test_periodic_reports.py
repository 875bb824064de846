"""The periodic report over a planted marketplace (issue 14, R9.3), SQLite and PostgreSQL.

tests/api/test_analytics_planted.py plants it. Counted by hand for the week Monday
2026-11-02 .. Sunday 11-08 (CST delivery days): O1 (11-03, 2 + 1 units) and O2 (11-04,
3 units) are delivered, 6 units; counted returns R1 (1 unit) and R3 (2 units), R2 is
rejected and R6 cancelled: 3 ÷ 6 = 50.0 %. The week before (10-26 .. 11-01): O4 (1 unit)
and O5 (5 units), R5 returns 2: 2 ÷ 6 = 33.3 %.
"""

from __future__ import annotations

import io
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app as cli_app
from returnflow.domain import reports as rules
from returnflow.domain.access import Role
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import SmtpMailer
from returnflow.services import analytics, reports
from returnflow.storage.schema import OutboxRow, UserRow
from tests.api.test_analytics_planted import plant, utc
from tests.support.smtp import SmtpSink
from tests.test_console_pages import csrf_of_session, sign_in

WEEK = rules.ReportPeriod("week", date(2026, 11, 2), date(2026, 11, 8))


def _prepare(context: AppContext, tokens: object) -> None:
    plant(context)
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())
    tokens(Role.MANAGER, username="wang.jing")  # type: ignore[operator]
    with context.session_factory() as s, s.begin():
        s.execute(update(UserRow).where(UserRow.username == "wang.jing").values(email="w@x.cn"))
    with context.uow() as uow:
        user = uow.session.scalar(select(UserRow.id).where(UserRow.username == "wang.jing"))
        assert user is not None
        reports.subscribe(uow, user, ["week"], "en", context.clock())
        uow.commit(context.clock())


def _mails(context: AppContext) -> int:
    with context.session_factory() as s:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "report.mail")
        return s.scalar(query) or 0


def test_the_weekly_report_holds_the_hand_counted_numbers_and_mails_once(
    context: AppContext, tokens: object, smtp_server: SmtpSink
) -> None:
    _prepare(context, tokens)
    now = context.clock()
    with context.uow() as uow:
        made = reports.produce(uow, WEEK, "test", now)
        uow.commit(now)
    assert made.created and made.mailed == 1 and _mails(context) == 1
    with context.uow() as uow:
        again = reports.produce(uow, WEEK, "test", now)
        uow.commit(now)
    assert (again.created, again.report_id, _mails(context)) == (False, made.report_id, 1)

    with context.uow() as uow:
        pdf = reports.download(uow, made.report_id, "pdf", "zh")
        en = reports.download(uow, made.report_id, "pdf", "en")
        xlsx = reports.download(uow, made.report_id, "xlsx", "zh")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "50.0%" in text and "33.3%" in text and "退货率" in text
    assert "+16.7" in text  # percentage points against the week before
    en_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(en.content)).pages)
    assert "Return rate 50.0% (previous 33.3%), 3 of 6 units delivered" in en_text
    assert "not_as_described" not in en_text and "not as described" in en_text  # words, not codes

    book = load_workbook(io.BytesIO(xlsx.content))
    overview = {row[4]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert overview["return_rate"][2] == 0.5 and overview["return_rate"][3] == 0.3333
    assert overview["units_delivered"][2] == 6 and overview["units_returned"][2] == 3
    categories = {r[0]: r for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert categories["母婴 / Baby"][1:4] == (5, 3, 0.6)  # A1: 2 + 3 delivered, 1 + 2 back

    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    worker.dispatcher.run_once(context.clock())
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert isinstance(message, EmailMessage)
    assert message["To"] == "w@x.cn" and message["Subject"].startswith("ReturnFlow weekly report")
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["returnflow-week-2026-11-02-en.pdf", "returnflow-week-2026-11-02.xlsx"]
    body = message.get_body(("plain",))
    assert body is not None and "Return rate 50.0%" in body.get_content()
    assert "What to do:\n1. No figure moved enough" in body.get_content().replace(
        "\r\n", "\n"
    )  # 6 units: too few


def test_the_worker_produces_once_when_due_and_the_cli_writes_files(
    context: AppContext, tokens: object, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _prepare(context, tokens)
    worker = Worker(context)
    context.clock.now = utc(11, 8, 21, 59)  # type: ignore[attr-defined]  # Mon 05:59 CST
    # still Sunday in Shanghai: the week 10-26..11-01 and October are the newest due
    assert worker.reports.tick(context.clock()) == 2 and _mails(context) == 1  # weekly only
    context.clock.now = utc(11, 8, 22, 0)  # type: ignore[attr-defined]  # Mon 06:00 CST
    # as in the worker's tick, the rollups pass first: the report waits for them to hold
    # everything written before it fell due (here the first reports' mail rows, 21:59)
    worker.rollups.refresh(context.clock())
    assert worker.reports.tick(context.clock()) == 1
    assert worker.reports.tick(context.clock()) == 0 and _mails(context) == 2
    assert Worker(context).reports.tick(context.clock()) == 0  # a second worker: stored

    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", context.settings.database_url)
    out = f"{tmp_path}/out"
    result = CliRunner().invoke(cli_app, ["report", "--period", "week", "--end", "2026-11-08",
                                          "--out", out])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "already produced" in result.output and "returnflow-week-2026-11-02-zh.pdf" in result.output
    )
    written = sorted(p.name for p in Path(out).iterdir())
    assert written == [
        "returnflow-week-2026-11-02-en.pdf", "returnflow-week-2026-11-02-zh.pdf",
        "returnflow-week-2026-11-02.xlsx",
    ]  # fmt: skip
    assert _mails(context) == 2


def test_the_page_lists_downloads_and_subscribes(context: AppContext, tokens: object) -> None:
    _prepare(context, tokens)
    with context.uow() as uow:
        made = reports.produce(uow, WEEK, "test", context.clock())
        uow.commit(context.clock())
    tokens(Role.FINANCE, username="li.na")  # type: ignore[operator]
    with sign_in(context, "li.na") as finance:
        html = finance.get("/staff/reports/periodic").text
        assert f'data-report="{made.report_id}"' in html and "定期报告" in html
        assert "退货率 50.0%（上期 33.3%）" in html and "data-no-address" in html
        pdf = finance.get(f"/staff/reports/periodic/{made.report_id}.pdf?lang=en")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
        assert "returnflow-week-2026-11-02-en.pdf" in pdf.headers["content-disposition"]
        xlsx = finance.get(f"/staff/reports/periodic/{made.report_id}.xlsx")
        assert xlsx.headers["content-type"] == reports.XLSX and xlsx.content[:2] == b"PK"
        assert finance.get("/staff/reports/periodic/999999.pdf").status_code == 404
        csrf = csrf_of_session(context, finance)
        form = {"csrf_token": csrf, "kinds": ["week", "month"], "language": "zh"}
        refused = finance.post("/staff/reports/periodic/subscription", data=form,
                               headers={"Accept-Language": "en"})  # fmt: skip
        assert refused.status_code == 422 and "no mail address" in refused.text
    with sign_in(context, "wang.jing") as manager:
        csrf = csrf_of_session(context, manager)
        form = {"csrf_token": csrf, "kinds": ["week", "month"], "language": "zh"}
        done = manager.post("/staff/reports/periodic/subscription", data=form)
        assert done.status_code == 200 and 'data-subscribed="yes"' in done.text
        assert "周报、月报" in done.text and "w@x.cn" in done.text
        form["action"] = "unsubscribe"
        gone = manager.post("/staff/reports/periodic/subscription", data=form)
        assert 'data-subscribed="no"' in gone.text


def test_the_api_lists_reports_and_hands_out_their_files(
    context: AppContext, tokens: object, client: TestClient
) -> None:
    _prepare(context, tokens)
    with context.uow() as uow:
        made = reports.produce(uow, WEEK, "test", context.clock())
        uow.commit(context.clock())
    listed = client.get("/api/v1/reports")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["pages"]) == (1, 1)
    (report,) = body["reports"]
    assert (report["id"], report["kind"], report["start"]) == (made.report_id, "week", "2026-11-02")
    assert report["headline_en"].startswith("Return rate 50.0% (previous 33.3%)")
    assert report["suggestions_en"] == [
        "No figure moved enough against the previous period to call for action."
    ]
    pdf = client.get(report["files"]["pdf_en"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert len(pdf.content) == report["sizes"]["pdf_en"]
    xlsx = client.get(report["files"]["xlsx"])
    assert xlsx.headers["content-type"] == reports.XLSX
    missing = client.get("/api/v1/reports/999999.xlsx")
    assert missing.status_code == 404 and missing.json()["code"] == "report_not_found"

"""The periodic report (issue 14, R9.3): produce, store, mail to subscribers, list, download.

`produce(uow, period, by, now)` gathers the numbers (services/report_data.py), renders
the PDF in Chinese and in English (services/report_pdf.py) and the XLSX of its tables
(services/report_xlsx.py), stores them once per kind and first day, and puts one
`report.mail` message per subscriber into the outbox in the same transaction; the
worker mails it (jobs/reports.py) with the PDF in the subscriber's language and the
XLSX attached. Producing a period that exists returns it and mails nobody; two
producers racing lose on the unique key (`ConcurrentUpdate` at flush).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain import reports as rules
from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text
from returnflow.services import report_data
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.reports import ReportFiles, StoredReport, Subscription

__all__ = [
    "Prepared", "Produced", "ReportFile", "ReportPage", "StoredReport", "Subscription",
    "prepare", "produce",
]  # fmt: skip

MAIL_TOPIC = "report.mail"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Produced:
    report_id: int
    period: rules.ReportPeriod
    created: bool  # False: it existed already, nothing was stored or mailed
    mailed: int  # subscribers put in the outbox


@dataclass(frozen=True, slots=True)
class ReportPage:
    reports: tuple[StoredReport, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str


def render(data: report_data.ReportData, now: datetime) -> ReportFiles:
    # reportlab, matplotlib and openpyxl load with the first report made, not with every
    # API process (issue 11: RSS)
    from returnflow.services import report_pdf, report_xlsx

    return ReportFiles(
        pdf_zh=report_pdf.render(data, "zh", now),
        pdf_en=report_pdf.render(data, "en", now),
        xlsx=report_xlsx.render(data),
    )


@dataclass(frozen=True, slots=True)
class Prepared:
    """A period's numbers rendered into files, not yet stored."""

    files: ReportFiles
    headline: Text
    summary: tuple[str, str]  # the suggestions, one a line (zh, en)


def prepare(reads: UnitOfWork, period: rules.ReportPeriod, now: datetime) -> Prepared:
    """Gather and render `period` in `reads` (the read path, `context.read_uow()`): the
    heavy part, done before the storing transaction so it holds no write lock."""
    data = report_data.gather(reads, period)
    summary = (
        "\n".join(s.zh for s in data.suggestions),
        "\n".join(s.en for s in data.suggestions),
    )
    return Prepared(render(data, now), data.headline, summary)


def produce(
    uow: UnitOfWork,
    period: rules.ReportPeriod,
    by: str,
    now: datetime,
    prepared: Prepared | None = None,
) -> Produced:
    """The report of `period`, stored once and mailed to its subscribers (`prepared`
    beforehand from the read path, else gathered and rendered here in `uow`)."""
    found = uow.reports.find(period.kind, period.start)
    if found is not None:
        return Produced(found, period, False, 0)
    made = prepared or prepare(uow, period, now)
    headline = made.headline
    report_id = uow.reports.add(
        period.kind, (period.start, period.end), made.files, (headline.zh, headline.en),
        made.summary, by, now,
    )  # fmt: skip
    recipients = uow.reports.recipients(period.kind)
    for who in recipients:
        payload = {"report_id": report_id, "to": who.address, "language": who.language}
        uow.outbox.put(MAIL_TOPIC, payload, now)
    return Produced(report_id, period, True, len(recipients))


def existing(uow: UnitOfWork, period: rules.ReportPeriod) -> int | None:
    """The stored report of `period`, if any: one lookup on the unique key."""
    return uow.reports.find(period.kind, period.start)


def listing(uow: UnitOfWork, page: int, size: int) -> ReportPage:
    total = uow.reports.count()
    pages = page_count(total, size)
    page = max(1, min(page, pages))
    found = uow.reports.listing((page - 1) * size, size)
    return ReportPage(tuple(found), total, page, pages)


def _missing() -> NotFound:
    return NotFound("report_not_found", Text("找不到这份报告", "The report was not found"))


def filename(report: StoredReport, fmt: str, language: str = "zh") -> str:
    stem = f"returnflow-{report.kind}-{report.start.isoformat()}"
    return f"{stem}.xlsx" if fmt == "xlsx" else f"{stem}-{language}.pdf"


def download(uow: UnitOfWork, report_id: int, fmt: str, language: str) -> ReportFile:
    """The PDF in `language` (zh | en) or the XLSX of a stored report."""
    report = uow.reports.get(report_id)
    if report is None:
        raise _missing()
    column = "xlsx" if fmt == "xlsx" else ("pdf_en" if language == "en" else "pdf_zh")
    content = uow.reports.file(report_id, column)
    if content is None:
        raise _missing()
    media = XLSX if fmt == "xlsx" else PDF
    return ReportFile(content, media, filename(report, fmt, language))


def subscription(uow: UnitOfWork, user_id: int) -> Subscription | None:
    return uow.reports.subscription(user_id)


def subscribe(
    uow: UnitOfWork, user_id: int, kinds: list[str], language: str, now: datetime
) -> None:
    """Subscribe a staff account (its notification address receives the mail)."""
    if not uow.reports.address_of(user_id):
        raise DomainError(
            "report_no_address",
            Text(
                "您的账号没有通知邮箱，请联系管理员添加",
                "Your account has no mail address for notices; ask an administrator to add one",
            ),
        )
    chosen = tuple(k for k in rules.KINDS if k in kinds)
    if not chosen:
        raise DomainError(
            "report_kind_unknown", Text("请选择周报或月报", "Choose weekly or monthly")
        )
    if language not in LANGUAGES:
        raise DomainError("language_unknown", Text("语言只能是中文或英文", "Chinese or English"))
    uow.reports.subscribe(user_id, chosen, language, now)


def has_address(uow: UnitOfWork, user_id: int) -> bool:
    return bool(uow.reports.address_of(user_id))


def unsubscribe(uow: UnitOfWork, user_id: int) -> bool:
    return uow.reports.unsubscribe(user_id)


@dataclass(frozen=True, slots=True)
class Mail:
    subject: str
    body: str
    files: tuple[ReportFile, ...]


PAGE = "/staff/reports/periodic"


def mail(uow: UnitOfWork, report_id: int, language: str) -> Mail | None:
    """A subscriber's mail: the PDF in their language and the XLSX attached."""
    report = uow.reports.get(report_id)
    if report is None:
        return None
    period = rules.ReportPeriod(rules.kind_of(report.kind), report.start, report.end)
    kind = rules.KIND_LABELS[period.kind].in_language(language)
    label = period.label.in_language(language)
    if language == "en":
        subject = f"ReturnFlow {kind.lower()}: {label}"
        body = (
            f"Hello,\n\nthe {kind.lower()} on returns for {label} "
            f"({report.start} to {report.end}, China Standard Time) is attached as a PDF, "
            f"with its tables as an Excel workbook.\n\n{report.headline_en}.\n\n"
            f"What to do:\n{_numbered(report.summary_en)}\n\n"
            f"Every report is also listed in the console under Reports: {PAGE}\n"
            "You receive this because you subscribed there; unsubscribe on the same page.\n\n"
            "— ReturnFlow Returns\n"
        )
    else:
        subject = f"ReturnFlow 退换货{kind}：{label}"
        body = (
            f"您好：\n\n{label}（{report.start} 至 {report.end}，北京时间）的退换货{kind}"
            f"已生成，PDF 报告与 Excel 数据表见附件。\n\n要点：{report.headline_zh}。\n\n"
            f"改进建议：\n{_numbered(report.summary_zh)}\n\n"
            f"历次报告也可在控制台「定期报告」页面查看：{PAGE}\n"
            "您收到此邮件是因为您在该页面订阅了报告，可在同一页面退订。\n\n"
            "— ReturnFlow 退换货平台\n"
        )
    files = (download(uow, report_id, "pdf", language), download(uow, report_id, "xlsx", language))
    return Mail(subject, body, files)


def _numbered(lines: str) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines.splitlines(), start=1))

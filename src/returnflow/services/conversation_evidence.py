"""The conversation in the evidence bundle (issue 13, R11.1, R14.2).

`records` turns the request's thread into JSON-ready rows (each message with its
author, local time, body and every attachment's name, SHA-256 and size, as recorded
when it was sent); the bundle writes them as `conversation.csv` and `conversation.json`,
the photos go under `photos/conversation/` (their hashes in the manifest like every
file), and the PDF summary gets a "Conversation" section.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from returnflow.domain.text import Text
from returnflow.services.unit_of_work import UnitOfWork

ZONE = ZoneInfo("Asia/Shanghai")
HEADING = Text("留言记录（北京时间）", "Conversation (China Standard Time)")
NONE = Text("无", "None")
COLUMNS = [
    "id",
    "at_local",
    "at",
    "author_kind",
    "author",
    "author_name",
    "body",
    "attachments",
    "attachment_sha256",
]


class Lines(Protocol):
    """The PDF page's cursor (services/evidence_pdf.py `_Page`)."""

    def heading(self, text: str) -> None: ...

    def line(self, text: str, size: float = 9) -> None: ...


def records(uow: UnitOfWork, rma_no: str) -> list[dict[str, Any]]:
    """Every message of the request, oldest first, as the bundle shows it."""
    return [
        {
            "id": m.id,
            "at": m.created_at.isoformat(),
            "at_local": m.created_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S (UTC+8)"),
            "author_kind": m.author.kind.value,
            "author": m.author.actor,
            "author_name": m.author.name,
            "body": m.body,
            "attachments": [
                {"name": a.name, "sha256": a.sha256, "size": a.size} for a in m.attachments
            ],
        }
        for m in uow.conversations.thread(rma_no)
    ]


def photos(conversation: list[dict[str, Any]] | None) -> dict[str, list[str]]:
    """The attachments as one more kind of photo in the bundle (none: nothing)."""
    names = [a["name"] for m in conversation or [] for a in m["attachments"]]
    return {"conversation": names} if names else {}


def files(conversation: list[dict[str, Any]] | None) -> dict[str, bytes]:
    """`conversation.csv` (Excel opens it as UTF-8) and `conversation.json`."""
    rows = conversation or []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for m in rows:
        writer.writerow(
            {
                **m,
                "attachments": " ".join(a["name"] for a in m["attachments"]),
                "attachment_sha256": " ".join(a["sha256"] for a in m["attachments"]),
            }
        )
    dumped = json.dumps(rows, ensure_ascii=False, indent=2).encode()
    return {
        "conversation.csv": ("\ufeff" + buffer.getvalue()).encode(),
        "conversation.json": dumped,
    }


def pdf_section(page: Lines, conversation: list[dict[str, Any]] | None, language: str) -> None:
    """The PDF's "Conversation" section: who, when, what, and each photo's SHA-256."""
    say: Callable[[Text], str] = lambda words: words.in_language(language)  # noqa: E731
    page.heading(say(HEADING))
    if not conversation:
        page.line(say(NONE))
        return
    for m in conversation:
        who = f"{m['author_kind']} {m['author_name'] or m['author']}".strip()
        page.line(f"{m['at_local']}  #{m['id']}  {who}")
        page.line(f"    {m['body']}")
        for a in m["attachments"]:
            page.line(f"    {a['name']}  sha256 {a['sha256']}", size=7)

"""Dead letters by hand (issue 11): list the outbox rows given up, and re-drive them.

After `OUTBOX_MAX_ATTEMPTS` failed attempts a message is marked failed and stays so:
the outside system was down longer than the backoff lasted, or a consumer had a bug.
Once that is mended an operator re-drives the rows (`returnflow outbox redrive`): each
is due again at once with its attempts counted from nothing, and is delivered like a
new message, by the worker or, with a broker, published again by the relay under a new
stamp. A stale copy of it in the broker's dead-letter queue (`<queue>.XQ`) is harmless:
the actor takes a row only by id and its current stamp (storage/outbox_relay.py).

Asking for ids that are unknown or not failed refuses the whole re-drive, so a typo
never re-drives half a list; every re-drive is logged with who asked and which ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.outbox_failures import FailedMessage

__all__ = ["FailedMessage", "FailedPage", "Selection", "failed", "redrive"]

log = logging.getLogger("returnflow.outbox")
MAX_PAGE_SIZE = 200
MAX_IDS = 1000  # ids named on one command line


@dataclass(frozen=True, slots=True)
class FailedPage:
    messages: tuple[FailedMessage, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Selection:
    """Which failed rows: these ids, or every one of a topic, or (neither) all of them."""

    ids: tuple[int, ...] = ()
    topic: str | None = None
    everything: bool = False


def failed(uow: UnitOfWork, page: int, size: int, topic: str | None = None) -> FailedPage:
    """One page of the failed rows, newest failure first (a page past the last: the last)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    found = uow.outbox.failures
    total = found.count(topic)
    pages = page_count(total, size)
    page = max(1, min(page, pages))
    rows = found.listing((page - 1) * size, size, topic)
    return FailedPage(tuple(rows), total, page, pages)


def redrive(uow: UnitOfWork, chosen: Selection, actor: str, now: datetime) -> list[int]:
    """Make the chosen failed rows due again at `now`, attempts reset; the ids re-driven.

    Named ids must all be failed rows, or nothing is re-driven (`DomainError`).
    """
    _check(chosen)
    failures = uow.outbox.failures
    ids: Sequence[int] | None = None
    if chosen.ids:
        ids = sorted(set(chosen.ids))
        standing = failures.standing(ids)
        if standing.unknown or standing.not_failed:
            raise _not_redrivable(standing.unknown, standing.not_failed)
    done = failures.redrive(ids, chosen.topic, now)
    shown = ", ".join(map(str, done[:50])) + (" …" if len(done) > 50 else "")
    log.warning(
        "outbox re-drive by %s: %d failed message(s) due again (%s) [ids: %s]",
        actor,
        len(done),
        _described(chosen),
        shown or "none",
    )
    return done


def _check(chosen: Selection) -> None:
    named = sum((bool(chosen.ids), chosen.topic is not None, chosen.everything))
    if named != 1:
        raise DomainError(
            "redrive_selection",
            Text(
                "请只指定一种：--id（可多个）、--topic 或 --all",
                "Name exactly one of: --id (repeatable), --topic or --all",
            ),
        )
    if len(chosen.ids) > MAX_IDS:
        raise DomainError(
            "redrive_too_many",
            Text("一次最多 {n} 个编号", "At most {n} ids at a time").format(n=MAX_IDS),
        )
    if any(i <= 0 for i in chosen.ids):
        raise DomainError(
            "redrive_bad_id", Text("编号必须是正整数", "An id is a positive whole number")
        )


def _not_redrivable(unknown: Sequence[int], not_failed: Sequence[int]) -> DomainError:
    parts_zh, parts_en = [], []
    if unknown:
        listed = ", ".join(map(str, unknown))
        parts_zh.append(f"不存在的消息：{listed}")
        parts_en.append(f"no such message: {listed}")
    if not_failed:
        listed = ", ".join(map(str, not_failed))
        parts_zh.append(f"未失败（已发送或仍在等待）：{listed}")
        parts_en.append(f"not failed (sent or still waiting): {listed}")
    return DomainError(
        "redrive_not_failed",
        Text(
            "未重新投递任何消息。" + "；".join(parts_zh),
            "Nothing was re-driven: " + "; ".join(parts_en),
        ),
    )


def _described(chosen: Selection) -> str:
    if chosen.ids:
        return "ids asked: " + ", ".join(map(str, sorted(set(chosen.ids))[:50]))
    if chosen.topic is not None:
        return f"topic {chosen.topic}"
    return "all"

"""The statements an engine sends while a block runs: the tests that pin issue 11's
statement counts read them (each one's SQL on one line, cut to 160 characters)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from returnflow.app_context import AppContext


@contextmanager
def counting(context: AppContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def statement(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split())[:160])

    event.listen(context.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(context.engine, "before_cursor_execute", statement)

"""One way to perform a step: open a unit of work, call the service, commit at `now`.

The API lets refusals rise to the one error mapping (`entrypoints/problems.py`); a page
uses `attempt`, which turns a refusal into a `Refused` it can show beside the form,
while "not found" and "forbidden" still rise to the shared 404/403 pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.problems import CONCURRENT_TEXT, status_for
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

T = TypeVar("T")
Step = Callable[[UnitOfWork, datetime], T]


@dataclass(frozen=True, slots=True)
class Refused:
    """A step the rules refused: the page shows `message` with HTTP `status`."""

    status: int
    code: str
    message: Text


def perform(context: AppContext, step: Step[T]) -> T:
    """Run `step` in one transaction and commit it; whatever it returns is returned."""
    with context.uow() as uow:
        return perform_in(context, uow, step)


def perform_in(context: AppContext, uow: UnitOfWork, step: Step[T]) -> T:
    """`perform` in a unit of work already open (deps.AllowedWork's, where the caller was
    recognised): the same step and commit, on the connection the request already holds."""
    now = context.clock()
    result = step(uow, now)
    uow.commit(now)
    return result


def perform_read(context: AppContext, step: Step[T]) -> T:
    """`perform` on the read path (`context.read_uow()`, a replica when one is set), for
    reports and analytics, which write nothing: no commit, and a write fails loudly."""
    with context.read_uow() as uow:
        return step(uow, context.clock())


def attempt(context: AppContext, step: Step[T]) -> T | Refused:
    """`perform`, with a refusal or a lost race returned instead of raised (for pages)."""
    try:
        return perform(context, step)
    except (NotFound, Forbidden):
        raise
    except ConcurrentUpdate:
        return Refused(409, "concurrent_update", CONCURRENT_TEXT)
    except DomainError as refused:
        return Refused(status_for(refused), refused.code, refused.message)

"""Slowing down guessing at sign-in, the two-step code and the portal's order look-up.

Every guarded try is counted before the secret is checked, in its own short
transaction, on two keys (services/throttling.py):
- the *specific* key (username or order, plus the source address) slows down: five
  tries, then waits that double from 30 seconds to 15 minutes; a success clears it;
- the *source* key locks one address for 15 minutes after many tries on any name or
  order (spraying), and a success gives its try back.
Nothing is keyed on the username or order alone, so someone else's guesses cannot
lock the admin out: a right password from another address still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request

from returnflow.app_context import AppContext
from returnflow.domain.throttling import Rule, TooManyAttempts
from returnflow.entrypoints.client_address import client_address
from returnflow.entrypoints.steps import perform
from returnflow.services import throttling

__all__ = ["Guard", "TooManyAttempts", "lookup", "passed", "second_step", "sign_in", "take"]

SLOW_DOWN = Rule(
    free=5, window=timedelta(hours=1), backoff=timedelta(seconds=30), max_wait=timedelta(minutes=15)
)
_LOCK = timedelta(minutes=15)


def _lock_after(tries: int) -> Rule:
    return Rule(free=tries, window=_LOCK, backoff=_LOCK, max_wait=_LOCK)


@dataclass(frozen=True)
class Guard:
    """The two counters one try is counted on."""

    specific: tuple[str, Rule]
    source: tuple[str, Rule]


def source_of(request: Request, context: AppContext) -> str:
    return client_address(request, context.settings.trusted_proxies)


def sign_in(request: Request, context: AppContext, username: str) -> Guard:
    source = source_of(request, context)
    name = username.strip().lower()[:64]
    return Guard(
        (f"login:{name}@{source}", SLOW_DOWN),
        (f"login-source:{source}", _lock_after(context.settings.sign_in_tries_per_source)),
    )


def second_step(request: Request, context: AppContext, user_id: int) -> Guard:
    """Codes are guessed like passwords; the source's sign-in lock covers both."""
    source = source_of(request, context)
    return Guard(
        (f"totp:{user_id}@{source}", SLOW_DOWN),
        (f"login-source:{source}", _lock_after(context.settings.sign_in_tries_per_source)),
    )


def lookup(request: Request, context: AppContext, order_no: str) -> Guard:
    """Per order and address, and a higher per-address limit: one NAT, many customers."""
    source = source_of(request, context)
    order = order_no.strip().lower()[:64]
    return Guard(
        (f"portal:{order}@{source}", SLOW_DOWN),
        (f"portal-source:{source}", _lock_after(context.settings.lookup_tries_per_source)),
    )


def take(context: AppContext, guard: Guard, now: datetime) -> None:
    """Count this try, committed before the secret is checked; refuse when it must wait."""
    perform(context, lambda uow, _: throttling.take(uow, [guard.specific, guard.source], now))


def passed(context: AppContext, guard: Guard, now: datetime) -> None:
    """The secret was right: the specific count starts again, the source gets its try back."""
    perform(context, lambda uow, _: throttling.passed(uow, guard.specific[0], [guard.source]))

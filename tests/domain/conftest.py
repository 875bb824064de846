"""Fixtures for the domain tests: factories for orders, lines and requests.

The same helpers are plain functions in `tests.domain.builders`, for the property-based
tests (hypothesis does not mix well with function-scoped fixtures).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import DEFAULT_POLICY, PolicyVersion
from returnflow.domain.returns import ReturnRequest
from tests.domain import builders


@pytest.fixture
def make_line() -> Callable[..., OrderLine]:
    return builders.make_line


@pytest.fixture
def make_order() -> Callable[..., Order]:
    return builders.make_order


@pytest.fixture
def open_request() -> Callable[..., ReturnRequest]:
    return builders.open_request


@pytest.fixture
def policy() -> PolicyVersion:
    return DEFAULT_POLICY


@pytest.fixture
def delivered_at() -> datetime:
    return builders.DELIVERED_AT

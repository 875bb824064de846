"""The base of every adapter that talks to an outside HTTP API (carriers, gateways).

Each adapter owns one `httpx.Client` (connection pooling, one timeout policy); this
gives them the same way to let go of it, as a context manager or by `close()`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx


class HttpAdapter:
    _client: httpx.Client

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

"""A local HTTP server that plays a carrier's API for the adapter tests.

Nothing here touches the internet: the server binds 127.0.0.1 on a free port, and each
test file supplies the carrier's rules as a `route` function that checks a request the
way the real API would (signature, auth, fields) and answers with documented payloads.
The server can stall past the client's timeout or answer 500, which is where retryable
and final errors part ways.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> Any:
    """A documented sample answer, transcribed into tests/logistics/payloads."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Seen:
    """One request as the stand-in received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


Answer = tuple[int, Any]  # status and a JSON-able body
Route = Callable[[Seen], Answer]


@dataclass
class StandIn:
    route: Route
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    stall_next: int = 0
    fail_next: int = 0
    stall_seconds: float = 1.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        with self.lock:
            return [s.path for s in self.seen]


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            seen = Seen(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            with state.lock:
                state.seen.append(seen)
                stall = state.stall_next > 0
                state.stall_next -= 1 if stall else 0
                fail = not stall and state.fail_next > 0
                state.fail_next -= 1 if fail else 0
            if stall:
                time.sleep(state.stall_seconds)
            status, body = (500, {"message": "internal error"}) if fail else state.route(seen)
            raw = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = _serve
        do_POST = _serve

    return Handler


@contextmanager
def serve(route: Route) -> Iterator[StandIn]:
    state = StandIn(route)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """A URL nothing listens on: bound, then closed."""
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]
    return f"http://127.0.0.1:{port}"

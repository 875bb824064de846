"""An integrator's side of our outbound webhooks, for tests: the README's verification
snippet, verbatim, and a real HTTP server on 127.0.0.1 that hands each POST to a test's
stand-in and answers with the status it returns."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (path, headers, raw body) -> the HTTP status to answer
Handle = Callable[[str, dict[str, str], bytes], int]


def verify_returnflow_webhook(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """header: the X-ReturnFlow-Signature value; body: the raw request bytes, unparsed."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp, signature = int(parts["t"]), parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False  # too old or from the future: a replayed request
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@contextmanager
def receiving(handle: Handle) -> Iterator[str]:
    """Serve POSTs to `handle` while the block runs; yields the server's base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server calls it by this name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = handle(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()

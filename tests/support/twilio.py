"""A local stand-in for Twilio's Messages API: a real HTTP server on 127.0.0.1 in a thread.

It follows the documented request and answers: `POST /2010-04-01/Accounts/{Sid}/Messages.json`
with HTTP basic auth (account SID : auth token) and a form body (To, From, Body); 201 with
the message resource, 401 for wrong credentials, 400 (code 21211) for a bad `To`, 429
(code 20429) while `throttle` > 0, and 500 while `fail` > 0.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from returnflow.app_context import AppContext

SID, TOKEN, SENDER = "AC0123456789abcdef0123456789abcdef", "test-token", "+15005550006"


@dataclass
class TwilioStandIn:
    base_url: str = ""
    received: list[dict[str, str]] = field(default_factory=list)
    throttle: int = 0  # the next n requests answer 429
    fail: int = 0  # the next n requests answer 500
    requests: int = 0

    def answer(self, path: str, auth: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if auth != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        if self.throttle > 0:
            self.throttle -= 1
            return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}
        if self.fail > 0:
            self.fail -= 1
            return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
        if not form.get("To", "").strip() or not form.get("Body") or not form.get("From"):
            return 400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
        self.received.append(form)
        sid = f"SM{len(self.received):032d}"
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]}


def start_twilio() -> tuple[TwilioStandIn, ThreadingHTTPServer]:
    stand_in = TwilioStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("application/x-www-form-urlencoded"):
                status, body = 400, {"code": 20001, "message": "form body expected"}
            else:
                status, body = stand_in.answer(
                    self.path, self.headers.get("Authorization", ""), form
                )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stand_in, server


# a customer who gave only a phone number, and a refund request for their order SO-1001
PHONE = "+8613700137000"
PHONE_ONLY = {"id": "c-9", "name": "赵六", "phone": PHONE, "email": ""}
REFUND_REQUEST = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}


def texting(context: AppContext, stand_in: TwilioStandIn, **settings: Any) -> AppContext:
    """The context with SMS switched on against the stand-in (and any other settings)."""
    update = {
        "twilio_base_url": stand_in.base_url,
        "twilio_account_sid": SID,
        "twilio_auth_token": TOKEN,
        "twilio_from": SENDER,
        **settings,
    }
    return dataclasses.replace(context, settings=context.settings.model_copy(update=update))

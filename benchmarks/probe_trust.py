"""Issue 9's findings tried again as an attacker would, against a live server on loopback.

Starts `returnflow serve --demo --demo-orders 0` (with its worker, which pays refunds) on
a free port with every RETURNFLOW_* path inside a temporary directory, creates staff
accounts and tokens with the CLI on the same database, and runs each finding as a
bounded probe. Every probe stays on 127.0.0.0/8: sign-in probes pick their client's
source address within it (127.0.0.2, .3, …), because the server counts tries per source
address and trusts no forwarded header. Prints one row per probe (finding, what was
tried, whether it held: refused or safe as intended) and exits 1 if any did not hold.

    .venv/bin/python benchmarks/probe_trust.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
CLI = str(ROOT / ".venv" / "bin" / "returnflow")
PASSWORD = "probe-password-0123"
MB = 1024 * 1024
PAID = 800_000  # one ¥8,000.00 laptop


@dataclass
class Probe:
    """The live server, its accounts, and the rows of the table printed at the end."""

    base: str
    pid: int
    tokens: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, str, bool, str]] = field(default_factory=list)

    def check(self, finding: str, tried: str, held: bool, seen: str = "") -> None:
        self.rows.append((finding, tried, held, seen))

    def client(self, source: str = HOST, token: str | None = None) -> httpx.Client:
        """A client whose connections come from `source` (any address in 127.0.0.0/8)."""
        headers = {"Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        transport = httpx.HTTPTransport(local_address=source)
        return httpx.Client(base_url=self.base, headers=headers, transport=transport, timeout=60)


# --- the server and its accounts -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def environment(workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RETURNFLOW_DATABASE_URL": f"sqlite:///{workdir}/rf.db",
        "RETURNFLOW_UPLOAD_DIR": str(workdir / "uploads"),
        "RETURNFLOW_MAIL_DIR": str(workdir / "mail"),
        "RETURNFLOW_SANDBOX_STATE_FILE": str(workdir / "sandbox.json"),
        "RETURNFLOW_SECRETS_FILE": str(workdir / "secrets.json"),
        "RETURNFLOW_INSTANT_REFUND_ENABLED": "false",
        "RETURNFLOW_WORKER_INTERVAL_SECONDS": "0.5",
        "RETURNFLOW_SANDBOX_SETTLE_SECONDS": "1",
    }


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [CLI, "serve", "--demo", "--demo-orders", "0", "--host", HOST]
    command += ["--port", str(port)]
    log = (workdir / "server.log").open("wb")
    child = subprocess.Popen(
        command, env=environment(workdir), cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"the server exited: see {workdir}/server.log")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return child, base
        except httpx.TransportError:
            time.sleep(0.3)
    child.kill()
    raise SystemExit("the server did not answer /healthz in 120 s")


def cli(workdir: Path, *args: str) -> str:
    done = subprocess.run(
        [CLI, *args], env=environment(workdir), cwd=workdir, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"returnflow {' '.join(args[:2])} failed: {done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def accounts(probe: Probe, workdir: Path) -> None:
    for name, role in [("root", "admin"), ("ann", "agent"), ("mona", "manager")]:
        cli(workdir, "user", "add", name, "--role", role, "--password", PASSWORD)
        probe.tokens[name] = cli(workdir, "user", "token", name)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- data: an order of three laptops, an exchange back and inspected -----------------


def laptop_order(order_no: str, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    laptop = {
        "line_no": 1,
        "sku": "LAPTOP-14",
        "title": "轻薄笔记本 14 英寸",
        "category": "baby",
        "unit_price": PAID,
        "quantity": 3,
        "discount": 0,
        "flags": [],
    }
    return {
        "order_no": order_no,
        "merchant_id": "m-babycare",
        "customer": {
            "id": "c-1",
            "name": "王小明",
            "phone": "13800138000",
            "email": "x@example.com",
        },
        "currency": "CNY",
        "placed_at": (now - timedelta(days=5)).isoformat(),
        "delivered_at": (now - timedelta(days=2)).isoformat(),
        "shipping_fee": 0,
        "return_shipping_insurance": False,
        "payment": {"method": "alipay", "transaction_id": f"T-{order_no}"},
        "lines": lines or [laptop],
    }


def exchange_back_and_inspected(admin: httpx.Client) -> str:
    item = {"merchant_id": "m-babycare", "sku": "MOUSE-1", "title": "鼠标", "unit_price": 100}
    fed = admin.put("/api/v1/catalog/items", json={"items": [{**item, "available": 100}]})
    assert fed.status_code == 200, fed.text
    imported = admin.post("/api/v1/orders", json=laptop_order("SO-P1"))
    assert imported.status_code == 201, imported.text
    body = {
        "order_no": "SO-P1",
        "type": "exchange",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "wrong_item"}],
    }
    filed = admin.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    if filed.json()["status"] == "pending_review":
        approved = admin.post(f"/api/v1/returns/{rma}/approve")
        assert approved.status_code == 200, approved.text
    steps = [("ship", {"carrier": "SF", "tracking_no": "SF1000000001"}), ("receive", None)]
    for action, step in [*steps, ("inspect", {"passed": True})]:
        done = admin.post(f"/api/v1/returns/{rma}/{action}", json=step)
        assert done.status_code == 200, done.text
    return rma


# --- (1) money through the exchange price ----------------------------------------------


def money(probe: Probe) -> None:
    with probe.client(token="root") as admin, probe.client(token="ann") as agent:
        rma = exchange_back_and_inspected(admin)
        path = f"/api/v1/returns/{rma}/exchange-order"
        for field_, value in [("unit_price", 0), ("unit_price", 10**12), ("available", 10**6)]:
            item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1, field_: value}
            sent = agent.post(path, json={"items": [item]})
            probe.check(
                "1 money",
                f"agent exchange {field_}={value}",
                sent.status_code == 422,
                f"{sent.status_code} {sent.json().get('code')}",
            )
        item = {"line_no": 1, "sku": "MOUSE-1", "quantity": 1}  # catalogue: ¥1.00
        chosen = agent.post(path, json={"items": [item]})
        gap = chosen.json().get("exchange", {}).get("difference", {}).get("amount")
        wait_for_refund(admin, rma, lambda refund: bool(refund))
        time.sleep(3)  # several worker ticks: it must still wait for a manager
        refund = admin.get(f"/api/v1/refunds/{rma}").json()
        held = chosen.status_code == 201 and refund.get("status") == "awaiting_approval"
        held = held and refund.get("trigger") == "exchange_gap"
        held = held and (refund.get("requested_by"), refund.get("approved_by")) == (
            "agent:ann",
            None,
        )
        seen = f"{chosen.status_code} gap {gap}; {refund.get('status')} by "
        probe.check(
            "1 money",
            "agent gap ¥7,999 over ¥500 limit",
            held,
            seen + str(refund.get("requested_by")),
        )
        approvals(probe, agent, rma)
        paid = wait_for_refund(admin, rma, lambda refund: refund.get("status") == "succeeded")
        names = (paid.get("requested_by"), paid.get("approved_by"))
        probe.check(
            "1 money",
            "manager approves: paid once, both names",
            names == ("agent:ann", "manager:mona"),
            f"{paid.get('status')} {names}",
        )
        notices(probe, rma, paid)


def approvals(probe: Probe, agent: httpx.Client, rma: str) -> None:
    """The agent cannot approve its own gap; the manager can."""
    with probe.client(token="mona") as manager:
        queue = manager.get("/api/v1/finance/approvals").json()
        ids = [a["id"] for a in queue if a.get("subject") == rma]
        if not ids:
            probe.check("1 money", "gap queued for a manager", False, "not in the queue")
            return
        path = f"/api/v1/finance/approvals/{ids[0]}/approve"
        own = agent.post(path)
        probe.check(
            "1 money",
            "agent approves its own gap",
            own.status_code == 403,
            f"{own.status_code} {own.json().get('code')}",
        )
        approved = manager.post(path)
        assert approved.status_code == 200, approved.text


def wait_for_refund(
    admin: httpx.Client, rma: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        answer = admin.get(f"/api/v1/refunds/{rma}")
        body = answer.json() if answer.status_code == 200 else {}
        if done(body):
            break
        time.sleep(0.5)
    return body


# --- (2) forged settlement notices --------------------------------------------------------


def notices(probe: Probe, rma: str, refund: dict[str, Any]) -> None:
    event = {
        "type": "refund.settled",
        "refund": {
            "id": refund.get("gateway_refund_id") or "re_forged",
            "status": "failed",
            "amount": refund.get("amount", {}).get("amount", PAID),
            "currency": "CNY",
            "failure_reason": "forged",
            "metadata": {"rma_no": rma, "idempotency_key": refund.get("idempotency_key")},
        },
    }
    body = json.dumps(event).encode()
    forged = hmac.new(b"sandbox-secret", body, hashlib.sha256).hexdigest()
    with probe.client() as anonymous, probe.client(token="root") as admin:
        for tried, headers in [
            ("signed 'sandbox-secret'", {"Sandbox-Signature": forged}),
            ("unsigned", {}),
        ]:
            answer = anonymous.post(
                "/api/v1/payments/sandbox/notifications",
                content=body,
                headers={"Content-Type": "application/json", **headers},
            )
            code = answer.json().get("code")
            after = admin.get(f"/api/v1/refunds/{rma}").json().get("status")
            held = answer.status_code in (400, 401) and code == "signature_invalid"
            probe.check(
                "2 notices",
                f"sandbox notice {tried}",
                held and after == refund.get("status"),
                f"{answer.status_code} {code}; refund {after}",
            )


# --- (3) unbounded bodies before sign-in --------------------------------------------------


def stream(size: int) -> Iterator[bytes]:
    chunk = b" " * (64 * 1024)
    sent = 0
    while sent < size:
        yield chunk[: size - sent]
        sent += min(len(chunk), size - sent)


def bodies(probe: Probe) -> None:
    for size in (10 * MB, 100 * MB):
        for declared in (True, False):
            headers = {"Content-Type": "application/json"}
            if declared:
                headers["Content-Length"] = str(size)
            before = rss_mb(probe.pid)
            started = time.perf_counter()
            try:
                answer = httpx.post(
                    f"{probe.base}/api/v1/orders", content=stream(size), headers=headers, timeout=60
                )
                outcome = f"{answer.status_code} {answer.json().get('code', '')}"
                status = answer.status_code
            except httpx.TransportError as error:
                outcome, status = f"closed ({type(error).__name__})", 0
            seconds = time.perf_counter() - started
            after = rss_mb(probe.pid)
            how = "Content-Length" if declared else "chunked"
            held = status == 413 and seconds < 5 and after - before < 50
            seen = f"{outcome} {seconds:.2f} s, RSS {before:.0f}→{after:.0f} MB"
            probe.check("3 bodies", f"anonymous {size // MB} MB JSON, {how}", held, seen)


# --- (4) the 500s ---------------------------------------------------------------------


def png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def real_png(width: int, height: int) -> bytes:
    """A valid black image of that size: 144 megapixels is about 17 KB."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    parts = [packer.compress(row * 500) for _ in range(height // 500)]
    return png(width, height, b"".join([*parts, packer.flush()]))


def fives(probe: Probe) -> None:
    import base64

    bombs = [
        ("100-byte PNG 100000×100000", png(100_000, 100_000, zlib.compress(b"\0" * 16))),
        ("17 KB PNG of 144 MP", real_png(12_000, 12_000)),
    ]
    with probe.client(token="root") as admin:
        for name, data in bombs:
            photo = {"filename": "label.png", "content_base64": base64.b64encode(data).decode()}
            body = {"label_text": "无面单", "shelf": "U-01", "photos": [photo]}
            got = admin.post("/api/v1/receiving/unidentified", json=body)
            probe.check(
                "4 500s",
                f"unidentified parcel, {name}",
                got.status_code == 422,
                f"{got.status_code} {got.json().get('code')}",
            )
        for query in [
            "/api/v1/warehouse/figures?end=0001-01-03",
            "/api/v1/returns?page=²",
            "/api/v1/returns?page=" + "9" * 5000,
        ]:
            got = admin.get(query)
            probe.check(
                "4 500s",
                f"GET {shown(query)}",
                400 <= got.status_code < 500,
                f"{got.status_code} {got.json().get('code')}",
            )
        lines = [
            {
                "line_no": n,
                "sku": f"SKU-{n}",
                "title": f"商品 {n}",
                "category": "home",
                "unit_price": 10**12,
                "quantity": 100_000,
                "discount": 0,
                "flags": [],
            }
            for n in range(1, 101)
        ]
        got = admin.post("/api/v1/orders", json=laptop_order("SO-BIG", lines))
        probe.check(
            "4 500s",
            "order 100 lines × ¥10^10 × 100,000",
            got.status_code == 422,
            f"{got.status_code} {got.json().get('code')}",
        )
    pages(probe, bombs[0][1])
    receipts(probe)


@contextmanager
def signed_in(probe: Probe, source: str, username: str) -> Iterator[httpx.Client]:
    with probe.client(source) as client:
        client.follow_redirects = False
        token = csrf(client.get("/staff/login").text)
        data = {"username": username, "password": PASSWORD, "csrf_token": token}
        answer = client.post("/staff/login", data=data)
        assert answer.status_code == 303, f"sign-in as {username}: {answer.status_code}"
        yield client


def shown(text: str) -> str:
    """A query or value for the table: a run of 5000 digits is named, not printed."""
    return re.sub(r"(\d)\1{40,}", lambda run: f"<{len(run.group(0))}×{run.group(1)}>", text)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def pages(probe: Probe, bomb: bytes) -> None:
    with signed_in(probe, "127.0.0.9", "mona") as page:
        for query in [
            "/staff/receiving?code=X&parcel=²",
            "/staff/receiving?code=X&parcel=" + "9" * 5000,
            "/staff/warehouse/figures?end=0001-01-03",
            "/staff/returns?page=²",
        ]:
            got = page.get(query)
            probe.check(
                "4 500s", f"page GET {shown(query)}", got.status_code < 500, str(got.status_code)
            )
        token = csrf(page.get("/staff/receiving").text)
        for name, value in [("shelf", "U-01"), ("shelf", "²" * 3)]:
            got = page.post(
                "/staff/receiving/unidentified",
                data={"csrf_token": token, "label_text": "无面单", name: value},
                files=[("photos", ("label.png", bomb, "image/png"))],
            )
            probe.check(
                "4 500s",
                f"page unidentified bomb, {name}={value}",
                400 <= got.status_code < 500,
                str(got.status_code),
            )


def shipped_return(admin: httpx.Client) -> str:
    imported = admin.post("/api/v1/orders", json=laptop_order("SO-P2"))
    assert imported.status_code == 201, imported.text
    body = {
        "order_no": "SO-P2",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = str(admin.post("/api/v1/returns", json=body).json()["rma_no"])
    admin.post(f"/api/v1/returns/{rma}/approve")  # a ¥8,000 request waits for a person
    ship = {"carrier": "SF", "tracking_no": "SF1000000002"}
    shipped = admin.post(f"/api/v1/returns/{rma}/ship", json=ship)
    assert shipped.status_code == 200, shipped.text
    return rma


def receipts(probe: Probe) -> None:
    """Receipt form fields typed by a signed-in warehouse page: never a 500, nothing booked."""
    with probe.client(token="root") as admin, signed_in(probe, "127.0.0.9", "mona") as page:
        rma = shipped_return(admin)
        token = csrf(page.get("/staff/receiving", params={"code": rma}).text)
        fields = [("qty_1", "²"), ("qty_1", "9" * 5000), ("qty_²", "1"), ("parcel", "²")]
        for name, value in [*fields, ("parcel", "99999999999999")]:
            form = {"csrf_token": token, "code": rma, "qty_1": "1", name: value}
            got = page.post(f"/staff/receiving/{rma}/receipt", data=form)
            status = admin.get(f"/api/v1/returns/{rma}").json().get("status")
            probe.check(
                "4 500s",
                f"receipt form {name}={shown(value)}",
                got.status_code < 500 and status != "received",
                f"{got.status_code}; return {status}",
            )
        plain = {"csrf_token": token, "code": rma, "qty_1": "1"}
        control = page.post(f"/staff/receiving/{rma}/receipt", data=plain)
        status = admin.get(f"/api/v1/returns/{rma}").json().get("status")
        probe.check(
            "4 500s",
            "control: the same form, plain values",
            control.status_code == 303 and status == "received",
            f"{control.status_code}; return {status}",
        )


# --- (5) brute force ----------------------------------------------------------------------


def sign_in_statuses(
    probe: Probe,
    source: str,
    tries: list[tuple[str, str]],
    headers: Callable[[int], dict[str, str]] = lambda n: {},
) -> list[int]:
    with probe.client(source) as client:
        token = csrf(client.get("/staff/login").text)
        return [
            client.post(
                "/staff/login",
                headers=headers(n),
                data={"username": name, "password": password, "csrf_token": token},
            ).status_code
            for n, (name, password) in enumerate(tries)
        ]


def brute_force(probe: Probe) -> None:
    burst = 60
    with probe.client("127.0.0.2") as client:
        client.follow_redirects = False
        token = csrf(client.get("/staff/login").text)
        start = threading.Barrier(burst)
        statuses: list[int] = []

        def guess(number: int) -> None:
            data = {"username": "root", "password": f"wrong {number}", "csrf_token": token}
            start.wait()
            statuses.append(client.post("/staff/login", data=data).status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    checked = statuses.count(401)
    probe.check(
        "5 brute force",
        "60 concurrent wrong admin passwords",
        checked <= 5 and statuses.count(429) == burst - checked,
        f"{checked}×401, {statuses.count(429)}×429",
    )
    fresh = {"X-Forwarded-For": "203.0.113.5"}  # not a configured proxy: not believed
    same = sign_in_statuses(probe, "127.0.0.2", [("root", PASSWORD)], lambda n: fresh)
    tried = "right password, guessing address + new XFF"
    probe.check("5 brute force", tried, same == [429], str(same))
    other = sign_in_statuses(probe, "127.0.0.3", [("root", PASSWORD)])
    probe.check("5 brute force", "right password, another address", other == [303], str(other))
    spoofed = sign_in_statuses(
        probe,
        "127.0.0.4",
        [("root", f"x{n}") for n in range(7)],
        lambda n: {"X-Forwarded-For": f"192.0.2.{n}"},
    )
    probe.check(
        "5 brute force",
        "7 wrong, new X-Forwarded-For each",
        spoofed == [401] * 5 + [429] * 2,
        str(spoofed),
    )
    spray = sign_in_statuses(
        probe, "127.0.0.5", [(f"user{n:02d}", "password123") for n in range(35)]
    )
    probe.check(
        "5 brute force",
        "35 usernames sprayed from one address",
        429 in spray and set(spray) <= {401, 429},
        f"{spray.count(401)}×401 then {spray.count(429)}×429",
    )
    after = sign_in_statuses(probe, "127.0.0.6", [("root", PASSWORD)])
    probe.check("5 brute force", "admin signs in after the spray", after == [303], str(after))


# --- (6) smaller: CSRF, headers, docs, favicon -------------------------------------------------


def smaller(probe: Probe) -> None:
    with probe.client("127.0.0.10") as client:
        client.follow_redirects = False
        client.get("/staff/login")  # the CSRF cookie is set, the form field is left out
        got = client.post("/staff/login", data={"username": "root", "password": PASSWORD})
        probe.check(
            "6 smaller",
            "sign-in POST without CSRF token",
            got.status_code in (400, 403, 422),
            str(got.status_code),
        )
        headers = client.get("/staff/login").headers
        wanted = {
            "Content-Security-Policy": "frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "",
            "Cache-Control": "no-store",
        }
        for name, part in wanted.items():
            value = headers.get(name, "")
            probe.check(
                "6 smaller",
                f"/staff/login {name}",
                bool(value) and part in value,
                value[:40] or "missing",
            )
        directives = [d.strip() for d in headers.get("Content-Security-Policy", "").split(";")]
        script = next((d for d in directives if d.startswith("script-src")), "missing")
        probe.check(
            "6 smaller",
            "CSP script-src has no inline script",
            script != "missing" and "unsafe-inline" not in script,
            script,
        )
        docs = client.get("/docs").text
        hosts = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", docs)
        probe.check(
            "6 smaller",
            "/docs loads no http(s) asset host",
            not hosts,
            ", ".join(hosts)[:60] or "none",
        )
        favicon = client.get("/favicon.ico")
        probe.check(
            "6 smaller", "/favicon.ico", favicon.status_code == 200, str(favicon.status_code)
        )


# --- the run ------------------------------------------------------------------------------


def report(probe: Probe) -> int:
    width = max(len(tried) for _, tried, _, _ in probe.rows)
    print(f"{'finding':<14} {'tried':<{width}} {'held':<5} seen")
    for finding, tried, held, seen in probe.rows:
        print(f"{finding:<14} {tried:<{width}} {'yes' if held else 'NO':<5} {seen}")
    held_count = sum(1 for row in probe.rows if row[2])
    print(f"probe: {len(probe.rows)} tried, {held_count} held")
    return 0 if held_count == len(probe.rows) else 1


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="probe-trust-") as tmp:
        workdir = Path(tmp)
        child, base = start_server(workdir)
        try:
            probe = Probe(base, child.pid)
            accounts(probe, workdir)
            print(f"server pid {child.pid} on {base}, RSS at rest {rss_mb(child.pid):.1f} MB")
            for step in (smaller, money, bodies, fives, brute_force):
                try:
                    step(probe)
                except (AssertionError, httpx.HTTPError, ValueError, KeyError) as error:
                    probe.check(step.__name__, "probe could not finish", False, repr(error)[:80])
        finally:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        server_log(probe, workdir / "server.log")
    return report(probe)


def server_log(probe: Probe, log: Path) -> None:
    """What the server itself recorded: not one 500, not one traceback, in the whole run."""
    text = log.read_text(errors="replace")
    answers = re.findall(r'"[A-Z]+ [^"]*" (\d\d\d)', text)
    fives = [status for status in answers if status.startswith("5")]
    tracebacks = text.count("Traceback (most recent call last)")
    probe.check(
        "all",
        "server log: no 5xx answer, no traceback",
        bool(answers) and not fives and not tracebacks,
        f"{len(answers)} answers logged, {len(fives)} 5xx, {tracebacks} tracebacks",
    )


if __name__ == "__main__":
    sys.exit(main())

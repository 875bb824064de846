"""The machine's own Redis and RabbitMQ, started by the tests that need them if down.

Each is checked at its port; a service that does not answer is started with the
machine's documented command, and the test waits until it answers (RabbitMQ takes a
few seconds to boot). Never a stand-in: the broker tests talk to the real servers.
"""

from __future__ import annotations

import socket
import subprocess
import time

REDIS_URL = "redis://127.0.0.1:6379/0"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"

_REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
_RABBITMQ_START = ["rabbitmq-server", "-detached"]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def ensure(port: int, start: list[str], within: float) -> None:
    """The service at `port`, started with `start` if it does not answer."""
    if answers(port):
        return
    subprocess.run(start, check=False, capture_output=True, timeout=60)
    deadline = time.monotonic() + within
    while not answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{start[0]} does not answer on port {port} after {within} s")
        time.sleep(0.2)


def ensure_redis() -> str:
    ensure(6379, _REDIS_START, within=20)
    return REDIS_URL


def ensure_rabbitmq() -> str:
    ensure(5672, _RABBITMQ_START, within=90)
    return RABBITMQ_URL

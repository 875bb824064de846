"""What an API process loads at start (issue 11: peak RSS below 150 MB under load).

reportlab (labels, evidence PDFs, the enrolment QR code) loads with the first file
drawn, and the argon2 hash that keeps an unknown user's sign-in as slow as a known
one's is made with the first sign-in: made at import, its 64 MiB of memory cost set
the peak of every API process. Checked in a fresh interpreter, the way a server starts
(Linux only: it reads /proc).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import returnflow.asgi
from returnflow.services import accounts
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print(json.dumps({
    "reportlab": "reportlab" in sys.modules,
    "hashed": accounts._dummy_hash.cache_info().currsize,
    "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
    "peak_mb": int(status["VmHWM"].split()[0]) / 1024,
}))
"""


def _start() -> dict[str, float]:
    # the production argon2 costs (the suite lowers them), as a server would start
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNFLOW_ARGON2_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_an_api_process_starts_without_reportlab_or_a_password_hash() -> None:
    started = _start()
    assert started["reportlab"] is False
    assert started["hashed"] == 0
    # nothing made and dropped at start: the peak is what stays (the hash was +64 MiB).
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent
    assert started["peak_mb"] - started["rss_mb"] < 16, started


def test_the_dummy_hash_is_made_once_and_verifies_nothing_but_itself() -> None:
    from argon2.exceptions import VerificationError

    from returnflow.services import accounts

    first = accounts._dummy_hash()
    assert accounts._dummy_hash() is first
    try:
        accounts._hasher.verify(first, "a guess")
    except VerificationError:
        pass
    else:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError("the dummy hash matched a guess")

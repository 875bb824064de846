"""What every benchmark prints about where it ran: the load and the revision measured."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def busy_note() -> str:
    """The load average: figures taken while other work runs on the machine are not comparable."""
    one, five, _ = os.getloadavg()
    note = f"load average before the run: {one:.2f} (1 min), {five:.2f} (5 min)"
    if one > 1.0:
        note += "  WARNING: the machine is busy, expect lower and noisier figures"
    return note


def revision() -> str:
    """The git revision measured (read-only `git describe`), or "unknown"."""
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip() or "unknown"

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


def memory_mb(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (10^6 bytes), from /proc; (nan, nan) elsewhere.

    VmHWM is the peak resident size since the process started (or since `reset_peak`),
    which catches a spike between two samples that VmRSS alone would miss."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(rest.split()[0]) * 1024 / 1e6  # the kernel prints kB = KiB
    except (OSError, ValueError, IndexError):
        pass
    return found.get("VmRSS", float("nan")), found.get("VmHWM", float("nan"))


def reset_peak(pid: int | str = "self") -> bool:
    """Start VmHWM again from the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True

"""What an API process keeps out of memory (issue 11: RSS below 150 MB under load).

Importing this module, before anything imports httpx, keeps httpx's command-line client
out of the process. httpx's `__init__` imports `httpx._main` when click, rich and
pygments are installed (typer brings all three), and falls back to a stub when that
import fails: an API or worker process never runs `httpx` on a command line, yet that
import loaded ~75 modules, about 3 MiB of RSS and a quarter of a second of CPU at every
start (`python -X importtime -c "import returnflow.asgi"`). A `None` in `sys.modules` is
Python's documented way to make an import fail with ImportError, which is what httpx
catches. `asgi.py` and `cli.py` import this module first among the package's own.

Measured under `benchmarks/bench_api.py` and left alone: glibc's per-thread malloc arenas
(`MALLOC_ARENA_MAX=1` or `2` moved the peak by under 1 MB), `malloc_trim` after start
(0.5 MB), and anyio's thread limit (40): 8 clients keep 8 worker threads, not 40.
"""

from __future__ import annotations

import gc
import sys

HTTPX_CLI = "httpx._main"


def keep_httpx_cli_out() -> bool:
    """Make `import httpx._main` fail, unless httpx is already loaded (then it is too late,
    and breaking the module table of a loaded package would help nobody).
    True when the command-line client is kept out."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault(HTTPX_CLI, None)  # type: ignore[arg-type]
    return HTTPX_CLI in sys.modules and sys.modules[HTTPX_CLI] is None


def settle_heap() -> None:
    """Put what a process built at start (modules, routes, templates, mappers: ~300,000
    objects) in the collector's permanent generation, once it is built.

    Python's full collection walks every tracked object; with the app loaded that took
    about 180 ms of CPU, and under load each one stopped every request for 0.25-1.5 s:
    the slowest 1 % of SQLite creates each overlapped one (issue 11, bench_api.py). The
    objects made at start live as long as the process, so the collector never needs to
    look at them again; what requests make is collected as before."""
    gc.collect()
    gc.freeze()


keep_httpx_cli_out()

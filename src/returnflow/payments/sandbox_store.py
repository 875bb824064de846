"""Where the sandbox gateway keeps its books between processes.

A real gateway remembers every refund whether or not our app restarts; the stand-in
must too, or finance's reconciliation calls every earlier refund "missing at gateway"
after a restart (or when the demo ran in another process than the server). A JSON file
of its own, replaced atomically, is enough for one machine's demo.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from returnflow.config import Settings
from returnflow.storage.database import file_beside

DEFAULT_NAME = "sandbox_state.json"


def state_path(settings: Settings) -> Path | None:
    """The configured file; else beside a SQLite file; None for an in-memory database."""
    if settings.sandbox_state_file:
        return Path(settings.sandbox_state_file)
    # in memory, the database itself forgets on exit; so may the sandbox
    return file_beside(settings.database_url, ".sandbox.json", DEFAULT_NAME)


class StateFile:
    """Reads and atomically replaces one JSON document; notices other writers' changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes (flock on a file beside it), for one read-change-write.

        Several processes pay through one sandbox (issue 11: `worker --processes`); without
        it two could read the same books, each add a refund and the later write lose the
        other's. Inside, the next `changed()` says yes: a write by another process within
        one tick of the file clock can keep the file's time and size.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(f".{self.path.name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._seen = None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def changed(self) -> bool:
        """True when the file differs from the one last read or written here."""
        return self._stamp() != self._seen

    def read(self) -> dict[str, Any] | None:
        try:
            with self.path.open("rb") as handle:
                stamp = os.fstat(handle.fileno())
                document = json.load(handle)
        except FileNotFoundError:
            self._seen = None
            return None
        self._seen = (stamp.st_mtime_ns, stamp.st_size)
        return dict(document)

    def write(self, document: dict[str, Any]) -> None:
        """Write beside the file and rename over it: a reader never sees half a file.

        No fsync: a sandbox may lose its last write to a power cut, not to a crash.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, ensure_ascii=False, sort_keys=True)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stamp = self.path.stat()
        except FileNotFoundError:
            return None
        return (stamp.st_mtime_ns, stamp.st_size)

"""Where the sandbox gateway keeps its books between processes.

A real gateway remembers every refund whether or not our app restarts; the stand-in
must too, or finance's reconciliation calls every earlier refund "missing at gateway"
after a restart (or when the demo ran in another process than the server). A file of
its own is enough for one machine's demo.

The file is JSON lines, one refund a line; a later line for the same refund (say once
it was notified) replaces the earlier one. A change appends its lines and a process
reads only what others appended since its last look, so a payment costs the same
with ten refunds in the books as with a million (issue 11: the books used to be read
and rewritten whole on every payment). A file of the old shape, one document
`{"refunds": [...]}`, reads as its refunds; the next whole write replaces it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

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
    """Appends records to one JSON-lines file and reads back what others appended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None  # (inode, bytes read) of the file read

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes (flock on a file beside it), for one read-change-write.

        Several processes pay through one sandbox (issue 11: `worker --processes`); without
        it two could each add a refund under the same id, or read a line half written.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(f".{self.path.name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read_new(self) -> tuple[bool, list[dict[str, Any]]]:
        """(afresh, records): every record when the file was replaced since the last look
        (afresh is True), else those appended since. Only whole lines are taken: a line
        still being written is read on the next look."""
        try:
            with self.path.open("rb") as handle:
                stamp = os.fstat(handle.fileno())
                inode, done = self._seen if self._seen is not None else (-1, 0)
                afresh = inode != stamp.st_ino or stamp.st_size < done
                if not afresh and done:  # copied over in place (a restore): not our line end
                    handle.seek(done - 1)
                    afresh = handle.read(1) != b"\n"
                if afresh:
                    done = 0
                handle.seek(done)
                chunk = handle.read(stamp.st_size - done)
        except FileNotFoundError:
            afresh = self._seen is not None
            self._seen = None
            return afresh, []
        whole = chunk[: chunk.rfind(b"\n") + 1]
        if len(whole) < len(chunk) and _complete(chunk[len(whole) :]):
            whole = chunk  # the old shape's one document ends without a newline
        self._seen = (stamp.st_ino, done + len(whole))
        return afresh, _records(whole)

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Add these records at the end; call under `locked`, after `read_new`.

        No fsync: a sandbox may lose its last write to a power cut, not to a crash.
        """
        lines = b"".join(_line(record) for record in records)
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            if handle.seek(0, os.SEEK_END) and _last_byte(handle) != b"\n":
                lines = b"\n" + lines  # after the old shape's document, which has none
            handle.write(lines)
            handle.flush()
            stamp = os.fstat(handle.fileno())
        if self._seen is None or self._seen[0] == stamp.st_ino:
            self._seen = (stamp.st_ino, stamp.st_size)  # this file was read up to here

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Replace the whole file (a fresh start, or the end of deferred saves): written
        beside it and renamed over it, so a reader never sees half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(b"".join(_line(record) for record in records))
                handle.flush()
                stamp = os.fstat(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._seen = (stamp.st_ino, stamp.st_size)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The latest line of each record in the file, in the order they were first written."""
    _, found = StateFile(path).read_new()
    latest: dict[str, dict[str, Any]] = {}
    for record in found:
        latest[str(record["id"])] = record
    return list(latest.values())


def _line(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode() + b"\n"


def _last_byte(handle: BinaryIO) -> bytes:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1)


def _complete(tail: bytes) -> bool:
    """A last line without its newline: complete only if it parses (no prefix of one
    JSON object does, so a line another process is still writing never counts)."""
    try:
        json.loads(tail)
    except ValueError:
        return False
    return True


def _records(lines: bytes) -> list[dict[str, Any]]:
    """Each line's record; a document of the old shape gives its refunds."""
    found: list[dict[str, Any]] = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "refunds" in item and "id" not in item:
            found.extend(dict(record) for record in item["refunds"])
        else:
            found.append(dict(item))
    return found

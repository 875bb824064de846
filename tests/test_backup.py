"""`returnflow backup` / `restore` (R14.3): every row and every photo survives a round trip."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app
from returnflow.storage import chain
from returnflow.storage.schema import Base
from returnflow.storage.scratch import scratch_database
from tests.support.clock import FakeClock
from tests.support.records import credit_and_stock, refunded_return

OrderPayload = Callable[..., dict[str, Any]]


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows in primary-key order."""
    engine = create_engine(url)
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            found[table.name] = (len(rows), digest)
    engine.dispose()
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _run(arguments: list[str], url: str, uploads: Path, books: Path, mp: Any) -> tuple[int, str]:
    mp.setenv("RETURNFLOW_DATABASE_URL", url)
    mp.setenv("RETURNFLOW_UPLOAD_DIR", str(uploads))
    mp.setenv("RETURNFLOW_SANDBOX_STATE_FILE", str(books))
    result = CliRunner().invoke(app, arguments)
    return result.exit_code, " ".join(result.output.split())


def test_backup_then_restore_keeps_every_row_and_photo(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Path,
    order_payload: OrderPayload,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refunded_return(client, context, clock, tmp_path, order_payload())
    credit_and_stock(context)
    uploads = Path(context.settings.upload_dir)
    books = tmp_path / "sandbox_books.json"
    books.write_text(json.dumps({"refunds": {"re_1": {"amount": 7400}}}))
    archive = tmp_path / "backups" / "returnflow.tar"
    code, output = _run(["backup", str(archive)], database_url, uploads, books, monkeypatch)
    assert code == 0, output
    assert "1 photos" in output
    before = _fingerprint(database_url)
    assert before["ledger_entries"][0] >= 1 and before["return_events"][0] >= 5

    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    with scratch_database(kind) as fresh:
        target = (fresh, tmp_path / "restored" / "uploads", tmp_path / "restored" / "books.json")
        code, output = _run(["restore", str(archive)], *target, monkeypatch)
        assert code == 0, output
        assert _fingerprint(fresh) == before
        assert _files(target[1]) == _files(uploads) and len(_files(uploads)) == 1
        assert target[2].read_bytes() == books.read_bytes()
        engine = create_engine(fresh)
        with engine.connect() as connection:
            assert all(found is None for _, _, found in chain.verify_all(connection))
            if kind == "postgresql":  # the append-only triggers came back too
                with pytest.raises(Exception, match="append-only"):
                    connection.execute(text("DELETE FROM return_events"))
        engine.dispose()
        # the restored database now holds data: only --force replaces it
        code, output = _run(["restore", str(archive)], *target, monkeypatch)
        assert code == 1 and "--force" in output
        code, output = _run(["restore", str(archive), "--force"], *target, monkeypatch)
        assert code == 0, output
        assert _fingerprint(fresh) == before


def test_a_damaged_archive_is_refused_before_anything_changes(
    context: AppContext, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads, books = tmp_path / "uploads", tmp_path / "books.json"
    uploads.mkdir()
    (uploads / "a.png").write_bytes(b"photo bytes " * 100)
    archive = tmp_path / "b.tar"
    assert _run(["backup", str(archive)], database_url, uploads, books, monkeypatch)[0] == 0
    data = bytearray(archive.read_bytes())
    spot = data.index(b"photo bytes")
    data[spot] ^= 0xFF
    archive.write_bytes(bytes(data))
    elsewhere = tmp_path / "elsewhere"
    code, output = _run(
        ["restore", str(archive), "--force"], database_url, elsewhere, books, monkeypatch
    )
    assert code == 1 and "damaged" in output
    assert not elsewhere.exists()

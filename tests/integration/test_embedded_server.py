"""The embedded PostgreSQL: one owner per folder, data kept across runs, clean shutdown."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from maitred.errors import DataFolderInUse
from maitred.store.server import EmbeddedServer


@pytest.fixture
def folder() -> Iterator[Path]:
    # Not pytest's tmp_path: a concurrent pytest run may delete older run folders.
    path = Path(tempfile.mkdtemp(prefix="maitred-test-server-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_folder_serves_one_process_keeps_its_data_and_stops_cleanly(folder: Path) -> None:
    tmp_path = folder
    first = EmbeddedServer(tmp_path / "pg", throwaway=True)
    url = first.start()
    try:
        with pytest.raises(DataFolderInUse) as refused:
            EmbeddedServer(tmp_path / "pg").start()
        assert refused.value.pid == os.getpid()
        assert refused.value.url == url
        assert str(tmp_path / "pg") in refused.value.detail
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
    finally:
        first.stop()
    pid_file = tmp_path / "pg" / "pgdata" / "postmaster.pid"
    assert not pid_file.exists()  # pg_ctl stop removes it: the server is down

    again = EmbeddedServer(tmp_path / "pg", throwaway=True)
    with again, psycopg.connect(again.url) as conn:
        assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)

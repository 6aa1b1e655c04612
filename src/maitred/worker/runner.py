"""Run workers: the procrastinate app over maitred's database and the services jobs use.

``maitred worker`` runs :func:`run` in the foreground (Ctrl-C or SIGTERM stops it after
the job in hand); ``maitred serve`` runs one :class:`InProcess` worker in a thread unless
``--no-worker``. Any number of worker processes may share one database: the queue is
PostgreSQL's (``SELECT ... FOR UPDATE SKIP LOCKED`` inside procrastinate), nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import procrastinate

from maitred.config import Settings
from maitred.services import locks
from maitred.services.coordinator import Coordinator
from maitred.services.guards import DATABASE, RateLimit
from maitred.store.db import Database
from maitred.worker import jobs

QUEUES = ["assignments", "housekeeping"]

# Bookings one coordinator transaction may settle: the job's own and up to BATCH - 1 others
# queued for the same restaurant (see services/coordinator.py). One commit, one WAL flush
# and one hold of the restaurant's event counter for them all. Measured with `maitred bench
# pipeline`, 2 workers: 16 gave ~200 bookings/s, 32 ~235, 64 ~280; a batch of 64 keeps the
# restaurant's tables it chose locked for about 0.2 s.
BATCH = 64

# The queue's own bookkeeping (fetching, finishing, retrying jobs, heartbeats) commits
# without waiting for the WAL flush. A crash of PostgreSQL may forget the last few of those
# changes, never a booking's: a job then runs again and finds its outcome recorded (the
# coordinator is idempotent), or is fetched again. The coordinator's own transactions,
# which carry the bookings, the allocations and the event log, stay synchronous.
QUEUE_CONNECTION = {"options": "-c synchronous_commit=off"}


def build_app(database_url: str, settings: Settings) -> procrastinate.App:
    """A procrastinate app on the database (its own small async pool)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=database_url, min_size=1,
                                                 max_size=3, kwargs=QUEUE_CONNECTION))
    jobs.register(app, settings)
    return app


def context(db: Database, settings: Settings, stalled_after: float) -> dict[str, Any]:
    """What jobs reach through ``context.additional_context``."""
    return {"db": db, "settings": settings, "stalled_after": stalled_after,
            "coordinator": Coordinator(db, settings, rate=RateLimit(), breaker=DATABASE,
                                       booking_locks=locks.backend(settings), batch=BATCH)}


def options(db: Database, settings: Settings, *, concurrency: int, heartbeat: float,
            stalled_after: float, signals: bool) -> dict[str, Any]:
    return {
        "queues": QUEUES, "concurrency": concurrency, "install_signal_handlers": signals,
        "update_heartbeat_interval": heartbeat, "stalled_worker_timeout": stalled_after,
        "additional_context": context(db, settings, stalled_after),
        "fetch_job_polling_interval": 1.0,
    }


def run(settings: Settings, database_url: str, *, concurrency: int = 1,
        heartbeat: float = 10.0, stalled_after: float = jobs.STALLED_AFTER_SECONDS) -> None:
    """One worker in the foreground, until a stop signal."""
    with Database(database_url, min_size=1, max_size=concurrency + 2) as db:
        build_app(database_url, settings).run_worker(**options(
            db, settings, concurrency=concurrency, heartbeat=heartbeat,
            stalled_after=stalled_after, signals=True))


class InProcess:
    """A worker in a daemon thread with its own event loop (``maitred serve``)."""

    def __init__(self, db: Database, settings: Settings, database_url: str, *,
                 heartbeat: float = 10.0,
                 stalled_after: float = jobs.STALLED_AFTER_SECONDS) -> None:
        self.app = build_app(database_url, settings)
        self.options = options(db, settings, concurrency=1, heartbeat=heartbeat,
                               stalled_after=stalled_after, signals=False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="maitred-worker", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(30)

    def stop(self, timeout: float = 30.0) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            # Cancelling the worker's run is procrastinate's graceful stop: the job in
            # hand finishes, nothing new is fetched.
            loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            async with self.app.open_async():
                self._task = asyncio.current_task()
                self._task = asyncio.create_task(self.app.run_worker_async(**self.options))
                self._ready.set()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by serve; the API keeps serving
            self.error = exc
        finally:
            self._ready.set()


@contextlib.contextmanager
def in_process(db: Database, settings: Settings, database_url: str) -> Iterator[InProcess]:
    """A worker for the duration of the block."""
    worker = InProcess(db, settings, database_url)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()

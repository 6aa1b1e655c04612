"""Helpers for the pipeline tests: a bigger floor, bookings through the factory with the
queue, real ``maitred worker`` processes, and waiting for the queue to drain."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maitred.config import Settings
from maitred.services import bookings, coordinator
from maitred.services.bookings import BookingRequest
from maitred.store.db import Database

NOON = datetime(2030, 6, 14, 10, 0, tzinfo=UTC)  # 12:00 in Paris
SETTINGS = Settings(database_url="postgresql://unused")


@dataclass(frozen=True)
class Hall:
    """A restaurant of ``size`` tables of 2 to 8 seats, in pairs that can be joined."""

    restaurant_id: int
    table_ids: list[int]


def build_hall(db: Database, size: int = 30) -> Hall:
    with db.uow(actor="test") as tx:
        restaurant = tx.restaurants.create("Grande Salle", timezone="Europe/Paris")
        zone = tx.zones.create(restaurant.id, "main", "Main room")
        seats = [2, 2, 4, 4, 6, 8]
        ids = [tx.tables.create(restaurant.id, zone_id=zone.id, label=f"T{i + 1}",
                                max_party=seats[i % len(seats)]).id for i in range(size)]
        for a, b in zip(ids[::2], ids[1::2], strict=False):
            tx.adjacency.add(restaurant.id, a, b)
    return Hall(restaurant.id, ids)


def book_many(db: Database, hall: Hall, count: int, *, seed: int = 7) -> list[int]:
    """``count`` bookings from 12:00 to 22:00, made in one transaction with their jobs."""
    rng = random.Random(seed)
    made = []
    with db.uow(actor="test") as tx:
        for _ in range(count):
            start = NOON + timedelta(minutes=15 * rng.randrange(0, 40))
            request = BookingRequest(party_size=rng.choice([2, 2, 2, 3, 4, 4, 5, 6, 8]),
                                     start_at=start)
            made.append(bookings.create_booking(
                tx, SETTINGS, hall.restaurant_id, request,
                enqueue_assignment=coordinator.enqueue).id)
    return made


def open_states(db: Database, booking_ids: list[int]) -> dict[int, str]:
    with db.connection() as conn:
        rows = conn.execute("SELECT id, state FROM bookings WHERE id = ANY(%s)",
                            [booking_ids]).fetchall()
    return {r[0]: r[1] for r in rows if r[1] in ("pending", "assignment_pending")}


def wait_until_settled(db: Database, booking_ids: list[int], timeout: float) -> float:
    """Seconds until no booking waits for the pipeline (fails after ``timeout``)."""
    started = time.monotonic()
    while open_states(db, booking_ids):
        assert time.monotonic() - started < timeout, \
            f"still open after {timeout} s: {len(open_states(db, booking_ids))} bookings"
        time.sleep(0.2)
    return time.monotonic() - started


def start_worker(database_url: str, *extra: str) -> subprocess.Popen[bytes]:
    """A real ``maitred worker`` process on the database."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.Popen(
        # The `maitred worker` command itself, without importing every other command.
        [sys.executable, "-c", "import maitred.cli.worker; from maitred.cli import app; app()",
         "worker", *extra],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def workers(database_url: str, count: int, *extra: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` worker processes for the block, always stopped after it."""
    started = [start_worker(database_url, *extra) for _ in range(count)]
    try:
        yield started
    finally:
        for process in started:
            stop(process)
        for process in started:
            if process.stderr is not None:
                process.stderr.close()

"""The job queue: jobs written with the booking (outbox), and a worker that runs them."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from tests.integration.pipeline_support import (
    NOON,
    SETTINGS,
    book_many,
    build_hall,
    wait_until_settled,
)

from maitred.config import Settings
from maitred.services import bookings, coordinator
from maitred.services.bookings import BookingRequest
from maitred.store.db import Database
from maitred.worker import runner


def jobs_of(db: Database) -> list[tuple[str, dict[str, object], str]]:
    with db.connection() as conn:
        rows = conn.execute("SELECT task_name, args, status::text FROM procrastinate_jobs "
                            "WHERE task_name = %s ORDER BY id", [coordinator.TASK]).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def test_the_job_exists_exactly_when_the_booking_commits(db: Database) -> None:
    hall = build_hall(db, size=4)
    request = BookingRequest(party_size=2, start_at=NOON)

    class Abandoned(Exception):
        pass

    def book_then_abandon() -> None:
        with db.uow() as tx:
            bookings.create_booking(tx, SETTINGS, hall.restaurant_id, request,
                                    enqueue_assignment=coordinator.enqueue)
            raise Abandoned

    with pytest.raises(Abandoned):
        book_then_abandon()
    assert jobs_of(db) == []
    with db.uow() as tx:
        made = bookings.create_booking(tx, SETTINGS, hall.restaurant_id, request,
                                       enqueue_assignment=coordinator.enqueue)
    assert jobs_of(db) == [(coordinator.TASK, {"booking_id": made.id, "trigger": "creation",
                                               "version": 1, "correlation_id": None}, "todo")]


def test_the_kill_switch_enqueues_nothing(db: Database) -> None:
    hall = build_hall(db, size=6)
    with db.uow() as tx:
        tx.restaurants.set_policy(hall.restaurant_id, {"auto_assignment_enabled": False})
    book_many(db, hall, 3)
    assert jobs_of(db) == []


def test_an_in_process_worker_seats_bookings_from_the_queue(
    db: Database, database_url: str,
) -> None:
    hall = build_hall(db, size=10)
    made = book_many(db, hall, 12)
    settings = Settings(database_url=database_url)
    with runner.in_process(db, settings, database_url) as worker:
        wait_until_settled(db, made, timeout=60)
        assert worker.error is None
    with db.connection() as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM bookings GROUP BY state")
                      .fetchall())
        succeeded = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s "
                                 "AND status = 'succeeded'", [coordinator.TASK]).fetchone()
    assert set(states) <= {"assigned", "manual_review"}
    assert sum(states.values()) == 12
    assert succeeded == (12,)


def test_the_worker_sweeps_holds_past_their_time_as_a_periodic_job(
    db: Database, database_url: str,
) -> None:
    hall = build_hall(db, size=4)
    [booking_id] = book_many(db, hall, 1)
    with db.uow() as tx:
        hold = tx.allocations.hold(hall.restaurant_id, booking_id, [hall.table_ids[0]], NOON,
                                   NOON + timedelta(hours=1), ttl_seconds=1)
    time.sleep(1.2)  # past its TTL; nobody touches the table, only the sweep can end it
    settings = Settings(database_url=database_url, auto_assignment_enabled=False)
    with runner.in_process(db, settings, database_url):
        deadline = time.monotonic() + 20
        while _hold_status(db, hall.restaurant_id, hold.id) == "active":
            assert time.monotonic() < deadline, "the sweep never ran"
            time.sleep(0.2)
    assert _hold_status(db, hall.restaurant_id, hold.id) == "expired"


def _hold_status(db: Database, restaurant_id: int, hold_id: int) -> str:
    with db.uow() as tx:
        return tx.allocations.get_hold(restaurant_id, hold_id).status


def test_the_queue_commits_its_bookkeeping_without_waiting_for_the_flush(
    database_url: str,
) -> None:
    app = runner.build_app(database_url, SETTINGS)
    # The setting and where it came from: the test server runs with it off for everyone
    # (a throwaway server), so only "set by this client" tells the queue asked for it.
    asked = "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'"

    async def queue_setting() -> tuple[str, str] | None:
        async with app.open_async():
            connector: Any = app.connector
            async with connector.pool.connection() as conn:
                cur = await conn.execute(asked)
                row = await cur.fetchone()
        return None if row is None else (row[0], row[1])

    assert asyncio.run(queue_setting()) == ("off", "client")
    # The coordinator's own connections, which carry the bookings, keep the server's.
    with Database(database_url, min_size=1, max_size=1) as db, db.connection() as conn:
        row = conn.execute(asked).fetchone()
    assert row is not None
    assert row[1] != "client"

"""The job queue: jobs written with the booking (outbox), and a worker that runs them."""

from __future__ import annotations

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

    with pytest.raises(Abandoned), db.uow() as tx:
        bookings.create_booking(tx, SETTINGS, hall.restaurant_id, request,
                                enqueue_assignment=coordinator.enqueue)
        raise Abandoned
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

"""The pipeline with real ``maitred worker`` processes on the real database (issue 5's
must-shows): many bookings and four workers, a worker killed mid-job, a booking cancelled
while its job waits."""

from __future__ import annotations

import signal
import time

import psycopg
from tests.integration.pipeline_support import (
    book_many,
    build_hall,
    start_worker,
    stop,
    wait_until_settled,
    workers,
)

from maitred.services import bookings, coordinator
from maitred.store.db import Database

FAST = ("--heartbeat", "0.5", "--stalled-after", "2")


def test_500_bookings_with_4_worker_processes_are_each_settled_once(
    db: Database, database_url: str,
) -> None:
    hall = build_hall(db, size=60)
    made = book_many(db, hall, 500)
    with workers(database_url, 4):
        wait_until_settled(db, made, timeout=150)
    with db.connection() as conn:
        states = dict(conn.execute(
            "SELECT state, count(*) FROM bookings GROUP BY state").fetchall())
        twice = conn.execute(
            "SELECT booking_id FROM booking_state_history WHERE to_state = 'assigned' "
            "GROUP BY booking_id HAVING count(*) > 1").fetchall()
        tables_of_review = conn.execute(
            "SELECT count(*) FROM allocations a JOIN bookings b ON b.id = a.booking_id "
            "WHERE b.state <> 'assigned'").fetchone()
        untabled = conn.execute(
            "SELECT count(*) FROM bookings b WHERE state = 'assigned' AND NOT EXISTS "
            "(SELECT FROM booking_table_assignments t WHERE t.booking_id = b.id)").fetchone()
        without_attempt = conn.execute(
            "SELECT count(*) FROM bookings b WHERE NOT EXISTS "
            "(SELECT FROM booking_assignment_attempts a WHERE a.booking_id = b.id)").fetchone()
        won_twice = conn.execute(
            "SELECT booking_id FROM booking_assignment_attempts WHERE result = 'assigned' "
            "GROUP BY booking_id HAVING count(*) > 1").fetchall()
        processes = conn.execute(
            "SELECT count(DISTINCT metadata->>'process') FROM booking_assignment_attempts "
            "WHERE metadata ? 'process'").fetchone()
        jobs = dict(conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = %s "
            "GROUP BY status", [coordinator.TASK]).fetchall())
        recorded = conn.execute(
            "SELECT count(*) FROM booking_assignment_idempotency").fetchone()
    with db.uow() as tx:
        overlaps = tx.allocations.overlapping_pairs(hall.restaurant_id)
    assert set(states) <= {"assigned", "manual_review"}
    assert sum(states.values()) == 500
    assert states.get("assigned", 0) > 100  # the floor seats a good share of them
    assert overlaps == []
    assert twice == []
    assert won_twice == []
    assert tables_of_review == (0,)
    assert untabled == (0,)
    assert without_attempt == (0,)
    assert recorded == (500,)
    assert jobs == {"succeeded": 500}
    assert processes is not None
    assert processes[0] >= 2  # the work was shared between processes


def test_a_worker_killed_mid_job_has_its_job_recovered_and_done_once(
    db: Database, database_url: str,
) -> None:
    hall = build_hall(db, size=6)
    [booking_id] = book_many(db, hall, 1)
    # A host's transaction keeps the booking row locked: the worker's job starts and waits
    # inside its own transaction, mid-job, where it is killed.
    with psycopg.connect(database_url) as host:
        host.execute("SELECT id FROM bookings WHERE id = %s FOR UPDATE", [booking_id])
        doomed = start_worker(database_url, *FAST)
        try:
            deadline = time.monotonic() + 60
            while not _waiting_on_a_lock(db):
                assert doomed.poll() is None, "the worker died on its own"
                assert time.monotonic() < deadline, "the job never started"
                time.sleep(0.1)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
        finally:
            stop(doomed)
            if doomed.stderr is not None:
                doomed.stderr.close()
        host.rollback()
    with db.connection() as conn:
        status = conn.execute("SELECT status::text FROM procrastinate_jobs WHERE task_name = %s",
                              [coordinator.TASK]).fetchone()
    assert status == ("doing",)  # its worker is dead; nobody else may take it yet
    with workers(database_url, 1, *FAST):
        wait_until_settled(db, [booking_id], timeout=60)
        deadline = time.monotonic() + 20
        while _job_status(db) != "succeeded":
            assert time.monotonic() < deadline, f"job is {_job_status(db)}"
            time.sleep(0.2)
    with db.uow() as tx:
        booking = tx.bookings.get(hall.restaurant_id, booking_id)
        history = [h.to_state for h in tx.history.list(hall.restaurant_id, booking_id)]
        allocations = tx.allocations.for_booking(hall.restaurant_id, booking_id)
    assert booking.state == "assigned"
    assert history == ["pending", "assignment_pending", "assigned"]
    assert len(allocations) == 1


def test_a_booking_cancelled_while_its_job_waits_ends_cancelled_without_a_table(
    db: Database, database_url: str,
) -> None:
    hall = build_hall(db, size=6)
    [booking_id] = book_many(db, hall, 1)
    with db.uow() as tx:
        bookings.cancel_booking(tx, hall.restaurant_id, booking_id, expected_version=1,
                                reason="guest called")
    with workers(database_url, 1, *FAST):
        deadline = time.monotonic() + 60
        while _job_status(db) != "succeeded":
            assert time.monotonic() < deadline, f"job is {_job_status(db)}"
            time.sleep(0.2)
    with db.uow() as tx:
        booking = tx.bookings.get(hall.restaurant_id, booking_id)
        allocations = tx.allocations.for_booking(hall.restaurant_id, booking_id)
        failed = [e for e in tx.events.since(hall.restaurant_id) if e.kind == "booking.failed"]
    assert booking.state == "cancelled"
    assert allocations == []
    assert [e.booking_id for e in failed] == [booking_id]


def _waiting_on_a_lock(db: Database) -> bool:
    with db.connection() as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
    return bool(row and row[0])


def _job_status(db: Database) -> str | None:
    with db.connection() as conn:
        row = conn.execute("SELECT status::text FROM procrastinate_jobs WHERE task_name = %s",
                           [coordinator.TASK]).fetchone()
    return None if row is None else str(row[0])

"""Several bookings settled in one transaction: the job's own and others queued for the same
restaurant, their jobs finished with the work; and bookings arriving by import or with the
demo get their jobs too."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tests.integration.pipeline_support import SETTINGS, book_many, build_hall

from maitred import demo
from maitred.services import coordinator, coordinator_queue, floors, locks
from maitred.services.coordinator import Coordinator
from maitred.store.db import Database


def jobs(db: Database) -> list[tuple[int, int, str]]:
    """(job, booking, status) of the processing jobs, in queue order."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT id, (args->>'booking_id')::bigint, status::text FROM procrastinate_jobs "
            "WHERE task_name = %s ORDER BY id", [coordinator.TASK]).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def start(db: Database, job_id: int) -> None:
    """What procrastinate's fetch does to the job a worker runs."""
    with db.connection() as conn:
        conn.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job_id])


def test_one_transaction_settles_the_jobs_booking_and_the_next_queued_ones(
    db: Database,
) -> None:
    hall = build_hall(db, size=12)
    made = book_many(db, hall, 10)
    first_job, first_booking, _ = jobs(db)[0]
    start(db, first_job)
    outcome = Coordinator(db, SETTINGS, batch=8).process(first_booking, "creation", version=1)
    assert outcome.final
    after = jobs(db)
    # The job's own stays 'doing' for procrastinate to finish; the next seven were settled
    # and finished with it; the last two wait in the queue.
    assert [status for _, _, status in after] == ["doing"] + ["succeeded"] * 7 + ["todo"] * 2
    settled = made[:8]
    with db.connection() as conn:
        states = dict(conn.execute("SELECT id, state FROM bookings WHERE id = ANY(%s)",
                                   [made]).fetchall())
        recorded = conn.execute(
            "SELECT count(*) FROM booking_assignment_idempotency WHERE booking_id = ANY(%s)",
            [made]).fetchone()
        without_attempt = conn.execute(
            "SELECT count(*) FROM bookings b WHERE b.id = ANY(%s) AND NOT EXISTS "
            "(SELECT FROM booking_assignment_attempts a WHERE a.booking_id = b.id)",
            [settled]).fetchone()
        events = conn.execute(
            "SELECT seq FROM restaurant_events WHERE restaurant_id = %s ORDER BY seq",
            [hall.restaurant_id]).fetchall()
        job_events = conn.execute(
            "SELECT e.type::text, count(*) FROM procrastinate_events e "
            "WHERE e.job_id = ANY(%s) GROUP BY 1 ORDER BY 1",
            [[job for job, _, status in after if status == "succeeded"]]).fetchall()
    assert all(states[b] in ("assigned", "manual_review") for b in settled)
    assert all(states[b] == "pending" for b in made[8:])
    assert recorded == (8,)
    assert without_attempt == (0,)
    # One restaurant's log stays gapless: 1..n with nothing missing.
    assert [s for (s,) in events] == list(range(1, len(events) + 1))
    assert job_events == [("deferred", 7), ("started", 7), ("succeeded", 7)]
    with db.uow() as tx:
        assert tx.allocations.overlapping_pairs(hall.restaurant_id) == []


def test_a_booking_taken_along_is_not_done_twice_when_its_job_runs(db: Database) -> None:
    hall = build_hall(db, size=12)
    book_many(db, hall, 3)
    (first_job, first, _), (_, second, _), _ = jobs(db)
    start(db, first_job)
    seat = Coordinator(db, SETTINGS, batch=4)
    seat.process(first, "creation", version=1)
    again = seat.process(second, "creation", version=1)
    assert again.replayed
    with db.connection() as conn:
        attempts = conn.execute("SELECT count(*) FROM booking_assignment_attempts "
                                "WHERE booking_id = %s", [second]).fetchone()
    assert attempts == (1,)


def test_a_booking_locked_elsewhere_stops_the_batch_and_keeps_its_job(db: Database) -> None:
    hall = build_hall(db, size=12)
    made = book_many(db, hall, 5)
    first_job, first, _ = jobs(db)[0]
    start(db, first_job)
    with db.uow() as host:
        # A request is working on the third booking right now.
        locks.take(host, locks.booking_name(made[2]))
        Coordinator(db, SETTINGS, batch=5).process(first, "creation", version=1)
    # The second was settled; the third is left to its job, and the ones after it too
    # (bookings are seated in queue order).
    assert [status for _, _, status in jobs(db)] == ["doing", "succeeded", "todo", "todo",
                                                     "todo"]
    with db.connection() as conn:
        state = conn.execute("SELECT state FROM bookings WHERE id = %s", [made[2]]).fetchone()
        attempts = conn.execute("SELECT count(*) FROM booking_assignment_attempts "
                                "WHERE booking_id = %s", [made[2]]).fetchone()
    assert state == ("pending",)
    assert attempts == (0,)


def test_imported_bookings_needing_a_table_get_their_job_and_pinned_ones_arrive_assigned(
    db: Database,
) -> None:
    doc = demo.floor_document()  # a medium floor of the shared benchmark
    pinned = {b["id"] for b in doc["bookings"] if b.get("locked_tables")}
    assert pinned  # the file pins some bookings to their tables
    with db.uow() as tx:
        restaurant_id = floors.import_instance(tx, doc, settings=SETTINGS,
                                               enqueue_assignment=coordinator_queue.enqueue)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT b.reference, b.state, j.args->>'trigger', (j.args->>'version')::int "
            "FROM bookings b LEFT JOIN procrastinate_jobs j "
            "ON (j.args->>'booking_id')::bigint = b.id WHERE b.restaurant_id = %s",
            [restaurant_id]).fetchall()
    assert len(rows) == len(doc["bookings"])
    for reference, state, trigger, version in rows:
        if reference in pinned:
            assert (state, trigger) == ("assigned", None)
        else:
            assert (state, trigger, version) == ("pending", "creation", 1)
    # And a worker's coordinator seats them from those jobs.
    first_job, first, _ = jobs(db)[0]
    start(db, first_job)
    Coordinator(db, SETTINGS, batch=100).process(first, "creation", version=1)
    with db.connection() as conn:
        left = conn.execute("SELECT count(*) FROM bookings WHERE restaurant_id = %s "
                            "AND state IN ('pending', 'assignment_pending')",
                            [restaurant_id]).fetchone()
    assert left == (0,)


def test_the_demo_day_is_queued_for_the_pipeline(db: Database) -> None:
    loaded = demo.ensure(db, SETTINGS, now=datetime(2031, 5, 6, 12, 0, tzinfo=UTC))
    doc = demo.floor_document()
    unpinned = [b for b in doc["bookings"] if not b.get("locked_tables")]
    with db.connection() as conn:
        queued = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs j JOIN bookings b "
            "ON b.id = (j.args->>'booking_id')::bigint WHERE b.restaurant_id = %s "
            "AND j.status = 'todo'", [loaded.restaurant_id]).fetchone()
    assert queued == (len(unpinned),)


def test_a_second_batch_on_one_restaurant_waits_for_the_first_before_planning(
    db: Database,
) -> None:
    hall = build_hall(db, size=12)
    [booking_id] = book_many(db, hall, 1)
    done: list[str] = []
    with db.uow() as first_batch:
        locks.serialize(first_batch, hall.restaurant_id)
        worker = threading.Thread(target=lambda: done.append(Coordinator(
            db, SETTINGS, batch=4).process(booking_id, "creation", version=1).outcome))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for the restaurant, having written nothing
        with db.connection() as conn:
            attempts = conn.execute("SELECT count(*) FROM booking_assignment_attempts "
                                    "WHERE booking_id = %s", [booking_id]).fetchone()
        assert attempts == (0,)
    worker.join(30)
    assert done == ["assigned"]

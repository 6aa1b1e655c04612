"""The bookings a batch takes along are written together (services/coordinator_bulk.py):
the same rows and events as one booking at a time, and nothing left behind when the
bulk write has to give way."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from tests.integration.pipeline_support import NOON, SETTINGS, Hall, book_many, build_hall
from tests.integration.test_pipeline_batches import jobs, start

from maitred.services import bookings, coordinator, locks
from maitred.services.bookings import BookingRequest
from maitred.services.coordinator import Coordinator
from maitred.services.coordinator_seating import Batch
from maitred.services.telemetry import Telemetry
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import Database


def trail(db: Database, booking_id: int) -> dict[str, Any]:
    """What the pipeline left for one booking, without ids that differ between halls."""
    with db.connection() as conn:
        state = conn.execute("SELECT state, version, assignment_attempts, assignment_strategy "
                             "FROM bookings WHERE id = %s", [booking_id]).fetchone()
        tables = conn.execute(
            "SELECT t.label FROM booking_table_assignments a JOIN table_inventory t "
            "ON t.id = a.table_id WHERE a.booking_id = %s ORDER BY t.label",
            [booking_id]).fetchall()
        attempts = conn.execute(
            "SELECT attempt_number, trigger, strategy, result, reason, score, "
            "metadata - 'tables' - 'process' FROM booking_assignment_attempts "
            "WHERE booking_id = %s ORDER BY attempt_number", [booking_id]).fetchall()
        history = conn.execute(
            "SELECT from_state, to_state, version, actor, reason, metadata - 'tables' "
            "FROM booking_state_history WHERE booking_id = %s ORDER BY id",
            [booking_id]).fetchall()
        processed = conn.execute(
            "SELECT trigger, booking_version, outcome, result - 'tables' - 'booking_id' "
            "- 'restaurant_id' - 'correlation_id' FROM booking_assignment_idempotency "
            "WHERE booking_id = %s", [booking_id]).fetchall()
        events = conn.execute(
            "SELECT kind, payload->>'from', payload->>'to', payload->>'reason', actor "
            "FROM restaurant_events WHERE booking_id = %s ORDER BY seq",
            [booking_id]).fetchall()
    return {"state": state, "tables": tables, "attempts": attempts, "history": history,
            "processed": processed, "events": events}


def test_a_batch_writes_what_one_booking_at_a_time_writes(db: Database) -> None:
    alone, together = build_hall(db, size=6), build_hall(db, size=6)
    # The same 12 bookings in both halls: more than 6 tables seat, so some go to staff.
    one_by_one = book_many(db, alone, 12)
    batched = book_many(db, together, 12)
    for booking_id in one_by_one:
        Coordinator(db, SETTINGS).process(booking_id, "creation", version=1)
    queued = [(job, b) for job, b, _ in jobs(db) if b in batched]
    start(db, queued[0][0])
    telemetry = Telemetry()
    Coordinator(db, SETTINGS, telemetry, batch=16).process(batched[0], "creation", version=1)
    # Every job of the second hall was settled by that one batch, in its bulk write.
    assert {status for _, b, status in jobs(db) if b in batched[1:]} == {"succeeded"}
    assert telemetry.bulk.labels("written")._value.get() == 11
    left = [trail(db, b) for b in one_by_one]
    right = [trail(db, b) for b in batched]
    assert {t["state"][0] for t in left} == {"assigned", "manual_review"}
    assert left == right


def _waiting_on_two_days(db: Database, hall: Hall) -> list[int]:
    """Bookings on two service days; the third and the sixth already tried once (moved to
    assignment_pending with a failed attempt their counter does not show yet)."""
    rng = random.Random(3)
    made = []
    with db.uow(actor="test") as tx:
        for i in range(10):
            start = NOON + timedelta(days=i % 2, minutes=15 * rng.randrange(0, 36))
            made.append(bookings.create_booking(
                tx, SETTINGS, hall.restaurant_id,
                BookingRequest(party_size=rng.choice([2, 2, 4, 5, 6]), start_at=start),
                enqueue_assignment=coordinator.enqueue).id)
        repo = AssignmentRepository(tx.conn)
        for booking_id in (made[2], made[5]):
            booking = tx.bookings.get(hall.restaurant_id, booking_id)
            bookings.transition(tx, hall.restaurant_id, booking_id, "assignment_pending",
                                expected_version=booking.version, actor="auto",
                                reason="automatic assignment (creation)")
            repo.add_attempt(hall.restaurant_id, booking_id, trigger="creation",
                             result="conflict", reason="lost a race")
    return made


def test_a_batch_over_two_days_and_retried_bookings_writes_what_one_at_a_time_writes(
    db: Database,
) -> None:
    alone, together = build_hall(db, size=4), build_hall(db, size=4)
    one_by_one = _waiting_on_two_days(db, alone)
    batched = _waiting_on_two_days(db, together)
    for booking_id in one_by_one:
        Coordinator(db, SETTINGS).process(booking_id, "creation", version=1)
    queued = [job for job, b, _ in jobs(db) if b in batched]
    start(db, queued[0])
    telemetry = Telemetry()
    Coordinator(db, SETTINGS, telemetry, batch=16).process(batched[0], "creation", version=1)
    assert telemetry.bulk.labels("written")._value.get() == 9
    left = [trail(db, b) for b in one_by_one]
    right = [trail(db, b) for b in batched]
    assert {t["state"][0] for t in left} == {"assigned", "manual_review"}
    assert left[2]["attempts"][0][3] == "conflict"  # the earlier try is kept, numbered 1
    assert left == right


def test_tables_placed_elsewhere_leave_the_bookings_to_their_jobs_with_no_trace(
    db: Database,
) -> None:
    hall = build_hall(db, size=12)
    made = book_many(db, hall, 3)
    with db.uow() as other, db.uow(actor="auto") as tx:
        # Another transaction is placing every table right now.
        other.allocations.lock_tables(hall.table_ids)
        telemetry = Telemetry()
        settled = Coordinator(db, SETTINGS, telemetry, batch=4).take_along(
            tx, hall.restaurant_id, locks.PostgresLocks(telemetry), Batch())
        # The bulk write gave way; the per-booking way moved the first booking to
        # assignment_pending, found its tables busy and undid it, and did not wait.
        assert settled == []
        assert telemetry.bulk.labels("given_back")._value.get() == 3
        assert tx.events.mark() == 0  # no event left of the change that was undone
        moved = tx.conn.execute(
            "SELECT count(*) FROM booking_state_history WHERE booking_id = ANY(%s) "
            "AND to_state <> 'pending'", [made]).fetchone()
        assert moved == (0,)
    assert [status for _, _, status in jobs(db)] == ["todo"] * 3

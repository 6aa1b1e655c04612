"""What the automatic pipeline writes besides bookings: attempts, outcomes, locks, jobs.

- ``booking_assignment_attempts``: one row per try at seating a booking (strategy, result,
  reason), so staff reviewing a booking see what the machine tried and why it gave up.
- ``booking_assignment_idempotency``: the outcome of (booking, trigger, version), so a job
  run twice (a worker killed after its commit, a retried request) does the work once.
- advisory locks: exclusive processing of one booking, shared/exclusive per restaurant-day.
- the job outbox: a job row written in the transaction of the change that causes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from maitred.errors import NotFound
from maitred.store import batched
from maitred.store.queries import query
from maitred.store.records import Booking


@dataclass(frozen=True, slots=True)
class Attempt:
    """One recorded try at seating a booking automatically."""

    attempt_number: int
    trigger: str
    strategy: str | None
    result: str
    reason: str
    score: float | None
    metadata: dict[str, Any]
    correlation_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAttempt:
    """An attempt to record (:meth:`AssignmentRepository.add_attempts`)."""

    restaurant_id: int
    booking_id: int
    trigger: str
    result: str
    strategy: str | None = None
    reason: str = ""
    score: float | None = None
    metadata: dict[str, Any] | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadyJob:
    """A queued ``process_booking`` job claimed to be done in the claimer's transaction."""

    id: int
    booking_id: int
    trigger: str
    version: int | None
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class Processed:
    """The outcome already recorded for one (booking, trigger, version)."""

    outcome: str
    result: dict[str, Any]


class AssignmentRepository:
    """Attempts, outcomes, locks and deferred jobs, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def add_attempt(
        self, restaurant_id: int, booking_id: int, *, trigger: str, result: str,
        strategy: str | None = None, reason: str = "", score: float | None = None,
        metadata: dict[str, Any] | None = None, correlation_id: str | None = None,
    ) -> int:
        """Record one attempt; returns its number for the booking (1, 2, ...)."""
        return self.add_attempts([NewAttempt(
            restaurant_id, booking_id, trigger, result, strategy, reason, score, metadata,
            correlation_id)])[0]

    def add_attempts(self, attempts: Sequence[NewAttempt]) -> list[int]:
        """Record each attempt, in order, in one round trip; returns their numbers."""
        rows = batched.first_rows(self.conn, "assignments.add_attempt", [{
            "restaurant_id": a.restaurant_id, "booking_id": a.booking_id,
            "trigger": a.trigger, "strategy": a.strategy, "result": a.result,
            "reason": a.reason, "score": a.score, "metadata": Jsonb(a.metadata or {}),
            "correlation_id": a.correlation_id} for a in attempts], tuple_row)
        return [int(row[0]) for row in rows if row is not None]

    def attempts(self, restaurant_id: int, booking_id: int) -> list[Attempt]:
        with self.conn.cursor(row_factory=class_row(Attempt)) as cur:
            cur.execute(query("assignments.attempts"),
                        {"restaurant_id": restaurant_id, "booking_id": booking_id})
            return cur.fetchall()

    def processed(self, booking_id: int, trigger: str, version: int) -> Processed | None:
        row = self.conn.execute(query("assignments.processed"), {
            "booking_id": booking_id, "trigger": trigger, "booking_version": version,
        }).fetchone()
        return None if row is None else Processed(row[0], row[1])

    def booking_and_processed(
        self, restaurant_id: int, booking_id: int, trigger: str, version: int | None,
    ) -> tuple[Booking, Processed | None]:
        """The booking under its row lock and :meth:`processed` for (booking, trigger,
        ``version`` or else the booking's own), in one round trip."""
        row = self.conn.execute(query("assignments.booking_for_update_processed"), {
            "restaurant_id": restaurant_id, "booking_id": booking_id, "trigger": trigger,
            "booking_version": version,
        }).fetchone()
        if row is None:
            raise NotFound("booking", booking_id)
        *values, outcome, result = row
        booking = Booking(*values)
        return booking, (None if outcome is None else Processed(outcome, result))

    def booking_locked_and_processed(
        self, booking_id: int, trigger: str, version: int | None, lock: str,
    ) -> tuple[Booking, Processed | None, bool]:
        """:meth:`booking_and_processed` and :meth:`try_lock` of ``lock`` in one round trip;
        the last item says whether the lock was taken."""
        found = self.bookings_locked_and_processed([(booking_id, trigger, version, lock)])
        if not found:
            raise NotFound("booking", booking_id)
        return found[0]

    def bookings_locked_and_processed(
        self, wanted: Sequence[tuple[int, str, int | None, str]],
    ) -> list[tuple[Booking, Processed | None, bool]]:
        """For each (booking, trigger, version, lock), in order and in one round trip: the
        booking under its row lock, the outcome recorded for (booking, trigger, ``version``
        or else the booking's own), and whether the advisory lock ``lock`` was taken (a
        booking that no longer exists is left out)."""
        rows = self.conn.execute(query("assignments.bookings_locked_for_update_processed"), {
            "booking_ids": [w[0] for w in wanted], "triggers": [w[1] for w in wanted],
            "versions": [w[2] for w in wanted], "names": [w[3] for w in wanted],
        }).fetchall()
        found = []
        for row in rows:
            *values, outcome, result, got = row
            found.append((Booking(*values),
                          None if outcome is None else Processed(outcome, result), bool(got)))
        return found

    def record_processed(
        self, restaurant_id: int, booking_id: int, trigger: str, version: int, outcome: str,
        result: dict[str, Any],
    ) -> None:
        self.record_processed_each([(restaurant_id, booking_id, trigger, version, outcome,
                                     result)])

    def record_processed_each(
        self, outcomes: Sequence[tuple[int, int, str, int, str, dict[str, Any]]],
    ) -> None:
        """:meth:`record_processed` for each (restaurant, booking, trigger, version,
        outcome, result), in one round trip."""
        batched.run_each(self.conn, "assignments.record_processed", [{
            "restaurant_id": rid, "booking_id": bid, "trigger": trigger,
            "booking_version": version, "outcome": outcome, "result": Jsonb(result),
        } for rid, bid, trigger, version, outcome, result in outcomes])

    def try_lock(self, name: str, *, shared: bool = False) -> bool:
        """Take the advisory lock ``name`` until the transaction ends, if it is free."""
        key = "assignments.try_lock_shared" if shared else "assignments.try_lock"
        row = self.conn.execute(query(key), {"name": name}).fetchone()
        return bool(row and row[0])

    def lock(self, name: str) -> None:
        """Wait for the advisory lock ``name``, held until the transaction ends."""
        self.conn.execute(query("assignments.lock"), {"name": name})

    def advance_fence(self, booking_id: int, fence: int) -> bool:
        """Record the fencing token; False when a newer one already processed the booking."""
        row = self.conn.execute(query("assignments.advance_fence"),
                                {"booking_id": booking_id, "fence": fence}).fetchone()
        return row is not None

    def restaurant_of(self, booking_id: int) -> int:
        row = self.conn.execute(query("assignments.restaurant_of_booking"),
                                {"booking_id": booking_id}).fetchone()
        if row is None:
            raise NotFound("booking", booking_id)
        restaurant_id: int = row[0]
        return restaurant_id

    def restaurant_of_hold(self, hold_id: int) -> int:
        row = self.conn.execute(query("assignments.restaurant_of_hold"),
                                {"hold_id": hold_id}).fetchone()
        if row is None:
            raise NotFound("hold", hold_id)
        restaurant_id: int = row[0]
        return restaurant_id

    def open_bookings(self, restaurant_id: int, start_at: datetime, end_at: datetime) -> list[int]:
        rows = self.conn.execute(query("assignments.open_bookings_of_day"), {
            "restaurant_id": restaurant_id, "start_at": start_at, "end_at": end_at,
        }).fetchall()
        return [r[0] for r in rows]

    def defer_job(
        self, task: str, args: dict[str, Any], *, queue: str = "default",
        lock: str | None = None, queueing_lock: str | None = None, priority: int = 0,
        scheduled_at: datetime | None = None,
    ) -> int:
        """Write a job row for the queue in this transaction; returns its id."""
        row = self.conn.execute(query("assignments.defer_job"), {
            "queue": queue, "task": task, "priority": priority, "lock": lock,
            "queueing_lock": queueing_lock, "args": Jsonb(args), "scheduled_at": scheduled_at,
        }).fetchone()
        assert row is not None
        job_id: int = row[0]
        return job_id

    def claim_ready_jobs(self, restaurant_id: int, *, queue: str, task: str,
                         limit: int) -> list[ReadyJob]:
        """Up to ``limit`` runnable jobs for the restaurant's bookings, row-locked (see the
        query); they stay queued unless :meth:`finish_jobs` marks them done before commit."""
        rows = self.conn.execute(query("assignments.claim_ready_jobs"), {
            "restaurant_id": restaurant_id, "queue": queue, "task": task, "limit": limit,
        }).fetchall()
        return [ReadyJob(*row) for row in rows]

    def finish_jobs(self, job_ids: list[int]) -> None:
        """Mark claimed jobs started and succeeded, in this transaction."""
        if not job_ids:
            return
        self.conn.execute(query("assignments.start_jobs"), {"job_ids": job_ids})
        self.conn.execute(query("assignments.finish_jobs"), {"job_ids": job_ids}).fetchall()

"""The coordinator's jobs: written with the booking (the outbox), and taken along in batches.

:func:`enqueue` is the booking factory's :class:`~maitred.services.bookings.AssignmentQueue`:
a ``process_booking`` job written by our own SQL in the booking's transaction, so the job
exists exactly when the booking (or its change) commits. Its procrastinate ``lock`` is the
booking: one booking's jobs run one at a time, in order.

:func:`claim_ready` lets a worker that is seating one booking take along, in the same
transaction, other bookings of the same restaurant whose jobs are queued: one commit (one
WAL flush, one hold of the restaurant's event counter) for several bookings instead of one
each. The claimed jobs are row-locked, so procrastinate's fetch skips them; those whose
bookings reach a final outcome are marked succeeded by :func:`finished` in that same
transaction, the others stay queued for a worker to fetch as usual.
"""

from __future__ import annotations

from maitred.services import locks
from maitred.store.assignments import AssignmentRepository, ReadyJob
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

TASK = "maitred:process_booking"
QUEUE = "assignments"


def enqueue(tx: UnitOfWork, booking: Booking, trigger: str) -> None:
    """The booking factory's :class:`~maitred.services.bookings.AssignmentQueue`: a job to
    process the booking, written in the booking's own transaction (exists iff it commits).
    """
    defer(tx, booking, trigger)


def defer(tx: UnitOfWork, booking: Booking, trigger: str, *,
          correlation_id: str | None = None) -> int:
    """Write the job that processes the booking; returns the job's id.

    Keyed by the version the change left, so the coordinator knows which change it serves.
    The job's queue lock is the booking: its jobs run one at a time, in order.
    """
    return AssignmentRepository(tx.conn).defer_job(
        TASK, {"booking_id": booking.id, "trigger": trigger, "version": booking.version,
               "correlation_id": correlation_id or tx.correlation_id},
        queue=QUEUE, lock=locks.booking_name(booking.id))


def claim_ready(tx: UnitOfWork, restaurant_id: int, limit: int) -> list[ReadyJob]:
    """Queued jobs of the restaurant's bookings that may run now, oldest first, row-locked."""
    if limit <= 0:
        return []
    return AssignmentRepository(tx.conn).claim_ready_jobs(restaurant_id, queue=QUEUE,
                                                          task=TASK, limit=limit)


def finished(tx: UnitOfWork, jobs: list[ReadyJob]) -> None:
    """The claimed jobs whose work this transaction did: succeeded when it commits."""
    AssignmentRepository(tx.conn).finish_jobs([job.id for job in jobs])

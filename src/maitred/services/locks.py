"""Locks for the automatic pipeline: one worker per booking, and whole-day runs alone.

The default backend is PostgreSQL transaction advisory locks: no extra service, released
when the transaction ends however it ends (a worker killed with SIGKILL loses its
connection and with it the lock). A booking is processed under ``booking:ID``
(exclusive); a booking's day under ``day:RESTAURANT:DATE`` shared, which a whole-day run
(the dashboard's "assign tables") takes exclusively.

Locks are an efficiency tool, not the guard: two workers that somehow both ran would
still meet the exclusion constraint on ``allocations``, and one would lose cleanly.
Acquisition time and failures are metrics. (A Redis backend with fencing tokens is
described in issue 5 and not built: see docs/decisions.md.)
"""

from __future__ import annotations

import time
from datetime import date

from maitred import errors
from maitred.services.telemetry import PIPELINE, Telemetry
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import UnitOfWork


class LockHeld(errors.Conflict):
    """Another worker or request is processing this right now; try again shortly."""

    code = "lock-held"

    def __init__(self, lock: str, booking_id: int | None = None) -> None:
        self.lock = lock
        self.booking_id = booking_id
        super().__init__(f"{lock} is being processed elsewhere right now; try again shortly")


def booking_name(booking_id: int) -> str:
    return f"booking:{booking_id}"


def day_name(restaurant_id: int, day: date) -> str:
    return f"day:{restaurant_id}:{day.isoformat()}"


def take(tx: UnitOfWork, name: str, *, shared: bool = False, booking_id: int | None = None,
         telemetry: Telemetry = PIPELINE) -> None:
    """Take the lock for this transaction, or raise :class:`LockHeld` at once."""
    kind = name.split(":", 1)[0]
    started = time.perf_counter()
    got = AssignmentRepository(tx.conn).try_lock(name, shared=shared)
    telemetry.lock_seconds.labels(kind).observe(time.perf_counter() - started)
    if not got:
        telemetry.lock_failures.labels(kind).inc()
        raise LockHeld(name, booking_id)

"""Locks for the automatic pipeline: one worker per booking, and whole-day runs alone.

The default backend is PostgreSQL transaction advisory locks: no extra service, released
when the transaction ends however it ends (a worker killed with SIGKILL loses its
connection and with it the lock). A booking is processed under ``booking:ID``
(exclusive); a booking's day under ``day:RESTAURANT:DATE`` shared, which a whole-day run
(the dashboard's "assign tables") takes exclusively. A worker settling a batch of one
restaurant's bookings waits for ``pipeline:RESTAURANT`` first (:func:`serialize`).

Locks are an efficiency tool, not the guard: two workers that somehow both ran would
still meet the exclusion constraint on ``allocations``, and one would lose cleanly.
Acquisition time and failures are metrics.

The per-booking lock has two backends behind one shape (:class:`BookingLocks`):
:class:`PostgresLocks` (the default) and :class:`RedisLocks` for deployments that run
Redis. A Redis lock lives outside the transaction, so it is taken before it and released
after the commit, with a fencing token (a per-booking counter): the coordinator records
the token in ``booking_lock_fences`` under the booking's row lock and refuses to write
when a newer token was there first (a worker paused past its lock's TTL). When Redis
cannot be reached nothing is locked and nothing is assigned: :class:`LockUnavailable`,
and the job is retried later. The day lock stays in PostgreSQL with either backend.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Protocol

from maitred import errors
from maitred.services.telemetry import PIPELINE, Telemetry
from maitred.store.assignments import AssignmentRepository, Processed
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking


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


def pipeline_name(restaurant_id: int) -> str:
    return f"pipeline:{restaurant_id}"


def serialize(tx: UnitOfWork, restaurant_id: int, *, telemetry: Telemetry = PIPELINE) -> None:
    """Wait until no other coordinator transaction works on this restaurant.

    Taken first, holding nothing else: a worker whose booking's restaurant is busy waits
    before it plans, instead of planning, then waiting on tables the other transaction is
    placing, then planning again. One restaurant's commits are serial anyway (its event
    counter); workers run side by side on different restaurants.
    """
    started = time.perf_counter()
    AssignmentRepository(tx.conn).lock(pipeline_name(restaurant_id))
    telemetry.lock_seconds.labels("pipeline").observe(time.perf_counter() - started)


class LockUnavailable(errors.DatabaseUnavailable):
    """The lock service cannot be reached; nothing was locked or assigned, try later."""

    code = "lock-unavailable"


class LockLost(errors.Conflict):
    """A newer holder of this booking's lock has been here; this worker's lock is stale."""

    code = "lock-lost"

    def __init__(self, booking_id: int, fence: int) -> None:
        self.booking_id = booking_id
        self.fence = fence
        super().__init__(f"booking {booking_id}: lock token {fence} is stale; a newer holder "
                         "processed it")


class BookingLocks(Protocol):
    """Exclusive processing of one booking: ``around`` the transaction, then ``within`` it."""

    def around(self, booking_id: int) -> contextlib.AbstractContextManager[int | None]:
        """Held for the whole transaction; yields a fencing token (None: not needed)."""
        ...

    def within(self, tx: UnitOfWork, booking_id: int) -> None:
        """Called first thing inside the transaction."""
        ...


class PostgresLocks:
    """The default: a transaction advisory lock, gone with the transaction however it ends."""

    def __init__(self, telemetry: Telemetry = PIPELINE) -> None:
        self.telemetry = telemetry

    @contextlib.contextmanager
    def around(self, booking_id: int) -> Iterator[int | None]:  # noqa: ARG002
        yield None  # a transaction lock needs no token: it cannot outlive its holder

    def within(self, tx: UnitOfWork, booking_id: int) -> None:
        take(tx, booking_name(booking_id), booking_id=booking_id, telemetry=self.telemetry)

    def booking_within(self, tx: UnitOfWork, booking_id: int, trigger: str,
                       version: int | None) -> tuple[Booking, Processed | None]:
        """:meth:`within`, then the booking under its row lock and the outcome recorded for
        (booking, trigger, version), in one round trip."""
        name = booking_name(booking_id)
        started = time.perf_counter()
        booking, done, got = AssignmentRepository(tx.conn).booking_locked_and_processed(
            booking_id, trigger, version, name)
        self.telemetry.lock_seconds.labels("booking").observe(time.perf_counter() - started)
        if not got:
            self.telemetry.lock_failures.labels("booking").inc()
            raise LockHeld(name, booking_id)
        return booking, done

    def bookings_within(
        self, tx: UnitOfWork, wanted: Sequence[tuple[int, str, int | None]],
    ) -> list[tuple[Booking, Processed | None]]:
        """:meth:`booking_within` for each (booking, trigger, version) in turn, in one round
        trip; stops before the first booking whose lock is held elsewhere (or that is
        gone)."""
        started = time.perf_counter()
        rows = AssignmentRepository(tx.conn).bookings_locked_and_processed(
            [(b, trigger, version, booking_name(b)) for b, trigger, version in wanted])
        self.telemetry.lock_seconds.labels("booking").observe(time.perf_counter() - started)
        found = []
        for (booking_id, _, _), (booking, done, got) in zip(wanted, rows, strict=False):
            if booking.id != booking_id or not got:
                if not got:
                    self.telemetry.lock_failures.labels("booking").inc()
                break
            found.append((booking, done))
        return found


# Delete the key only if it still holds our token (an expired lock re-taken by another
# worker is theirs, not ours to release).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLocks:
    """A lock per booking in Redis (``SET NX PX``) with a fencing token from ``INCR``."""

    def __init__(self, url: str, *, ttl_ms: int = 30_000, telemetry: Telemetry = PIPELINE,
                 prefix: str = "maitred") -> None:
        import redis  # optional dependency: only deployments choosing Redis need it

        self.redis_errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.client: Any = redis.Redis.from_url(url, socket_timeout=2,
                                                socket_connect_timeout=2)
        self.ttl_ms = ttl_ms
        self.telemetry = telemetry
        self.prefix = prefix

    @contextlib.contextmanager
    def around(self, booking_id: int) -> Iterator[int | None]:
        name = booking_name(booking_id)
        key, counter = f"{self.prefix}:lock:{name}", f"{self.prefix}:fence:{name}"
        started = time.perf_counter()
        try:
            fence = int(self.client.incr(counter))
            got = self.client.set(key, str(fence), nx=True, px=self.ttl_ms)
        except self.redis_errors as exc:
            self.telemetry.lock_failures.labels("redis").inc()
            raise LockUnavailable(f"the lock service cannot be reached ({exc}); booking "
                                  f"{booking_id} is processed later") from exc
        finally:
            self.telemetry.lock_seconds.labels("redis").observe(time.perf_counter() - started)
        if not got:
            self.telemetry.lock_failures.labels("redis").inc()
            raise LockHeld(name, booking_id)
        try:
            yield fence
        finally:
            with contextlib.suppress(*self.redis_errors):  # else it expires by its TTL
                self.client.eval(_RELEASE, 1, key, str(fence))

    def within(self, tx: UnitOfWork, booking_id: int) -> None:
        pass  # held around the transaction; the fence is checked by the coordinator


def backend(settings: Any, telemetry: Telemetry = PIPELINE) -> BookingLocks:
    """The lock backend the settings choose."""
    if settings.lock_backend == "redis":
        if not settings.redis_url:
            raise errors.InvalidInput("redis_url", "set REDIS_URL to use the Redis lock backend")
        return RedisLocks(settings.redis_url, telemetry=telemetry)
    return PostgresLocks(telemetry)

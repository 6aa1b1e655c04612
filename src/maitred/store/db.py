"""The connection pool and the unit of work: one use case, one transaction.

::

    db = Database(url)
    with db.uow(actor="staff:7") as tx:
        table = tx.tables.create(restaurant_id, zone_id=3, label="T9", max_party=4)
        tx.events...  # written by the repositories in the same transaction

Leaving the block commits; an exception rolls everything back. A database refusal (a
constraint, a lost race) leaves the block as a :mod:`maitred.errors` error, translated by
constraint name, including one raised at commit by a deferred constraint. ``actor`` and
``correlation_id`` are stamped on every event the transaction writes.
"""

from __future__ import annotations

import contextlib
import functools
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from maitred.errors import DatabaseUnavailable
from maitred.store import violations
from maitred.store.allocations import AllocationRepository
from maitred.store.bookings import BookingRepository, GuestRepository, HistoryRepository
from maitred.store.events import EventLog
from maitred.store.floor import (
    AdjacencyRepository,
    CombinationRepository,
    TableRepository,
    ZoneRepository,
)
from maitred.store.payments import PaymentEventRepository
from maitred.store.queries import query
from maitred.store.restaurants import RestaurantRepository

Connection = psycopg.Connection[TupleRow]


class Database:
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self.pool: ConnectionPool[Connection] = ConnectionPool(
            url, min_size=min_size, max_size=max_size, open=True, name="maitred",
            kwargs={"autocommit": True},
        )
        try:
            self.pool.wait(timeout=10)
        except PoolTimeout:
            self.pool.close()
            raise DatabaseUnavailable(
                f"cannot connect to the database at {_redacted(url)}") from None

    @contextlib.contextmanager
    def uow(
        self, *, actor: str | None = None, correlation_id: str | None = None,
        restaurants: Iterable[int] | None = None,
    ) -> Iterator[UnitOfWork]:
        """One transaction; its repositories as attributes.

        ``restaurants``: the only restaurants this transaction may see or change (a staff
        request: those the staff member belongs to). The database enforces it with
        row-level security; rows of other restaurants look absent. None: unscoped.
        """
        with self.pool.connection() as conn:
            # BEGIN and COMMIT by hand (the pool's connections are in autocommit), so that
            # the events and the COMMIT go in one round trip (see store/events.py).
            # psycopg's conn.transaction() inside the block still makes savepoints, and on
            # an exception the pool's connection context rolls back what is open.
            try:
                with translated():
                    with conn.pipeline():
                        conn.execute("BEGIN")
                        if restaurants is not None:
                            scope = ",".join(str(int(r)) for r in sorted(set(restaurants)))
                            conn.execute(query("tenancy.scope"), {"restaurant_ids": scope})
                    tx = UnitOfWork(conn, actor=actor, correlation_id=correlation_id)
                    yield tx
                    with conn.pipeline():
                        tx.events.flush()
                        conn.execute("COMMIT")
            except BaseException:
                _AFTER_COMMIT.pop(conn, None)  # rolled back: nothing happened to tell
                raise
            for callback in _AFTER_COMMIT.pop(conn, ()):
                callback()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A bare pooled connection in autocommit mode (LISTEN, long reads)."""
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Callbacks to run once the transaction on a connection has committed (see after_commit).
_AFTER_COMMIT: weakref.WeakKeyDictionary[Connection, list[Callable[[], None]]] = (
    weakref.WeakKeyDictionary())


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` when the unit of work running on ``conn`` commits (never if it
    rolls back). For in-process caches that must not outlive a change: forgetting at
    statement time alone would let a concurrent reader re-learn the old value before the
    commit makes the new one visible."""
    _AFTER_COMMIT.setdefault(conn, []).append(callback)


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise database refusals as domain errors."""
    try:
        yield
    except psycopg.Error as exc:
        error = violations.translate(exc)
        if error is None:
            raise
        raise error from exc


class UnitOfWork:
    """The repositories of one transaction, sharing its connection and event stamp."""

    def __init__(
        self, conn: Connection, *, actor: str | None = None, correlation_id: str | None = None
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.correlation_id = correlation_id

    def now(self) -> datetime:
        """The database's clock (the transaction's start), the one time every rule uses."""
        row = self.conn.execute(query("events.now")).fetchone()
        assert row is not None
        value: datetime = row[0]
        return value

    @functools.cached_property
    def events(self) -> EventLog:
        return EventLog(self.conn, actor=self.actor, correlation_id=self.correlation_id)

    @functools.cached_property
    def restaurants(self) -> RestaurantRepository:
        return RestaurantRepository(self.conn, self.events)

    @functools.cached_property
    def zones(self) -> ZoneRepository:
        return ZoneRepository(self.conn, self.events)

    @functools.cached_property
    def tables(self) -> TableRepository:
        return TableRepository(self.conn, self.events)

    @functools.cached_property
    def adjacency(self) -> AdjacencyRepository:
        return AdjacencyRepository(self.conn, self.events)

    @functools.cached_property
    def combinations(self) -> CombinationRepository:
        return CombinationRepository(self.conn, self.events)

    @functools.cached_property
    def guests(self) -> GuestRepository:
        return GuestRepository(self.conn)

    @functools.cached_property
    def bookings(self) -> BookingRepository:
        return BookingRepository(self.conn)

    @functools.cached_property
    def history(self) -> HistoryRepository:
        return HistoryRepository(self.conn, actor=self.actor)

    @functools.cached_property
    def allocations(self) -> AllocationRepository:
        return AllocationRepository(self.conn, self.events)

    @functools.cached_property
    def payments(self) -> PaymentEventRepository:
        return PaymentEventRepository(self.conn)

"""Holds and assignments: the tables each booking keeps, and when.

Every hold and every assignment is written as ``allocations`` rows, one per (table,
window), and the database refuses two overlapping rows on one table (the exclusion
constraint ``allocations_no_overlap``). This repository is the only writer of those
rows. It inserts them in table-id order, so concurrent writers lock tables in one order
and cannot deadlock; it first expires stale holds on the tables it touches, so a dead
sweeper never blocks a table; and when the database refuses, it names the table, the
booking that keeps it and when it frees (:class:`~maitred.errors.TableUnavailable`).

Windows are passed whole: ``[start_at, end_at)`` already includes the turnover buffer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pg
from psycopg.rows import class_row, tuple_row

from maitred.errors import IllegalTransition, InvalidInput, NotFound, TableUnavailable
from maitred.store import batched, violations
from maitred.store.events import EventLog
from maitred.store.queries import query
from maitred.store.records import Allocation, Assignment, Hold


class AllocationRepository:
    """Write and read holds, assignments and their allocations for one transaction."""

    def __init__(self, conn: psycopg.Connection[Any], events: EventLog) -> None:
        self.conn = conn
        self.events = events

    # -- holds --------------------------------------------------------------------------

    def hold(
        self, restaurant_id: int, booking_id: int, table_ids: Sequence[int],
        start_at: datetime, end_at: datetime, *, ttl_seconds: int,
        session_id: int | None = None, source: str = "manual", created_by: int | None = None,
        expire: bool = True,
    ) -> Hold:
        """Claim the tables for the window until now + ``ttl_seconds`` (database clock).

        ``expire=False``: the caller has just expired the stale holds on these tables in
        this transaction (:meth:`expire_stale_holds`), so it is not done again.
        """
        tables = _tables(table_ids)
        self.lock_tables(tables)
        if expire:
            self.expire_stale_holds(restaurant_id, tables)
        # The hold and its members in one statement; the hold as get_hold would read it.
        with self.conn.cursor(row_factory=class_row(Hold)) as cur:
            cur.execute(query("allocations.create_hold_with_members"), {
                "restaurant_id": restaurant_id, "booking_id": booking_id,
                "session_id": session_id, "source": source, "start_at": start_at,
                "end_at": end_at, "created_by": created_by, "ttl_seconds": ttl_seconds,
                "table_ids": tables,
            })
            created = cur.fetchone()
        assert created is not None
        hold_id, expires_at = created.id, created.expires_at
        self._allocate(restaurant_id, booking_id, tables, start_at, end_at,
                       kind="hold", hold_id=hold_id, expires_at=expires_at)
        self.events.append(restaurant_id, "hold.created", {
            "hold_id": hold_id, "tables": tables, "expires_at": expires_at.isoformat(),
            "session_id": session_id,
        }, booking_id=booking_id)
        return created

    def hold_and_confirm(
        self, restaurant_id: int, booking_id: int, table_ids: Sequence[int],
        start_at: datetime, end_at: datetime, *, ttl_seconds: int, source: str = "auto",
    ) -> int:
        """:meth:`hold` then :meth:`confirm_hold` in one statement; returns the hold's id.

        For a caller that already holds the tables' locks and has expired their stale holds
        (the coordinator): same rows, same events, same refusal
        (:class:`~maitred.errors.TableUnavailable`), one round trip instead of six.
        """
        try:
            with self.conn.transaction():  # a savepoint, as in _allocate
                return self.holds_and_confirms(
                    restaurant_id, [(booking_id, table_ids, start_at, end_at)],
                    ttl_seconds=ttl_seconds, source=source)[0]
        except pg.ExclusionViolation as exc:
            tables = _tables(table_ids)
            raise self._unavailable(tables, start_at, end_at, booking_id, exc) from exc

    def holds_and_confirms(
        self, restaurant_id: int,
        seatings: Sequence[tuple[int, Sequence[int], datetime, datetime]], *,
        ttl_seconds: int, source: str = "auto",
    ) -> list[int]:
        """:meth:`hold_and_confirm` for each (booking, tables, start, end), in one round
        trip; the hold ids in order. A refused one raises
        :class:`psycopg.errors.ExclusionViolation` and leaves the transaction failed:
        run it inside a savepoint."""
        items: list[dict[str, Any]] = [{
                  "restaurant_id": restaurant_id, "booking_id": booking_id, "source": source,
                  "start_at": start_at, "end_at": end_at, "ttl_seconds": ttl_seconds,
                  "table_ids": _tables(table_ids)}
                 for booking_id, table_ids, start_at, end_at in seatings]
        rows = batched.first_rows(self.conn, "allocations.hold_and_confirm", items, tuple_row)
        hold_ids = []
        for item, row in zip(items, rows, strict=True):
            assert row is not None
            hold_id, expires_at = int(row[0]), row[1]
            self.events.append(restaurant_id, "hold.created", {
                "hold_id": hold_id, "tables": item["table_ids"],
                "expires_at": expires_at.isoformat(), "session_id": None},
                booking_id=item["booking_id"])
            self.events.append(restaurant_id, "assignment.confirmed", {
                "hold_id": hold_id, "tables": item["table_ids"], "source": source},
                booking_id=item["booking_id"])
            hold_ids.append(hold_id)
        return hold_ids

    def get_hold(self, restaurant_id: int, hold_id: int) -> Hold:
        with self.conn.cursor(row_factory=class_row(Hold)) as cur:
            cur.execute(query("allocations.get_hold"),
                        {"restaurant_id": restaurant_id, "hold_id": hold_id})
            hold = cur.fetchone()
        if hold is None:
            raise NotFound("hold", hold_id)
        return hold

    def touch_hold(
        self, restaurant_id: int, hold_id: int, *, ttl_seconds: int | None = None
    ) -> datetime:
        """Mark the hold as still worked on (and extend it); returns its expiry."""
        row = self.conn.execute(query("allocations.touch_hold"), {
            "restaurant_id": restaurant_id, "hold_id": hold_id, "ttl_seconds": ttl_seconds,
        }).fetchone()
        if row is None:
            hold = self.get_hold(restaurant_id, hold_id)
            raise IllegalTransition("hold", hold_id, _live_status(hold), "active")
        expires_at: datetime = row[0]
        return expires_at

    def confirm_hold(
        self, restaurant_id: int, hold_id: int, *, source: str = "manual",
        assigned_by: int | None = None, fetch: bool = True,
    ) -> list[Assignment]:
        """Turn a live hold into the booking's assignment, in this transaction.

        Returns the booking's assignments (``fetch=False``: not read back; returns ``[]``).
        """
        status, hold = self._lock_and_get_hold(restaurant_id, hold_id)
        if status != "active":
            raise IllegalTransition("hold", hold_id, status, "confirmed")
        # Allocations to assignment, the hold ended, the assignments recorded: one statement.
        self.conn.execute(query("allocations.confirm_hold_allocations"), {
            "restaurant_id": restaurant_id, "hold_id": hold_id, "booking_id": hold.booking_id,
            "source": source, "assigned_by": assigned_by})
        self.events.append(restaurant_id, "assignment.confirmed", {
            "hold_id": hold_id, "tables": hold.table_ids, "source": source,
        }, booking_id=hold.booking_id)
        return self.assignments(restaurant_id, hold.booking_id) if fetch else []

    def release_hold(self, restaurant_id: int, hold_id: int, *, status: str = "released") -> None:
        """Give the tables back (``released`` by staff, or ``expired`` by the sweeper)."""
        if status not in ("released", "expired"):
            raise InvalidInput("status", "a hold ends released or expired")
        current = self._lock_hold(restaurant_id, hold_id)
        if current != "active":
            raise IllegalTransition("hold", hold_id, current, status)
        hold = self.get_hold(restaurant_id, hold_id)
        self.conn.execute(query("allocations.delete_hold_allocations"), {"hold_id": hold_id})
        self.conn.execute(query("allocations.end_hold"), {
            "restaurant_id": restaurant_id, "hold_id": hold_id, "status": status})
        self.events.append(restaurant_id, f"hold.{status}", {
            "hold_id": hold_id, "tables": hold.table_ids}, booking_id=hold.booking_id)

    def lock_tables(self, table_ids: Sequence[int]) -> None:
        """Wait for the tables' transaction advisory locks, in table-id order.

        Two transactions inserting overlapping allocations on one table at the same moment
        would each wait for the other inside the exclusion check: a deadlock PostgreSQL
        breaks only after ``deadlock_timeout`` (1 s), with an error instead of a clean
        refusal. With the lock taken first, the second sees the first's rows and gets
        :class:`TableUnavailable`. The exclusion constraint stays the real guard.
        """
        self.conn.execute(query("allocations.lock_tables"),
                          {"table_ids": sorted(set(table_ids))})

    def try_lock_tables(self, table_ids: Sequence[int]) -> bool:
        """:meth:`lock_tables` without waiting; False when another transaction has one.

        Call inside a savepoint and roll it back on False: the locks already taken go with it.
        """
        row = self.conn.execute(query("allocations.try_lock_tables"),
                                {"table_ids": sorted(set(table_ids))}).fetchone()
        return bool(row and row[0])

    def expire_stale_holds(
        self, restaurant_id: int, table_ids: Sequence[int] | None = None
    ) -> list[int]:
        """Expire the restaurant's holds past their TTL (on these tables only, if given)."""
        rows = self.conn.execute(query("allocations.expire_stale_holds"), {
            "restaurant_id": restaurant_id,
            "table_ids": None if table_ids is None else list(table_ids),
        }).fetchall()
        for hold_id, booking_id in rows:
            self.events.append(restaurant_id, "hold.expired", {"hold_id": hold_id},
                               booking_id=booking_id)
        return [r[0] for r in rows]

    def stale_hold_restaurants(self) -> list[int]:
        """Restaurants with holds past their TTL (the sweeper then expires each one's)."""
        return [r[0] for r in self.conn.execute(
            query("allocations.stale_hold_restaurants")).fetchall()]

    # -- assignments ---------------------------------------------------------------------

    def assign(
        self, restaurant_id: int, booking_id: int, table_ids: Sequence[int],
        start_at: datetime, end_at: datetime, *, source: str = "ops",
        assigned_by: int | None = None,
    ) -> list[Assignment]:
        """Give the booking these tables directly (ops, optimizer, import), no hold first."""
        tables = _tables(table_ids)
        self.lock_tables(tables)
        self.expire_stale_holds(restaurant_id, tables)
        allocation_ids = self._allocate(restaurant_id, booking_id, tables, start_at, end_at,
                                        kind="assignment", hold_id=None, expires_at=None)
        self._record(restaurant_id, booking_id, allocation_ids, source, assigned_by)
        self.events.append(restaurant_id, "assignment.confirmed",
                           {"tables": tables, "source": source}, booking_id=booking_id)
        return self.assignments(restaurant_id, booking_id)

    def unassign(
        self, restaurant_id: int, booking_id: int, table_ids: Sequence[int] | None = None
    ) -> list[int]:
        """Take tables (all, when None) away from the booking; returns those removed."""
        rows = self.conn.execute(query("allocations.remove_assignments"), {
            "restaurant_id": restaurant_id, "booking_id": booking_id,
            "table_ids": None if table_ids is None else list(table_ids),
        }).fetchall()
        removed = [r[0] for r in rows]
        if removed:
            self.events.append(restaurant_id, "assignment.removed", {"tables": removed},
                               booking_id=booking_id)
        return removed

    def move(
        self, restaurant_id: int, booking_id: int, start_at: datetime, end_at: datetime
    ) -> list[int]:
        """Move the booking's assigned tables to its new window (refused if it overlaps)."""
        params = {"restaurant_id": restaurant_id, "booking_id": booking_id,
                  "start_at": start_at, "end_at": end_at}
        try:
            with self.conn.transaction():
                rows = self.conn.execute(query("allocations.move_assignments"), params).fetchall()
        except pg.ExclusionViolation as exc:
            tables = [a.table_id for a in self.for_booking(restaurant_id, booking_id)]
            raise self._unavailable(tables, start_at, end_at, booking_id, exc) from exc
        return sorted(r[0] for r in rows)

    def assignments(self, restaurant_id: int, booking_id: int) -> list[Assignment]:
        with self.conn.cursor(row_factory=class_row(Assignment)) as cur:
            cur.execute(query("allocations.assignments"),
                        {"restaurant_id": restaurant_id, "booking_id": booking_id})
            return cur.fetchall()

    # -- reads ---------------------------------------------------------------------------

    def in_window(
        self, restaurant_id: int, start_at: datetime, end_at: datetime, *,
        include_holds: bool = True,
    ) -> list[Allocation]:
        """Live allocations overlapping the period (a day's busy windows)."""
        with self.conn.cursor(row_factory=class_row(Allocation)) as cur:
            cur.execute(query("allocations.in_window"), {
                "restaurant_id": restaurant_id, "start_at": start_at, "end_at": end_at,
                "include_holds": include_holds,
            })
            return cur.fetchall()

    def for_booking(self, restaurant_id: int, booking_id: int) -> list[Allocation]:
        with self.conn.cursor(row_factory=class_row(Allocation)) as cur:
            cur.execute(query("allocations.for_booking"),
                        {"restaurant_id": restaurant_id, "booking_id": booking_id})
            return cur.fetchall()

    def overlapping_pairs(self, restaurant_id: int) -> list[tuple[int, int, int]]:
        """(table, booking, other booking) for every overlap: always empty, or a bug."""
        rows = self.conn.execute(query("allocations.overlapping_pairs"),
                                 {"restaurant_id": restaurant_id}).fetchall()
        return [(a, b, c) for a, b, c in rows]

    # -- internals -----------------------------------------------------------------------

    def _allocate(
        self, restaurant_id: int, booking_id: int, tables: list[int], start_at: datetime,
        end_at: datetime, *, kind: str, hold_id: int | None, expires_at: datetime | None,
    ) -> list[int]:
        params = {
            "restaurant_id": restaurant_id, "booking_id": booking_id, "kind": kind,
            "hold_id": hold_id, "start_at": start_at, "end_at": end_at,
            "expires_at": expires_at, "table_ids": tables,
        }
        try:
            # A savepoint: after a refusal the transaction is still usable to ask who
            # keeps the table, so the error can name them.
            with self.conn.transaction():
                rows = self.conn.execute(query("allocations.insert_allocations"),
                                         params).fetchall()
        except pg.ExclusionViolation as exc:
            raise self._unavailable(tables, start_at, end_at, booking_id, exc) from exc
        return [r[0] for r in rows]

    def _unavailable(
        self, tables: list[int], start_at: datetime, end_at: datetime, booking_id: int,
        exc: psycopg.Error,
    ) -> TableUnavailable:
        fallback = violations.translate(exc)
        named = fallback.table_id if isinstance(fallback, TableUnavailable) else 0
        rows = self.conn.execute(query("allocations.conflicts"), {
            "table_ids": [named] if named in tables else tables,
            "start_at": start_at, "end_at": end_at,
        }).fetchall()
        others = [r for r in rows if r[1] != booking_id] or rows
        if not others:
            return TableUnavailable(named, None, None)
        table_id, other_booking, free_at = others[0]
        return TableUnavailable(table_id, other_booking, free_at)

    def _record(
        self, restaurant_id: int, booking_id: int, allocation_ids: list[int], source: str,
        assigned_by: int | None,
    ) -> None:
        self.conn.execute(query("allocations.record_assignments"), {
            "restaurant_id": restaurant_id, "booking_id": booking_id,
            "allocation_ids": allocation_ids, "source": source, "assigned_by": assigned_by,
        })

    def _lock_and_get_hold(self, restaurant_id: int, hold_id: int) -> tuple[str, Hold]:
        """:meth:`_lock_hold` and :meth:`get_hold` in one round trip."""
        with self.conn.cursor() as cur:
            cur.execute(query("allocations.lock_and_get_hold"),
                        {"restaurant_id": restaurant_id, "hold_id": hold_id})
            row = cur.fetchone()
        if row is None:
            raise NotFound("hold", hold_id)
        *values, expired = row
        hold = Hold(*values)
        # An active hold past its TTL is expired, whether or not the sweeper has run.
        return ("expired" if hold.status == "active" and expired else hold.status), hold

    def _lock_hold(self, restaurant_id: int, hold_id: int) -> str:
        row = self.conn.execute(query("allocations.lock_hold"),
                                {"restaurant_id": restaurant_id, "hold_id": hold_id}).fetchone()
        if row is None:
            raise NotFound("hold", hold_id)
        status, expired = row
        # An active hold past its TTL is expired, whether or not the sweeper has run.
        return "expired" if status == "active" and expired else str(status)


def _tables(table_ids: Sequence[int]) -> list[int]:
    tables = sorted(set(table_ids))
    if not tables or len(tables) != len(table_ids):
        raise InvalidInput("table_ids", "give one or more distinct tables")
    return tables


def _live_status(hold: Hold) -> str:
    return "expired" if hold.status == "active" else hold.status

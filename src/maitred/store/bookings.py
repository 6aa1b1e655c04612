"""Guests, bookings and their history, as rows.

Rules about bookings (what may change, which transitions are legal) live in
``services/bookings.py``; this module only reads and writes, with compare-and-set on the
booking's ``version`` so a lost race is reported, never written over.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from maitred.errors import NotFound, StaleVersion
from maitred.store import batched
from maitred.store.queries import query
from maitred.store.records import Booking, Guest, HistoryEntry

# The legacy two-value status next to the finer state: confirmed once tables are settled.
STATUS_OF_STATE = {
    "pending": "pending", "assignment_pending": "pending", "manual_review": "pending",
    "assigned": "confirmed", "seated": "confirmed", "completed": "confirmed",
    "cancelled": "cancelled", "no_show": "cancelled",
}


@dataclass(frozen=True, slots=True)
class Move:
    """One compare-and-set state change of a booking, with its history row."""

    restaurant_id: int
    booking_id: int
    to_state: str
    from_state: str
    expected_version: int
    actor: str
    reason: str = ""
    metadata: dict[str, Any] | None = None
    assignment_strategy: str | None = None
    attempts: int = 0

    def params(self) -> dict[str, Any]:
        return {
            "restaurant_id": self.restaurant_id, "id": self.booking_id,
            "to_state": self.to_state, "status": STATUS_OF_STATE[self.to_state],
            "from_states": [self.from_state], "from_state": self.from_state,
            "expected_version": self.expected_version,
            "assignment_strategy": self.assignment_strategy, "attempts": self.attempts,
            "actor": self.actor, "reason": self.reason, "metadata": Jsonb(self.metadata or {}),
        }


class GuestRepository:
    """The people who book."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def find_or_create(
        self, restaurant_id: int, *, name: str = "", phone: str | None = None,
        email: str | None = None, notes: str = "",
    ) -> Guest:
        """The returning guest with this phone or email, or a new one."""
        with self.conn.cursor(row_factory=class_row(Guest)) as cur:
            if phone or email:
                cur.execute(query("bookings.find_guest"), {
                    "restaurant_id": restaurant_id, "phone": phone or None,
                    "email": email or None})
                found = cur.fetchone()
                if found is not None:
                    return found
            cur.execute(query("bookings.create_guest"), {
                "restaurant_id": restaurant_id, "name": name, "phone": phone or None,
                "email": email or None, "notes": notes})
            guest = cur.fetchone()
        assert guest is not None
        return guest

    def get(self, restaurant_id: int, guest_id: int) -> Guest:
        with self.conn.cursor(row_factory=class_row(Guest)) as cur:
            cur.execute(query("bookings.get_guest"), {"restaurant_id": restaurant_id,
                                                      "id": guest_id})
            guest = cur.fetchone()
        if guest is None:
            raise NotFound("guest", guest_id)
        return guest


class BookingRepository:
    """Booking rows. Create through ``services.bookings``, which validates and audits."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def create(
        self, restaurant_id: int, *, party_size: int, start_at: datetime,
        duration_minutes: int, source: str, guest_id: int | None = None,
        reference: str | None = None, zone_preference_id: int | None = None,
        tags_preference: Iterable[str] = (), notes: str = "", locked: bool = False,
        created_by: int | None = None, created_seq: int | None = None,
    ) -> Booking:
        booking = self._one("bookings.create", {
            "restaurant_id": restaurant_id, "guest_id": guest_id, "reference": reference,
            "party_size": party_size, "start_at": start_at,
            "duration_minutes": duration_minutes, "source": source,
            "zone_preference_id": zone_preference_id,
            "tags_preference": sorted(set(tags_preference)), "notes": notes,
            "locked": locked, "created_by": created_by, "created_seq": created_seq,
        })
        assert booking is not None
        return booking

    def get(self, restaurant_id: int, booking_id: int, *, for_update: bool = False) -> Booking:
        """The booking; ``for_update`` locks its row until the transaction ends."""
        name = "bookings.get_for_update" if for_update else "bookings.get"
        booking = self._one(name, {"restaurant_id": restaurant_id, "id": booking_id})
        if booking is None:
            raise NotFound("booking", booking_id)
        return booking

    def list(
        self, restaurant_id: int, start_at: datetime, end_at: datetime, *,
        states: Sequence[str] | None = None,
    ) -> list[Booking]:
        """Bookings starting in ``[start_at, end_at)``, by start time."""
        with self.conn.cursor(row_factory=class_row(Booking)) as cur:
            cur.execute(query("bookings.list"), {
                "restaurant_id": restaurant_id, "start_at": start_at, "end_at": end_at,
                "states": None if states is None else list(states)})
            return cur.fetchall()

    def update(
        self, restaurant_id: int, booking_id: int, *, expected_version: int,
        party_size: int | None = None, start_at: datetime | None = None,
        duration_minutes: int | None = None, zone_preference_id: int | None = None,
        clear_zone_preference: bool = False, tags_preference: Iterable[str] | None = None,
        notes: str | None = None, locked: bool | None = None, guest_id: int | None = None,
    ) -> Booking:
        """Change the given fields if the booking is still at ``expected_version``."""
        booking = self._one("bookings.update", {
            "restaurant_id": restaurant_id, "id": booking_id,
            "expected_version": expected_version, "party_size": party_size,
            "start_at": start_at, "duration_minutes": duration_minutes,
            "set_zone_preference": clear_zone_preference or zone_preference_id is not None,
            "zone_preference_id": zone_preference_id,
            "tags_preference": None if tags_preference is None else sorted(set(tags_preference)),
            "notes": notes, "locked": locked, "guest_id": guest_id,
        })
        if booking is None:
            raise self._stale(restaurant_id, booking_id, expected_version)
        return booking

    def transition_logged(
        self, restaurant_id: int, booking_id: int, *, to_state: str, from_state: str,
        expected_version: int, actor: str, reason: str = "",
        metadata: dict[str, Any] | None = None, assignment_strategy: str | None = None,
        attempts: int = 0,
    ) -> Booking | None:
        """Compare-and-set the state and write its ``booking_state_history`` row, at once.

        None (and no history row) when the version or state no longer matches.
        """
        return self._one("bookings.transition_logged", Move(
            restaurant_id, booking_id, to_state, from_state, expected_version, actor, reason,
            metadata, assignment_strategy, attempts).params())

    def transitions_logged(self, moves: Sequence[Move]) -> builtins.list[Booking | None]:
        """:meth:`transition_logged` for each move, in order, in one round trip."""
        return batched.first_rows(self.conn, "bookings.transition_logged",
                                  [m.params() for m in moves], class_row(Booking))

    def _stale(self, restaurant_id: int, booking_id: int, expected: int) -> StaleVersion:
        current = self.get(restaurant_id, booking_id)  # NotFound when it is simply missing
        return StaleVersion("booking", booking_id, expected, current.version)

    def _one(self, name: str, params: dict[str, Any]) -> Booking | None:
        with self.conn.cursor(row_factory=class_row(Booking)) as cur:
            cur.execute(query(name), params)
            return cur.fetchone()


class HistoryRepository:
    """``booking_state_history``: who moved a booking where, and why."""

    def __init__(self, conn: psycopg.Connection[Any], *, actor: str | None = None) -> None:
        self.conn = conn
        self.actor = actor

    def add(
        self, booking: Booking, from_state: str | None, *, reason: str = "",
        actor: str | None = None, metadata: dict[str, Any] | None = None,
    ) -> HistoryEntry:
        """Record the booking's move from ``from_state`` to its current state and version."""
        with self.conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
            cur.execute(query("bookings.add_history"), {
                "restaurant_id": booking.restaurant_id, "booking_id": booking.id,
                "from_state": from_state, "to_state": booking.state, "version": booking.version,
                "actor": actor or self.actor or "system", "reason": reason,
                "metadata": Jsonb(metadata or {}),
            })
            entry = cur.fetchone()
        assert entry is not None
        return entry

    def list(self, restaurant_id: int, booking_id: int) -> list[HistoryEntry]:
        with self.conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
            cur.execute(query("bookings.history"),
                        {"restaurant_id": restaurant_id, "booking_id": booking_id})
            return cur.fetchall()

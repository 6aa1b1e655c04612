"""The older validate → hold → confirm flow, as thin adapters over the session service.

Screens written for the chatty flow keep working (and carry manual assignment when
sessions are switched off): ``context`` reads the floor around one booking, ``validate``
asks the constraint engine without writing anything, ``hold`` and ``confirm`` go through
:mod:`maitred.services.sessions`, so both flows hold, refuse and confirm identically.

The ``contextVersion`` is scoped to the booking's window: a hold at lunch or a change to
another party's evening never makes a host's screen out of date; a stale one sent back is
a :class:`StaleContext` 409 with the current version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from maitred import errors
from maitred.config import Settings
from maitred.services import sessions, snapshot
from maitred.services.session_answers import SessionAnswer, judge, refusal
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking
from maitred.store.sessions import SessionRepository


class StaleContext(errors.Conflict):
    """The floor around this booking changed since you read it; reload the context."""

    code = "stale-context"

    def __init__(self, booking_id: int, expected: str, current: str) -> None:
        self.booking_id = booking_id
        self.expected = expected
        self.current = current
        super().__init__(f"the context of booking {booking_id} is at {current}, not "
                         f"{expected}; reload it")


def context(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int
) -> dict[str, Any]:
    """The booking, every table's status over its window, the day's busy windows and holds."""
    booking = tx.bookings.get(restaurant_id, booking_id)
    snap = snapshot.for_booking(tx, settings, booking)
    end_at = _end(snap, booking)
    view = snap.view
    return {
        "booking": _booking(booking),
        "contextVersion": snapshot.context_version(snap, booking, end_at),
        "tables": [{
            "tableId": table_id, "label": label, "zone": view.floor.tables[label].zone,
            "minParty": view.floor.tables[label].min_party,
            "maxParty": view.floor.tables[label].max_party,
            "active": view.floor.tables[label].active, "blocked": label in view.blocked,
            "free": not snap.keeping(table_id, booking.start_at, end_at, booking.id),
            "busy": [{"bookingId": r.booking_id, "kind": r.kind, "startAt": r.start_at,
                      "endAt": r.end_at, "holdId": r.hold_id, "staffId": r.staff_id,
                      "staffName": r.staff_name}
                     for r in snap.busy if r.table_id == table_id],
        } for table_id, label in sorted(view.labels.items(), key=lambda kv: kv[1])],
        "holds": [{"holdId": r.hold_id, "tableId": r.table_id, "bookingId": r.booking_id,
                   "sessionId": r.session_id, "staffId": r.staff_id, "startAt": r.start_at,
                   "endAt": r.end_at} for r in snap.busy if r.kind == "hold"],
    }


def validate(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
    table_ids: Sequence[int], expected_context: str | None,
) -> dict[str, Any]:
    """The constraint engine's verdict on the tables; nothing is written."""
    booking = tx.bookings.get(restaurant_id, booking_id)
    snap = snapshot.for_booking(tx, settings, booking)
    current = _check_context(snap, booking, expected_context)
    violations = judge(snap, booking, list(table_ids), None)
    return {"bookingId": booking_id, "tableIds": sorted(set(table_ids)),
            "valid": not violations, "contextVersion": current,
            "violations": [v.to_json() for v in violations]}


def hold(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
    table_ids: Sequence[int], expected_context: str | None, actor: sessions.Actor,
) -> SessionAnswer:
    """Hold through the caller's session; a refusal is a 409 naming table, holder, time."""
    booking = tx.bookings.get(restaurant_id, booking_id)
    if expected_context is not None:
        _check_context(snapshot.for_booking(tx, settings, booking), booking, expected_context)
    got = sessions.open_session(tx, settings, restaurant_id, booking_id, actor, table_ids)
    if got.state == sessions.HELD:
        return got
    raise refusal(got.violations, booking_id=booking_id, session_id=got.session.id)


def confirm(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, hold_id: int,
    actor: sessions.Actor,
) -> SessionAnswer:
    """Confirm the session behind a hold."""
    found = tx.allocations.get_hold(restaurant_id, hold_id)
    if found.session_id is None:
        raise errors.NotFound("hold", hold_id, f"hold {hold_id} belongs to no manual session")
    return sessions.confirm(tx, settings, restaurant_id, found.session_id, actor)


def session_of(tx: UnitOfWork, hold_id: int) -> int:
    """The session behind a hold, for finding where a confirm acts."""
    return SessionRepository(tx.conn).session_of_hold(hold_id)


def _check_context(snap: snapshot.Snapshot, booking: Booking, expected: str | None) -> str:
    current = snapshot.context_version(snap, booking, _end(snap, booking))
    if expected is not None and expected != current:
        raise StaleContext(booking.id, expected, current)
    return current


def _end(snap: snapshot.Snapshot, booking: Booking) -> datetime:
    return booking.end_at + timedelta(minutes=snap.view.policy.buffer_minutes)


def _booking(booking: Booking) -> dict[str, Any]:
    return {"id": booking.id, "partySize": booking.party_size, "startAt": booking.start_at,
            "endAt": booking.end_at, "state": booking.state, "version": booking.version}

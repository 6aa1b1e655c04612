"""Ops: give a booking a table, or take one away, directly (no session, no hold first).

The manager's override for the floor in service: seat a walk-in at T7 now, move a party
off a table being re-laid. No session and no hold, but the same rules: the constraint
engine judges the tables the booking would sit at first, exactly as for a session (size,
joins, blocked tables, other parties), and refuses with the same problem documents. The
same allocation rows then guard the write, so a table someone else keeps is still refused
by the database, naming the table, the booking, the host holding it and when it frees.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from maitred import errors
from maitred.config import Settings
from maitred.engine.rules import ViolationKind
from maitred.services import bookings as factory
from maitred.services import sessions, snapshot
from maitred.services.session_answers import judge, refusal, table_conflict
from maitred.store.db import UnitOfWork

OPEN_STATES = frozenset({"pending", "assignment_pending", "manual_review"})


def tables_of(tx: UnitOfWork, restaurant_id: int, booking_id: int) -> dict[str, Any]:
    """The booking's assigned tables, with labels and who assigned each."""
    booking = tx.bookings.get(restaurant_id, booking_id)
    labels = {t.id: t.label for t in tx.tables.list(restaurant_id)}
    return {
        "bookingId": booking.id, "state": booking.state, "version": booking.version,
        "tables": [{"tableId": a.table_id, "label": labels.get(a.table_id, f"#{a.table_id}"),
                    "source": a.source, "assignedBy": a.assigned_by, "assignedAt": a.created_at}
                   for a in tx.allocations.assignments(restaurant_id, booking_id)],
    }


def add_table(tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
              table_id: int, actor: sessions.Actor) -> dict[str, Any]:
    """Assign one more table to the booking over its window.

    The tables the booking would then sit at are judged by the constraint engine first,
    exactly as a session judges a selection (:func:`session_answers.judge`): a table that
    is too small, not joinable with the others, blocked by staff or kept by another party
    is refused with the engine's reasons before anything is written.
    """
    booking = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    if booking.state in factory.CLOSED_STATES:
        raise errors.IllegalTransition("booking", booking_id, booking.state, "given a table")
    tx.tables.get(restaurant_id, table_id)  # NotFound for another restaurant's table
    sessions.expire_lapsed(tx, restaurant_id=restaurant_id, table_ids=[table_id])
    snap = snapshot.for_booking(tx, settings, booking)
    end_at = booking.end_at + timedelta(minutes=snap.view.policy.buffer_minutes)
    current = snap.assigned_to(booking_id)
    if table_id in current:
        label = snap.view.labels.get(table_id, f"#{table_id}")
        raise errors.AlreadyExists("assignment", "tableId",
                                   f"booking {booking_id} already sits at table {label}")
    violations = judge(snap, booking, sorted({*current, table_id}), None)
    if violations:
        raise refusal(violations, booking_id=booking_id)
    try:
        with tx.conn.transaction():
            tx.allocations.assign(restaurant_id, booking_id, [table_id], booking.start_at,
                                  end_at, source="ops", assigned_by=actor.staff_id)
    except errors.TableUnavailable as exc:
        found = table_conflict(tx, snap, exc, booking, end_at)
        raise sessions.TableHeld(table_id, found.table_label or "", found.holder_booking_id,
                                 found.holder_staff_id, found.holder_staff_name,
                                 found.free_at, found.message) from exc
    if booking.state in OPEN_STATES:
        factory.transition(tx, restaurant_id, booking_id, "assigned",
                           expected_version=booking.version, actor=actor.name,
                           reason=f"table {table_id} given by ops", assignment_strategy="ops",
                           current=booking)
    return tables_of(tx, restaurant_id, booking_id)


# Reasons that do not stand in the way of taking a table away: the tables left were the
# party's before (a block or a neighbour's hold does not unseat them).
_KEPT_ANYWAY = frozenset({ViolationKind.BLOCKED_TABLE.value, ViolationKind.OVERLAP.value})


def remove_table(tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
                 table_id: int, actor: sessions.Actor) -> dict[str, Any]:
    """Take one table away; a booking left with none goes back to ``pending``.

    The tables left must still seat the party by the engine's rules (a party of six left
    at a table for two, or at two tables that no longer touch, is refused with the reason).
    """
    booking = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    assigned = [a.table_id for a in tx.allocations.assignments(restaurant_id, booking_id)]
    if table_id not in assigned:
        raise errors.NotFound("assignment", table_id,
                              f"booking {booking_id} does not have table {table_id}")
    left = sorted(set(assigned) - {table_id})
    if left:
        snap = snapshot.for_booking(tx, settings, booking)
        violations = [v for v in judge(snap, booking, left, None)
                      if v.kind not in _KEPT_ANYWAY]
        if violations:
            raise refusal(violations, booking_id=booking_id)
    tx.allocations.unassign(restaurant_id, booking_id, [table_id])
    if booking.state == "assigned" and not left:
        factory.transition(tx, restaurant_id, booking_id, "pending",
                           expected_version=booking.version, actor=actor.name,
                           reason=f"table {table_id} taken away by ops", current=booking)
    return tables_of(tx, restaurant_id, booking_id)

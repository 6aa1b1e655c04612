"""The booking factory: the single way a booking comes to exist, whatever the channel.

Online widget, phone, walk-in, a deposit-paid webhook or a floor import: every booking
goes through :func:`create_booking`, so every channel gets the same checks (a party the
floor can seat, a time the kitchen is open, a duration from the turn times) and leaves
the same trail: guest, booking (``pending``, version 1), the first history row and a
``booking.created`` event, in one transaction.

Changes go through :func:`update_booking`, :func:`cancel_booking` and :func:`transition`,
each a compare-and-set on the booking's ``version``: a host editing a booking someone
else just changed gets :class:`~maitred.errors.StaleVersion`, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from maitred.config import Settings
from maitred.errors import IllegalTransition, InvalidInput, OutsideServiceHours, StaleVersion
from maitred.services import floors
from maitred.store.bookings import Move
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

Source = Literal["online", "phone", "walk_in", "deposit", "staff", "import"]
Trigger = Literal["creation", "modification", "retry"]

# Legal moves of the booking state machine (DESIGN.md §4); everything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"assignment_pending", "assigned", "manual_review", "cancelled"}),
    "assignment_pending": frozenset({"assigned", "manual_review", "pending", "cancelled"}),
    "manual_review": frozenset({"assignment_pending", "assigned", "pending", "cancelled"}),
    "assigned": frozenset({"seated", "pending", "assignment_pending", "cancelled", "no_show"}),
    "seated": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}
CLOSED_STATES = frozenset({"completed", "cancelled", "no_show"})


class AssignmentQueue(Protocol):
    """Where a booking goes to be seated automatically (the coordinator's job queue).

    Called inside the booking's transaction, so the job exists exactly when the booking
    (or its change) commits. Until the coordinator is wired, callers pass ``None`` and
    bookings stay ``pending`` for staff to seat by hand.
    """

    def __call__(self, tx: UnitOfWork, booking: Booking, trigger: Trigger) -> None: ...


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """A party asking for a table, as any channel hands it in."""

    party_size: int
    start_at: datetime                       # timezone-aware
    duration_minutes: int | None = None      # None: the restaurant's turn time
    source: Source = "online"
    guest_name: str = ""
    guest_phone: str | None = None
    guest_email: str | None = None
    zone_preference_id: int | None = None
    tags_preference: frozenset[str] = field(default=frozenset())
    notes: str = ""
    reference: str | None = None             # an outside id (floor file, payment system)
    locked: bool = False
    created_by: int | None = None            # staff member, for phone and walk-in
    created_seq: int | None = None           # kept from an imported day, else assigned


def create_booking(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, request: BookingRequest, *,
    enqueue_assignment: AssignmentQueue | None = None, floor: floors.FloorView | None = None,
) -> Booking:
    """Validate and write a new booking with its guest, first history row and event.

    ``floor``: the restaurant's floor already loaded in this transaction (an import of a
    whole day loads it once, not per booking).
    """
    duration = _validate(tx, settings, restaurant_id, request.party_size, request.start_at,
                         request.duration_minutes, floor)
    guest = tx.guests.find_or_create(restaurant_id, name=request.guest_name,
                                     phone=request.guest_phone, email=request.guest_email)
    booking = tx.bookings.create(
        restaurant_id, party_size=request.party_size, start_at=request.start_at,
        duration_minutes=duration, source=request.source, guest_id=guest.id,
        reference=request.reference, zone_preference_id=request.zone_preference_id,
        tags_preference=request.tags_preference, notes=request.notes, locked=request.locked,
        created_by=request.created_by, created_seq=request.created_seq,
    )
    tx.history.add(booking, None, reason=f"created via {request.source}")
    tx.events.append(restaurant_id, "booking.created", _summary(booking), booking_id=booking.id)
    _enqueue(tx, settings, booking, "creation", enqueue_assignment)
    return booking


@dataclass(frozen=True, slots=True)
class BookingChanges:
    """What a host may change on a booking; None leaves a field as it is."""

    party_size: int | None = None
    start_at: datetime | None = None
    duration_minutes: int | None = None
    zone_preference_id: int | None = None
    clear_zone_preference: bool = False
    tags_preference: frozenset[str] | None = None
    notes: str | None = None
    locked: bool | None = None


def update_booking(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int,
    expected_version: int, changes: BookingChanges, *,
    enqueue_assignment: AssignmentQueue | None = None,
) -> Booking:
    """Apply the changes if nobody changed the booking since ``expected_version``.

    A new time moves the booking's assigned tables with it, unless another party has them
    then (:class:`~maitred.errors.TableUnavailable`: unassign first, or pick another time).
    """
    current = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    if current.version != expected_version:
        raise StaleVersion("booking", booking_id, expected_version, current.version)
    if current.state in CLOSED_STATES:
        raise IllegalTransition("booking", booking_id, current.state, "modified")
    party = changes.party_size or current.party_size
    start = changes.start_at or current.start_at
    # A bigger party keeps the booked duration unless told otherwise: the host agreed it
    # with the guest.
    duration = _validate(tx, settings, restaurant_id, party, start,
                         changes.duration_minutes or current.duration_minutes)
    booking = tx.bookings.update(
        restaurant_id, booking_id, expected_version=expected_version,
        party_size=changes.party_size, start_at=changes.start_at,
        duration_minutes=duration if duration != current.duration_minutes else None,
        zone_preference_id=changes.zone_preference_id,
        clear_zone_preference=changes.clear_zone_preference,
        tags_preference=changes.tags_preference, notes=changes.notes, locked=changes.locked,
    )
    if (booking.start_at, booking.end_at) != (current.start_at, current.end_at):
        buffer = floors.policy_of(tx, settings, restaurant_id).buffer_minutes
        tx.allocations.move(restaurant_id, booking_id, booking.start_at,
                            booking.end_at + timedelta(minutes=buffer))
    changed = sorted(k for k, v in _changed(current, booking).items() if v)
    tx.history.add(booking, current.state, reason="modified", metadata={"changed": changed})
    tx.events.append(restaurant_id, "booking.updated",
                     {**_summary(booking), "changed": changed}, booking_id=booking_id)
    _enqueue(tx, settings, booking, "modification", enqueue_assignment)
    return booking


def transition(
    tx: UnitOfWork, restaurant_id: int, booking_id: int, to_state: str, *,
    expected_version: int, reason: str = "", actor: str | None = None,
    metadata: dict[str, Any] | None = None, assignment_strategy: str | None = None,
    attempts: int = 0, current: Booking | None = None,
) -> Booking:
    """Move the booking to ``to_state`` if that move is legal and the version matches.

    ``current``: the booking as the caller last read or wrote it under its row lock in this
    transaction (it is then not read again); by default it is read and locked here.
    """
    if to_state not in TRANSITIONS:
        raise InvalidInput("state", f"unknown booking state {to_state!r}")
    if current is None or current.id != booking_id or current.restaurant_id != restaurant_id:
        current = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    _check_move(current, to_state, expected_version)
    from_state = current.state
    # The state, its version and its history row in one statement.
    booking = tx.bookings.transition_logged(
        restaurant_id, booking_id, to_state=to_state, from_state=from_state,
        expected_version=expected_version, assignment_strategy=assignment_strategy,
        attempts=attempts, actor=actor or tx.history.actor or "system", reason=reason,
        metadata=metadata,
    )
    assert booking is not None  # the row is locked: nobody moved it since we read it
    tx.events.append(restaurant_id, "booking.state_changed", {
        "from": from_state, "to": to_state, "version": booking.version, "reason": reason,
    }, booking_id=booking_id, actor=actor)
    return booking


def transitions(
    tx: UnitOfWork, moves: Sequence[tuple[Booking, str, dict[str, Any]]], *, actor: str,
) -> list[Booking]:
    """:func:`transition` for several bookings at once, in one round trip: each
    (booking as last written under its row lock, new state, transition fields)."""
    for current, to_state, _ in moves:
        _check_move(current, to_state, current.version)
    done = tx.bookings.transitions_logged([
        Move(current.restaurant_id, current.id, to_state, current.state, current.version,
             actor, **fields) for current, to_state, fields in moves])
    moved = []
    for (current, to_state, fields), booking in zip(moves, done, strict=True):
        assert booking is not None  # the rows are locked: nobody moved them since
        tx.events.append(current.restaurant_id, "booking.state_changed", {
            "from": current.state, "to": to_state, "version": booking.version,
            "reason": fields.get("reason", ""),
        }, booking_id=current.id, actor=actor)
        moved.append(booking)
    return moved


def cancel_booking(
    tx: UnitOfWork, restaurant_id: int, booking_id: int, *, expected_version: int,
    reason: str = "", actor: str | None = None,
) -> Booking:
    """Cancel: the booking's holds are released and its tables freed in the same step."""
    current = tx.bookings.get(restaurant_id, booking_id, for_update=True)
    _check_move(current, "cancelled", expected_version)
    holds = {a.hold_id for a in tx.allocations.for_booking(restaurant_id, booking_id)
             if a.kind == "hold" and a.hold_id is not None}
    for hold_id in sorted(holds):
        if tx.allocations.get_hold(restaurant_id, hold_id).status == "active":
            tx.allocations.release_hold(restaurant_id, hold_id)
    tx.allocations.unassign(restaurant_id, booking_id)
    return transition(tx, restaurant_id, booking_id, "cancelled",
                      expected_version=expected_version, reason=reason or "cancelled",
                      actor=actor)


def _validate(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, party_size: int,
    start_at: datetime, duration_minutes: int | None, view: floors.FloorView | None = None,
) -> int:
    """The booking's duration, after checking the party fits the floor and the hours."""
    if start_at.tzinfo is None:
        raise InvalidInput("start_at", "needs a time zone offset")
    view = view or floors.load_floor(tx, settings, restaurant_id)
    capacity = view.floor.max_capacity
    if capacity == 0:
        # A restaurant set up a moment ago (or with every table switched off): "parties of 1
        # to 0" would send the caller looking at the party instead of at the floor.
        raise InvalidInput("party_size", "the restaurant has no active tables yet: add tables "
                                         "(or switch one back on) before taking bookings")
    if not 1 <= party_size <= capacity:
        raise InvalidInput("party_size", f"this floor seats parties of 1 to {capacity}")
    duration = duration_minutes or view.policy.turn_time(party_size)
    if not 1 <= duration <= 24 * 60:
        raise InvalidInput("duration_minutes", "between 1 minute and 24 hours")
    periods = tx.restaurants.service_periods(restaurant_id)
    if periods and not floors.opens_at(periods, ZoneInfo(view.restaurant.timezone), start_at):
        raise OutsideServiceHours(start_at)
    return duration


def _enqueue(
    tx: UnitOfWork, settings: Settings, booking: Booking, trigger: Trigger,
    queue: AssignmentQueue | None,
) -> None:
    # The kill switch: with automatic assignment off, bookings wait for staff.
    if queue is None or not floors.flags_of(tx, settings, booking.restaurant_id)[
            "auto_assignment_enabled"]:
        return
    queue(tx, booking, trigger)


def _check_move(current: Booking, to_state: str, expected_version: int) -> None:
    if current.version != expected_version:
        raise StaleVersion("booking", current.id, expected_version, current.version)
    if to_state not in TRANSITIONS[current.state]:
        raise IllegalTransition("booking", current.id, current.state, to_state)


def _summary(booking: Booking) -> dict[str, Any]:
    return {
        "party_size": booking.party_size, "start_at": booking.start_at.isoformat(),
        "end_at": booking.end_at.isoformat(), "state": booking.state,
        "source": booking.source, "version": booking.version,
    }


def _changed(before: Booking, after: Booking) -> dict[str, bool]:
    names: Sequence[str] = ("party_size", "start_at", "duration_minutes",
                            "zone_preference_id", "tags_preference", "notes", "locked")
    return {n: getattr(before, n) != getattr(after, n) for n in names}


"""The booking factory: every channel gets the same checks and leaves the same trail."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from tests.integration.support import SmallFloor

from maitred.config import Settings
from maitred.errors import (
    IllegalTransition,
    InvalidInput,
    OutsideServiceHours,
    StaleVersion,
    TableUnavailable,
)
from maitred.services import bookings
from maitred.services.bookings import BookingChanges, BookingRequest
from maitred.store.db import Database, UnitOfWork
from maitred.store.records import Booking

SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)  # 19:00 in Paris
SETTINGS = Settings(database_url="postgresql://unused")


def create(db: Database, floor: SmallFloor, **fields: object) -> Booking:
    request = BookingRequest(**{"party_size": 2, "start_at": SEVEN_PM, **fields})  # type: ignore[arg-type]
    with db.uow(actor="staff:1") as tx:
        return bookings.create_booking(tx, SETTINGS, floor.restaurant_id, request)


def test_a_new_booking_is_pending_with_its_guest_history_and_event(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor, source="phone", guest_name="Ada", guest_phone="+331")
    assert (booking.state, booking.status, booking.version) == ("pending", "pending", 1)
    assert booking.source == "phone"
    with db.uow() as tx:
        guest = tx.guests.get(small_floor.restaurant_id, booking.guest_id or 0)
        history = tx.history.list(small_floor.restaurant_id, booking.id)
        events = tx.events.since(small_floor.restaurant_id)
    assert guest.name == "Ada"
    assert [(h.from_state, h.to_state, h.actor) for h in history] == [(None, "pending", "staff:1")]
    assert events[-1].kind == "booking.created"
    assert events[-1].booking_id == booking.id


def test_a_returning_guest_is_recognised_by_phone(db: Database, small_floor: SmallFloor) -> None:
    first = create(db, small_floor, guest_name="Ada", guest_phone="+331")
    second = create(db, small_floor, guest_phone="+331", start_at=SEVEN_PM + timedelta(days=1))
    assert first.guest_id == second.guest_id


def test_duration_comes_from_the_turn_times_when_not_given(
    db: Database, small_floor: SmallFloor,
) -> None:
    with db.uow() as tx:
        tx.restaurants.set_turn_times(small_floor.restaurant_id, [(2, 75), (99, 120)])
    assert create(db, small_floor, party_size=2).duration_minutes == 75
    assert create(db, small_floor, party_size=5).duration_minutes == 120
    assert create(db, small_floor, party_size=2, duration_minutes=60).duration_minutes == 60


def test_a_party_larger_than_the_floor_can_seat_is_refused(
    db: Database, small_floor: SmallFloor,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create(db, small_floor, party_size=40)
    assert refused.value.field == "party_size"


def test_a_booking_outside_the_service_hours_is_refused(
    db: Database, small_floor: SmallFloor,
) -> None:
    with db.uow() as tx:
        tx.restaurants.add_service_period(small_floor.restaurant_id, time(18), time(23))
    assert create(db, small_floor, start_at=SEVEN_PM).state == "pending"  # 19:00 Paris
    with pytest.raises(OutsideServiceHours):
        create(db, small_floor, start_at=SEVEN_PM - timedelta(hours=3))  # 16:00 Paris


def test_an_update_with_a_stale_version_is_refused_and_changes_nothing(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    with db.uow() as tx:
        bookings.update_booking(tx, SETTINGS, small_floor.restaurant_id, booking.id, 1,
                                BookingChanges(party_size=3))
    with pytest.raises(StaleVersion) as stale, db.uow() as tx:
        bookings.update_booking(tx, SETTINGS, small_floor.restaurant_id, booking.id, 1,
                                BookingChanges(party_size=4))
    assert (stale.value.expected, stale.value.current) == (1, 2)
    with db.uow() as tx:
        assert tx.bookings.get(small_floor.restaurant_id, booking.id).party_size == 3


def assign(tx: UnitOfWork, floor: SmallFloor, booking: Booking, label: str) -> None:
    tx.allocations.assign(floor.restaurant_id, booking.id, [floor.table_ids[label]],
                          booking.start_at, booking.end_at)


def test_a_new_time_moves_the_assigned_table_unless_another_party_has_it(
    db: Database, small_floor: SmallFloor,
) -> None:
    early = create(db, small_floor, duration_minutes=90)
    late = create(db, small_floor, start_at=SEVEN_PM + timedelta(hours=2), duration_minutes=90)
    with db.uow() as tx:
        assign(tx, small_floor, early, "T1")
        assign(tx, small_floor, late, "T1")
    with db.uow() as tx:
        moved = bookings.update_booking(tx, SETTINGS, small_floor.restaurant_id, early.id, 1,
                                        BookingChanges(start_at=SEVEN_PM + timedelta(minutes=30)))
        [allocation] = tx.allocations.for_booking(small_floor.restaurant_id, early.id)
    assert allocation.start_at == moved.start_at
    with pytest.raises(TableUnavailable) as clash, db.uow() as tx:
        bookings.update_booking(tx, SETTINGS, small_floor.restaurant_id, early.id, 2,
                                BookingChanges(start_at=SEVEN_PM + timedelta(hours=1)))
    assert clash.value.other_booking_id == late.id
    assert clash.value.free_at == late.end_at


def test_cancelling_frees_the_tables_and_records_why(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        assign(tx, small_floor, booking, "T2")
    with db.uow(actor="staff:2") as tx:
        cancelled = bookings.cancel_booking(tx, r, booking.id, expected_version=1,
                                            reason="guest called")
    assert (cancelled.state, cancelled.status, cancelled.version) == ("cancelled", "cancelled", 2)
    assert cancelled.cancelled_at is not None
    with db.uow() as tx:
        assert tx.allocations.for_booking(r, booking.id) == []
        last = tx.history.list(r, booking.id)[-1]
        kinds = [e.kind for e in tx.events.since(r)]
    assert (last.from_state, last.to_state, last.reason) == ("pending", "cancelled", "guest called")
    assert kinds[-2:] == ["assignment.removed", "booking.state_changed"]
    with pytest.raises(IllegalTransition), db.uow() as tx:
        bookings.cancel_booking(tx, r, booking.id, expected_version=2)


def test_transitions_follow_the_state_machine(db: Database, small_floor: SmallFloor) -> None:
    booking = create(db, small_floor)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        queued = bookings.transition(tx, r, booking.id, "assignment_pending",
                                     expected_version=1, reason="queued")
        assigned = bookings.transition(tx, r, booking.id, "assigned", expected_version=2,
                                       assignment_strategy="best_fit", attempts=1)
    assert queued.state == "assignment_pending"
    assert (assigned.status, assigned.assignment_strategy) == ("confirmed", "best_fit")
    assert assigned.assigned_at is not None
    assert assigned.assignment_attempts == 1
    with pytest.raises(IllegalTransition), db.uow() as tx:
        bookings.transition(tx, r, booking.id, "completed", expected_version=3)


def test_a_transaction_scoped_to_the_restaurant_runs_the_whole_booking_life(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with db.uow(restaurants=[r], actor="staff:3") as tx:
        booking = bookings.create_booking(tx, SETTINGS, r, BookingRequest(
            party_size=4, start_at=SEVEN_PM, guest_name="Ada", guest_phone="+331"))
        hold = tx.allocations.hold(r, booking.id, [small_floor.table_ids["T3"]],
                                   booking.start_at, booking.end_at, ttl_seconds=60)
        tx.allocations.confirm_hold(r, hold.id)
    with db.uow(restaurants=[r]) as tx:
        cancelled = bookings.cancel_booking(tx, r, booking.id, expected_version=1)
        assert tx.events.last_seq(r) == len(tx.events.since(r))
    assert cancelled.state == "cancelled"

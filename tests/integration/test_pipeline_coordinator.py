"""The coordinator on the real database: seat, replay, stop, review, survive a conflict."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.support import SmallFloor

from maitred.config import Settings
from maitred.services import bookings, coordinator_seating, coordinator_timelines, locks
from maitred.services.bookings import BookingChanges, BookingRequest
from maitred.services.coordinator import Coordinator
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import Database
from maitred.store.records import Booking

SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)  # 19:00 in Paris
SETTINGS = Settings(database_url="postgresql://unused")


def create(db: Database, floor: SmallFloor, party: int = 2, start: datetime = SEVEN_PM) -> Booking:
    with db.uow(actor="staff:1") as tx:
        return bookings.create_booking(tx, SETTINGS, floor.restaurant_id,
                                       BookingRequest(party_size=party, start_at=start))


def test_a_new_booking_is_seated_with_its_trail(db: Database, small_floor: SmallFloor) -> None:
    booking = create(db, small_floor)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    assert outcome.outcome == "assigned"
    assert outcome.state == "assigned"
    assert len(outcome.tables) == 1
    assert outcome.tables[0] in (small_floor.table_ids["T1"], small_floor.table_ids["T2"])
    with db.uow() as tx:
        after = tx.bookings.get(small_floor.restaurant_id, booking.id)
        moves = [(h.from_state, h.to_state) for h in
                 tx.history.list(small_floor.restaurant_id, booking.id)]
        attempts = AssignmentRepository(tx.conn).attempts(small_floor.restaurant_id, booking.id)
        assigned = tx.allocations.assignments(small_floor.restaurant_id, booking.id)
        events = [e.kind for e in tx.events.since(small_floor.restaurant_id)]
    assert (after.state, after.status) == ("assigned", "confirmed")
    assert after.assigned_at is not None
    assert after.assignment_strategy == outcome.strategy is not None
    assert after.assignment_attempts == 1
    assert moves == [(None, "pending"), ("pending", "assignment_pending"),
                     ("assignment_pending", "assigned")]
    assert [(a.attempt_number, a.result) for a in attempts] == [(1, "assigned")]
    assert [a.table_id for a in assigned] == outcome.tables
    assert "hold.created" in events
    assert "assignment.confirmed" in events


def test_the_same_booking_trigger_and_version_is_processed_once(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    coordinator = Coordinator(db, SETTINGS)
    first = coordinator.process(booking.id, "creation", version=1)
    again = coordinator.process(booking.id, "creation", version=1)
    assert again.replayed
    assert (again.outcome, again.tables) == (first.outcome, first.tables)
    with db.uow() as tx:
        attempts = AssignmentRepository(tx.conn).attempts(small_floor.restaurant_id, booking.id)
        allocations = tx.allocations.for_booking(small_floor.restaurant_id, booking.id)
    assert len(attempts) == 1
    assert len(allocations) == 1


def test_a_cancelled_booking_stops_with_a_failed_event_and_no_table(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    with db.uow() as tx:
        bookings.cancel_booking(tx, small_floor.restaurant_id, booking.id, expected_version=1)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    assert (outcome.outcome, outcome.state) == ("cancelled", "cancelled")
    with db.uow() as tx:
        events = tx.events.since(small_floor.restaurant_id)
        allocations = tx.allocations.for_booking(small_floor.restaurant_id, booking.id)
    assert [e.booking_id for e in events if e.kind == "booking.failed"] == [booking.id]
    assert allocations == []


def test_a_party_no_table_can_take_goes_to_manual_review_saying_why(
    db: Database, small_floor: SmallFloor,
) -> None:
    # Every table is taken 19:00-20:30 by parties seated by hand.
    with db.uow() as tx:
        for label in ("T1", "T2", "T3", "T4"):
            other = tx.bookings.create(small_floor.restaurant_id, party_size=2,
                                       start_at=SEVEN_PM, duration_minutes=90, source="staff")
            tx.allocations.assign(small_floor.restaurant_id, other.id,
                                  [small_floor.table_ids[label]], SEVEN_PM,
                                  SEVEN_PM + timedelta(minutes=90))
    booking = create(db, small_floor)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    assert (outcome.outcome, outcome.state) == ("manual_review", "manual_review")
    assert "taken" in outcome.reason
    with db.uow() as tx:
        attempts = AssignmentRepository(tx.conn).attempts(small_floor.restaurant_id, booking.id)
        history = tx.history.list(small_floor.restaurant_id, booking.id)
    assert [a.result for a in attempts] == ["no_plan"]
    assert history[-1].to_state == "manual_review"
    assert history[-1].reason == outcome.reason


def test_tables_being_placed_elsewhere_are_waited_for_then_the_day_is_planned_again(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    with db.uow() as tx:
        rival = tx.bookings.create(small_floor.restaurant_id, party_size=2, start_at=SEVEN_PM,
                                   duration_minutes=90, source="staff")
    holding = threading.Event()

    def host_holds_both_two_tops() -> None:
        # Not yet committed when the coordinator reads the day: it plans a two-top, finds
        # the table locked by this transaction, waits for it, and plans again on the day
        # as it is after this commit.
        with db.uow(actor="staff:2") as tx:
            tx.allocations.hold(small_floor.restaurant_id, rival.id,
                                [small_floor.table_ids["T1"], small_floor.table_ids["T2"]],
                                SEVEN_PM, SEVEN_PM + timedelta(minutes=90), ttl_seconds=300)
            holding.set()
            threading.Event().wait(0.5)

    host = threading.Thread(target=host_holds_both_two_tops)
    host.start()
    assert holding.wait(10)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    host.join()
    assert outcome.outcome == "assigned"
    assert outcome.tables not in ([small_floor.table_ids["T1"]], [small_floor.table_ids["T2"]])
    with db.uow() as tx:
        attempts = AssignmentRepository(tx.conn).attempts(small_floor.restaurant_id, booking.id)
        assert tx.allocations.overlapping_pairs(small_floor.restaurant_id) == []
    # No plan was wasted on tables the other transaction was taking.
    assert [a.result for a in attempts] == ["assigned"]


def test_a_table_taken_under_its_feet_makes_it_try_the_next_plan(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    with db.uow() as tx:
        rival = tx.bookings.create(small_floor.restaurant_id, party_size=2,
                                   start_at=SEVEN_PM - timedelta(hours=4), duration_minutes=90,
                                   source="staff")
        tx.allocations.assign(small_floor.restaurant_id, rival.id,
                              [small_floor.table_ids["T1"], small_floor.table_ids["T2"]],
                              rival.start_at, rival.end_at)
    moving = threading.Event()

    def host_moves_the_rival_onto_both_two_tops() -> None:
        # Moving an assignment takes no table locks: the coordinator plans a two-top, its
        # hold waits on this transaction in the exclusion check and is refused at commit.
        with db.uow(actor="staff:2") as tx:
            tx.allocations.move(small_floor.restaurant_id, rival.id, SEVEN_PM,
                                SEVEN_PM + timedelta(minutes=90))
            moving.set()
            threading.Event().wait(0.5)

    host = threading.Thread(target=host_moves_the_rival_onto_both_two_tops)
    host.start()
    assert moving.wait(10)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    host.join()
    assert outcome.outcome == "assigned"
    assert outcome.tables not in ([small_floor.table_ids["T1"]], [small_floor.table_ids["T2"]])
    with db.uow() as tx:
        attempts = AssignmentRepository(tx.conn).attempts(small_floor.restaurant_id, booking.id)
        assert tx.allocations.overlapping_pairs(small_floor.restaurant_id) == []
    assert attempts[0].result == "conflict"
    assert attempts[-1].result == "assigned"


def test_the_kill_switch_leaves_bookings_pending_for_staff(
    db: Database, small_floor: SmallFloor,
) -> None:
    with db.uow() as tx:
        tx.restaurants.set_policy(small_floor.restaurant_id, {"auto_assignment_enabled": False})
    booking = create(db, small_floor)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    assert (outcome.outcome, outcome.state) == ("skipped", "pending")
    assert "switched off" in outcome.reason


def test_a_booking_being_processed_elsewhere_is_refused_at_once(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    with db.uow() as tx:
        locks.take(tx, locks.booking_name(booking.id))
        with pytest.raises(locks.LockHeld):
            Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)


def test_a_party_grown_past_its_table_is_seated_again(
    db: Database, small_floor: SmallFloor,
) -> None:
    booking = create(db, small_floor)
    coordinator = Coordinator(db, SETTINGS)
    seated = coordinator.process(booking.id, "creation", version=1)
    with db.uow() as tx:
        changed = bookings.update_booking(tx, SETTINGS, small_floor.restaurant_id, booking.id,
                                          seated.version, BookingChanges(party_size=5))
    outcome = coordinator.process(booking.id, "modification", version=changed.version)
    assert outcome.outcome == "assigned"
    assert outcome.tables == [small_floor.table_ids["T4"]]
    with db.uow() as tx:
        tables = [a.table_id for a in tx.allocations.assignments(small_floor.restaurant_id,
                                                                  booking.id)]
    assert tables == [small_floor.table_ids["T4"]]


@pytest.mark.parametrize(("planner_on", "expected"), [(True, "assigned"),
                                                      (False, "manual_review")])
def test_the_combination_planner_flag_decides_whether_joins_are_tried(
    db: Database, small_floor: SmallFloor, planner_on: bool, expected: str,
) -> None:
    # T3 and T4 are taken: a party of four fits only the T1+T2 join.
    with db.uow() as tx:
        tx.restaurants.set_policy(small_floor.restaurant_id, {"combination_planner": planner_on})
        for label in ("T3", "T4"):
            other = tx.bookings.create(small_floor.restaurant_id, party_size=2,
                                       start_at=SEVEN_PM, duration_minutes=90, source="staff")
            tx.allocations.assign(small_floor.restaurant_id, other.id,
                                  [small_floor.table_ids[label]], SEVEN_PM,
                                  SEVEN_PM + timedelta(minutes=90))
    booking = create(db, small_floor, party=4)
    outcome = Coordinator(db, SETTINGS).process(booking.id, "creation", version=1)
    assert outcome.outcome == expected
    if planner_on:
        assert outcome.tables == sorted([small_floor.table_ids["T1"],
                                         small_floor.table_ids["T2"]])
    else:
        assert "combination planner is off" in outcome.reason


def test_the_patched_timeline_is_the_one_the_snapshot_would_build(
    db: Database, small_floor: SmallFloor,
) -> None:
    timelines = coordinator_timelines.Timelines()
    booking = create(db, small_floor)
    rid, labels = small_floor.restaurant_id, ("T1", "T2", "T3", "T4")

    def same() -> None:
        with db.uow() as tx:
            snap = coordinator_seating.day_of(tx, SETTINGS, booking)
        built, patched = snap.timeline(), timelines.of(snap)
        assert [patched.entries(t) for t in labels] == [built.entries(t) for t in labels]

    same()
    others = []
    for label, hours in (("T1", 0), ("T3", 2), ("T4", -1)):
        with db.uow() as tx:
            other = tx.bookings.create(rid, party_size=2, start_at=SEVEN_PM
                                       + timedelta(hours=hours), duration_minutes=90,
                                       source="staff")
            tx.allocations.assign(rid, other.id, [small_floor.table_ids[label]], other.start_at,
                                  other.end_at)
        others.append(other)
        same()  # one more allocation: patched in
    with db.uow() as tx:
        tx.allocations.unassign(rid, others[0].id)
    same()  # one gone: taken out

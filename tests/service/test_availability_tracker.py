"""The availability tracker on the real database: true per slot, cached per day, never
more than its maximum age old, stale at once when the event feed announces a change."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from tests.service.conftest import SEVEN_PM, Room

from maitred.services import availability, events

FRIDAY = date(2030, 6, 14)


@pytest.fixture
def evening(room: Room) -> Room:
    """The Bistro serves dinner 18:00-23:00 every day."""
    with room.services.db.uow() as tx:
        tx.restaurants.add_service_period(room.restaurant_id, clock(18), clock(23),
                                          name="dinner")
    return room


@pytest.fixture
def tracker(evening: Room) -> availability.Tracker:
    # A long maximum age: only the event feed can make a read stale in these tests.
    return availability.Tracker(evening.services.settings, events.Feed(evening.services.db),
                               max_age_seconds=60)


def ask(tracker: availability.Tracker, room: Room, party: int, *,
        include_holds: bool = True) -> availability.Availability:
    return tracker.availability(room.services.db.uow, room.restaurant_id, FRIDAY, party,
                                include_holds=include_holds)


def at(found: availability.Availability, hhmm: str) -> availability.Slot:
    (slot,) = [s for s in found.slots if s.time == hhmm]
    return slot


def test_every_slot_of_the_service_says_whether_the_party_fits_and_where(
    evening: Room, tracker: availability.Tracker,
) -> None:
    found = ask(tracker, evening, 4)
    assert [s.time for s in found.slots][:3] == ["18:00", "18:15", "18:30"]
    assert found.slots[-1].time == "22:45"
    assert len(found.slots) == 20
    early = at(found, "18:00")
    assert early.available
    assert early.reason is None
    assert set(early.tables) <= {"T3", "T4"}
    assert early.table_ids == tuple(evening.tables[t] for t in early.tables)
    # A party of four stays 105 minutes: from 21:30 the meal would run past closing.
    assert at(found, "21:15").available
    late = at(found, "21:30")
    assert not late.available
    assert late.reason
    with evening.services.db.uow() as tx:
        assert found.sequence == tx.events.last_seq(evening.restaurant_id)
    assert 0 <= found.age_seconds < 1


def test_a_read_is_reused_until_the_feed_announces_a_change(
    evening: Room, tracker: availability.Tracker,
) -> None:
    first = ask(tracker, evening, 4)
    assert at(first, "19:00").available
    assert ask(tracker, evening, 2).sequence == first.sequence
    assert tracker.reads == 1  # another party size, the same read of the day
    booking = evening.booking(4)
    with evening.services.db.uow() as tx:
        tx.allocations.assign(evening.restaurant_id, booking, [evening.tables["T3"]],
                              SEVEN_PM, SEVEN_PM + timedelta(minutes=105))
        tx.allocations.assign(evening.restaurant_id, evening.booking(6),
                              [evening.tables["T4"]], SEVEN_PM,
                              SEVEN_PM + timedelta(minutes=120))
        last = tx.events.last_seq(evening.restaurant_id)
    deadline = time.monotonic() + 5
    found = ask(tracker, evening, 4)
    while found.sequence < last and time.monotonic() < deadline:
        time.sleep(0.01)
        found = ask(tracker, evening, 4)
    assert found.sequence == last
    assert tracker.reads == 2
    assert not at(found, "19:00").available
    assert at(found, "18:00").available is False  # T3 and T4 are taken from 19:00
    assert at(found, "22:00").available is False  # past closing for a 105-minute meal


def test_a_read_older_than_the_maximum_age_is_never_served(evening: Room) -> None:
    tracker = availability.Tracker(evening.services.settings,
                                   events.Feed(evening.services.db), max_age_seconds=0.05)
    ask(tracker, evening, 2)
    time.sleep(0.1)
    asked = time.monotonic()
    found = ask(tracker, evening, 2)
    took = time.monotonic() - asked
    assert tracker.reads == 2
    # What was served was read during this very call, not the expired read (whose age is
    # over 0.1 s); measured against the call's own duration, so a slow machine is no
    # reason to fail.
    assert found.age_seconds <= took
    assert tracker.cached_days == 1  # the expired read was dropped, not kept forever


def test_held_tables_count_as_taken_only_when_asked(
    evening: Room, tracker: availability.Tracker,
) -> None:
    booking = evening.booking(4)
    with evening.services.db.uow() as tx:
        tx.allocations.hold(evening.restaurant_id, booking,
                            [evening.tables["T3"], evening.tables["T4"]], SEVEN_PM,
                            SEVEN_PM + timedelta(minutes=120), ttl_seconds=600)
    assert not at(ask(tracker, evening, 4), "19:00").available
    assert at(ask(tracker, evening, 4, include_holds=False), "19:00").available


def test_pacing_refuses_a_slot_whose_kitchen_is_full_however_many_tables_are_free(
    evening: Room, tracker: availability.Tracker,
) -> None:
    evening.set_policy(pacing_covers_per_slot=6)
    evening.booking(4)  # booked for 19:00, no table yet: the kitchen still cooks for them
    found = ask(tracker, evening, 4)
    assert found.pacing_covers_per_slot == 6
    full = at(found, "19:00")
    assert not full.available
    assert full.covers == 4
    assert full.reason is not None
    assert "6 covers per slot" in full.reason
    assert full.tables  # a table is free; the kitchen is the limit
    assert at(found, "19:15").available
    assert at(ask(tracker, evening, 2), "19:00").available  # 4 + 2 is within the pace


def test_a_change_is_read_ahead_of_the_next_request(
    evening: Room, tracker: availability.Tracker,
) -> None:
    """The feed's wake-up starts the read: the next request finds the day already read."""
    assert at(ask(tracker, evening, 4), "19:00").available
    assert tracker.reads == 1
    with evening.services.db.uow() as tx:
        tx.allocations.assign(evening.restaurant_id, evening.booking(4),
                              [evening.tables["T3"]], SEVEN_PM,
                              SEVEN_PM + timedelta(minutes=105))
        last = tx.events.last_seq(evening.restaurant_id)
    deadline = time.monotonic() + 5
    while tracker.reads < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # nobody asks meanwhile
    assert tracker.reads == 2
    found = ask(tracker, evening, 4)
    assert found.sequence == last
    assert tracker.reads == 2  # the request itself read nothing
    assert set(at(found, "19:00").tables) == {"T4"}  # T3 is taken now


def test_requests_arriving_together_share_one_read(
    evening: Room, tracker: availability.Tracker,
) -> None:
    start = threading.Barrier(8)
    found: list[availability.Availability] = []

    def asker(party: int) -> None:
        start.wait()
        found.append(ask(tracker, evening, party))

    askers = [threading.Thread(target=asker, args=(2 + i % 4,)) for i in range(8)]
    for thread in askers:
        thread.start()
    for thread in askers:
        thread.join()
    assert tracker.reads == 1
    assert len(found) == 8
    assert len({f.sequence for f in found}) == 1


def test_a_change_to_another_day_keeps_the_answers_for_the_newer_sequence(
    evening: Room, tracker: availability.Tracker,
) -> None:
    first = ask(tracker, evening, 4)

    def assign_and_wait(booking: int, start: datetime) -> availability.Availability:
        with evening.services.db.uow() as tx:
            tx.allocations.assign(evening.restaurant_id, booking, [evening.tables["T3"]],
                                  start, start + timedelta(minutes=105))
            last = tx.events.last_seq(evening.restaurant_id)
        deadline = time.monotonic() + 5
        found = ask(tracker, evening, 4)
        while found.sequence < last and time.monotonic() < deadline:
            time.sleep(0.01)
            found = ask(tracker, evening, 4)
        assert found.sequence == last
        return found

    next_week = SEVEN_PM + timedelta(days=7)
    with evening.services.db.uow() as tx:
        later = tx.bookings.create(evening.restaurant_id, party_size=4, start_at=next_week,
                                   duration_minutes=105, source="staff").id
    elsewhere = assign_and_wait(later, next_week)
    assert elsewhere.slots is first.slots  # read again, found the same day: not recomputed
    here = assign_and_wait(evening.booking(4), SEVEN_PM)
    assert here.slots is not first.slots
    assert set(at(here, "19:00").tables) == {"T4"}

"""Manual sessions on the real database: hold atomically, never overwrite, never leak."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from tests.integration.support import SmallFloor
from tests.service.sessions_support import (
    SEVEN_PM,
    host,
    let_holds_lapse,
    party,
    settings_for,
)

from maitred import errors
from maitred.services import sessions
from maitred.services.session_answers import SessionAnswer
from maitred.store.db import Database


def test_a_valid_selection_is_held_in_the_same_step(db: Database, small_floor: SmallFloor) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 4)
    t3 = small_floor.table_ids["T3"]
    with db.uow() as tx:
        got = sessions.open_session(tx, settings_for(db), small_floor.restaurant_id, booking,
                                    anna.actor, [t3])
        now = tx.now()
    assert got.state == "HELD"
    assert got.session.selection == [t3]
    assert got.violations == []
    assert got.session.expires_at is not None
    assert timedelta(seconds=170) < got.session.expires_at - now <= timedelta(seconds=180)
    with db.uow() as tx:
        kept = tx.allocations.for_booking(small_floor.restaurant_id, booking)
    assert [(a.table_id, a.kind) for a in kept] == [(t3, "hold")]


def test_an_invalid_selection_stays_proposed_with_reasons_and_alternatives(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 5)
    with db.uow() as tx:
        got = sessions.open_session(tx, settings_for(db), small_floor.restaurant_id, booking,
                                    anna.actor, [small_floor.table_ids["T1"]])
    assert got.state == "PROPOSED"
    assert [v.kind for v in got.violations] == ["party_too_large"]
    assert "T1" in got.violations[0].message
    assert got.alternatives[0].labels == ["T4"]
    with db.uow() as tx:
        assert tx.allocations.for_booking(small_floor.restaurant_id, booking) == []


def test_two_hosts_racing_for_one_table_exactly_one_holds_it(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna, bob = host(db, small_floor, "Anna"), host(db, small_floor, "Bob")
    first = party(db, small_floor, 4)
    second = party(db, small_floor, 3, minutes_after_seven=30)
    t3 = small_floor.table_ids["T3"]
    barrier = threading.Barrier(2)
    answers: dict[int, SessionAnswer] = {}

    def claim(who: int, booking: int) -> None:
        actor = sessions.Actor(who)
        with db.uow(actor=actor.name) as tx:
            tx.bookings.get(small_floor.restaurant_id, booking)
            barrier.wait(timeout=5)
            answers[who] = sessions.open_session(
                tx, settings_for(db), small_floor.restaurant_id, booking, actor, [t3])
            time.sleep(0.2)  # keep the hold uncommitted while the other host tries

    threads = [threading.Thread(target=claim, args=(anna.id, first)),
               threading.Thread(target=claim, args=(bob.id, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    states = sorted(a.state for a in answers.values())
    assert states == ["HELD", "PROPOSED"]
    winner = next(who for who, a in answers.items() if a.state == "HELD")
    loser = answers[bob.id if winner == anna.id else anna.id]
    [conflict] = loser.violations
    assert conflict.table_id == t3
    assert conflict.table_label == "T3"
    assert conflict.holder_booking_id == (first if winner == anna.id else second)
    assert conflict.holder_staff_id == winner
    assert conflict.holder_staff_name == ("Anna" if winner == anna.id else "Bob")
    winner_start = SEVEN_PM if winner == anna.id else SEVEN_PM + timedelta(minutes=30)
    assert conflict.free_at == winner_start + timedelta(minutes=90)
    assert "T3" in conflict.message
    with db.uow() as tx:
        assert tx.allocations.overlapping_pairs(small_floor.restaurant_id) == []


def test_a_later_host_is_told_who_holds_the_table_and_when_it_frees(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna, bob = host(db, small_floor, "Anna"), host(db, small_floor, "Bob")
    first, second = party(db, small_floor, 4), party(db, small_floor, 4, minutes_after_seven=60)
    t3 = small_floor.table_ids["T3"]
    settings = settings_for(db)
    with db.uow() as tx:
        sessions.open_session(tx, settings, small_floor.restaurant_id, first, anna.actor, [t3])
    with db.uow() as tx:
        got = sessions.open_session(tx, settings, small_floor.restaurant_id, second,
                                    bob.actor, [t3])
    assert got.state == "PROPOSED"
    [conflict] = got.violations
    assert (conflict.table_id, conflict.holder_booking_id, conflict.holder_staff_id) == (
        t3, first, anna.id)
    assert conflict.free_at == SEVEN_PM + timedelta(minutes=90)
    assert "Anna" in conflict.message
    assert "20:30" in conflict.message  # Paris wall clock
    assert got.alternatives
    assert all("T3" not in a.labels for a in got.alternatives)


def test_holding_another_table_for_an_unrelated_booking_leaves_a_session_valid(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna, bob = host(db, small_floor, "Anna"), host(db, small_floor, "Bob")
    first, second = party(db, small_floor, 2), party(db, small_floor, 4)
    settings = settings_for(db)
    with db.uow() as tx:
        mine = sessions.open_session(tx, settings, small_floor.restaurant_id, first,
                                     anna.actor, [small_floor.table_ids["T1"]])
    with db.uow() as tx:
        theirs = sessions.open_session(tx, settings, small_floor.restaurant_id, second,
                                       bob.actor, [small_floor.table_ids["T3"]])
    assert theirs.state == "HELD"
    with db.uow() as tx:
        again = sessions.get_session(tx, settings, small_floor.restaurant_id, mine.session.id)
    assert again.state == "HELD"
    assert again.valid
    assert not again.stale
    assert again.changed == []
    assert again.session.selection_version == mine.session.selection_version


def test_a_change_to_a_selected_table_makes_the_session_say_what_changed(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    t1 = small_floor.table_ids["T1"]
    settings = settings_for(db)
    with db.uow() as tx:
        mine = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                     anna.actor, [t1])
    with db.uow() as tx:
        tx.tables.update(small_floor.restaurant_id, t1, active=False)
    with db.uow() as tx:
        again = sessions.get_session(tx, settings, small_floor.restaurant_id, mine.session.id)
    assert again.stale
    assert again.changed == ["tables"]
    assert [v.kind for v in again.violations] == ["inactive_table"]


def test_confirm_turns_the_hold_into_the_assignment(db: Database, small_floor: SmallFloor) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 4)
    t3 = small_floor.table_ids["T3"]
    settings = settings_for(db)
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                     anna.actor, [t3])
    with db.uow() as tx:
        done = sessions.confirm(tx, settings, small_floor.restaurant_id, held.session.id,
                                anna.actor)
    assert done.state == "CONFIRMED"
    with db.uow() as tx:
        assert [a.table_id for a in tx.allocations.assignments(
            small_floor.restaurant_id, booking)] == [t3]
        assert [(a.kind, a.hold_id) for a in tx.allocations.for_booking(
            small_floor.restaurant_id, booking)] == [("assignment", None)]
        assert tx.bookings.get(small_floor.restaurant_id, booking).state == "assigned"
        history = sessions.SessionRepository(tx.conn).history(small_floor.restaurant_id,
                                                              held.session.id)
    assert [(h.from_state, h.to_state) for h in history] == [
        (None, "PROPOSED"), ("PROPOSED", "HELD"), ("HELD", "CONFIRMED")]


def test_confirm_after_the_hold_ran_out_is_refused_as_expired(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 4)
    settings = settings_for(db)
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                     anna.actor, [small_floor.table_ids["T3"]])
    let_holds_lapse(db, small_floor.restaurant_id)
    with pytest.raises(sessions.SessionExpired) as refused, db.uow() as tx:
        sessions.confirm(tx, settings, small_floor.restaurant_id, held.session.id, anna.actor)
    assert refused.value.state == "EXPIRED"
    with db.uow() as tx:
        assert tx.allocations.assignments(small_floor.restaurant_id, booking) == []
        assert sessions.get_session(tx, settings, small_floor.restaurant_id,
                                    held.session.id).state == "EXPIRED"


def test_a_stale_selection_version_is_refused_with_the_current_session(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    settings = settings_for(db)
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                     anna.actor, [small_floor.table_ids["T1"]])
    with pytest.raises(sessions.StaleSelection) as refused, db.uow() as tx:
        sessions.change_selection(tx, settings, small_floor.restaurant_id, held.session.id,
                                  anna.actor, [small_floor.table_ids["T2"]],
                                  held.session.selection_version - 1)
    assert refused.value.current == held.session.selection_version
    assert refused.value.session["tableIds"] == [small_floor.table_ids["T1"]]
    assert refused.value.session["state"] == "HELD"


def test_changing_the_selection_moves_the_hold(db: Database, small_floor: SmallFloor) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    t1, t2 = small_floor.table_ids["T1"], small_floor.table_ids["T2"]
    settings = settings_for(db)
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                     anna.actor, [t1])
    with db.uow() as tx:
        moved = sessions.change_selection(tx, settings, small_floor.restaurant_id,
                                          held.session.id, anna.actor, [t2],
                                          held.session.selection_version)
    assert moved.state == "HELD"
    assert moved.session.selection_version == held.session.selection_version + 1
    with db.uow() as tx:
        kept = tx.allocations.for_booking(small_floor.restaurant_id, booking)
        old = tx.allocations.get_hold(small_floor.restaurant_id, held.session.hold_id or 0)
    assert [a.table_id for a in kept] == [t2]
    assert old.status == "released"


def test_cancel_gives_the_tables_back_and_a_confirmed_session_cannot_be_cancelled(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    first, second = party(db, small_floor, 2), party(db, small_floor, 2)
    settings = settings_for(db)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, r, first, anna.actor,
                                     [small_floor.table_ids["T1"]])
    with db.uow() as tx:
        gone = sessions.cancel(tx, settings, r, held.session.id, anna.actor)
    assert gone.state == "CANCELLED"
    with db.uow() as tx:
        assert tx.allocations.for_booking(r, first) == []
        other = sessions.open_session(tx, settings, r, second, anna.actor,
                                      [small_floor.table_ids["T1"]])
    with db.uow() as tx:
        sessions.confirm(tx, settings, r, other.session.id, anna.actor)
    with pytest.raises(errors.IllegalTransition) as refused, db.uow() as tx:
        sessions.cancel(tx, settings, r, other.session.id, anna.actor)
    assert refused.value.state == "CONFIRMED"


def test_one_host_opening_a_booking_twice_gets_the_same_session(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    settings = settings_for(db)
    with db.uow() as tx:
        first = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                      anna.actor, None)
    with db.uow() as tx:
        second = sessions.open_session(tx, settings, small_floor.restaurant_id, booking,
                                       anna.actor, [small_floor.table_ids["T1"]])
    assert second.session.id == first.session.id
    assert (first.state, second.state) == ("PROPOSED", "HELD")


def test_coming_back_to_a_held_session_refreshes_its_hold(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    t1 = small_floor.table_ids["T1"]
    settings = settings_for(db)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        held = sessions.open_session(tx, settings, r, booking, anna.actor, [t1])
        first = tx.allocations.get_hold(r, held.session.hold_id or 0)
    time.sleep(0.05)
    with db.uow() as tx:
        again = sessions.open_session(tx, settings, r, booking, anna.actor, [t1])
        touched = tx.allocations.get_hold(r, held.session.hold_id or 0)
    assert again.session.id == held.session.id
    assert again.session.hold_id == held.session.hold_id
    assert again.session.selection_version == held.session.selection_version
    assert touched.last_touched_at > first.last_touched_at
    assert touched.expires_at > first.expires_at
    assert again.session.expires_at == touched.expires_at


def test_seating_a_booking_ends_another_hosts_session_for_it_and_frees_its_hold(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna, bob = host(db, small_floor, "Anna"), host(db, small_floor, "Bob")
    booking = party(db, small_floor, 2)
    t1, t2 = small_floor.table_ids["T1"], small_floor.table_ids["T2"]
    settings = settings_for(db)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        mine = sessions.open_session(tx, settings, r, booking, anna.actor, [t1])
    with db.uow() as tx:
        theirs = sessions.open_session(tx, settings, r, booking, bob.actor, [t1])
    assert theirs.state == "PROPOSED"  # another host's hold for the same party still counts
    assert theirs.violations[0].holder_staff_id == anna.id
    with db.uow() as tx:
        theirs = sessions.change_selection(tx, settings, r, theirs.session.id, bob.actor, [t2],
                                           theirs.session.selection_version)
    assert theirs.state == "HELD"
    with db.uow() as tx:
        sessions.confirm(tx, settings, r, mine.session.id, anna.actor)
    with db.uow() as tx:
        ended = sessions.get_session(tx, settings, r, theirs.session.id)
        kept = tx.allocations.for_booking(r, booking)
    assert ended.state == "CANCELLED"
    assert [(a.table_id, a.kind) for a in kept] == [(t1, "assignment")]


def test_an_assigned_booking_can_be_moved_by_hand_keeping_the_table_it_stays_at(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    t1, t2, t3 = (small_floor.table_ids[t] for t in ("T1", "T2", "T3"))
    settings = settings_for(db)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        first = sessions.open_session(tx, settings, r, booking, anna.actor, [t1])
    with db.uow() as tx:
        sessions.confirm(tx, settings, r, first.session.id, anna.actor)
    with db.uow() as tx:
        moving = sessions.open_session(tx, settings, r, booking, anna.actor, [t3])
    assert moving.state == "HELD"
    assert moving.violations == []
    with db.uow() as tx:
        sessions.confirm(tx, settings, r, moving.session.id, anna.actor)
        assert [a.table_id for a in tx.allocations.assignments(r, booking)] == [t3]
    with db.uow() as tx:  # back to a table it does not sit at, then to one it does
        again = sessions.open_session(tx, settings, r, booking, anna.actor, [t2])
        assert again.state == "HELD"
    with db.uow() as tx:
        same = sessions.change_selection(tx, settings, r, again.session.id, anna.actor, [t3],
                                         again.session.selection_version)
    assert same.state == "HELD"
    assert same.session.hold_id is None  # nothing new to hold: it sits at T3 already
    with db.uow() as tx:
        sessions.confirm(tx, settings, r, same.session.id, anna.actor)
        assert [a.table_id for a in tx.allocations.assignments(r, booking)] == [t3]
        assert tx.allocations.overlapping_pairs(r) == []

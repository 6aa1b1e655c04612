"""Holds never leak: lapsed sessions and holds end, by the sweeper or on the next write."""

from __future__ import annotations

import time

from tests.integration.support import SmallFloor
from tests.service.sessions_support import host, let_holds_lapse, party, settings_for

from maitred.services import sessions, sweeper
from maitred.store.db import Database


def _age_session(db: Database, session_id: int) -> None:
    # Stands in for thirty idle minutes: only the expiry time moves, nothing else.
    with db.uow() as tx:
        tx.conn.execute("UPDATE manual_assignment_sessions SET expires_at = now() - "
                        "interval '1 second' WHERE id = %(id)s", {"id": session_id})


def test_the_sweep_expires_a_lapsed_hold_with_history_and_event(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 4)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        held = sessions.open_session(tx, settings_for(db), r, booking, anna.actor,
                                     [small_floor.table_ids["T3"]])
    let_holds_lapse(db, small_floor.restaurant_id)
    swept = sweeper.sweep(db)
    assert swept.sessions == 1
    with db.uow() as tx:
        row = sessions.SessionRepository(tx.conn).get(r, held.session.id)
        hold = tx.allocations.get_hold(r, held.session.hold_id or 0)
        history = sessions.SessionRepository(tx.conn).history(r, held.session.id)
        kinds = [e.kind for e in tx.events.since(r)]
        left = tx.allocations.for_booking(r, booking)
    assert row.state == "EXPIRED"
    assert hold.status == "expired"
    assert left == []
    assert (history[-1].from_state, history[-1].to_state, history[-1].actor) == (
        "HELD", "EXPIRED", "sweeper")
    assert "session.expired" in kinds
    assert "hold.expired" in kinds
    assert sweeper.sweep(db) == sweeper.Swept(0, 0)


def test_the_sweep_ends_a_session_left_proposed(db: Database, small_floor: SmallFloor) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        opened = sessions.open_session(tx, settings_for(db), r, booking, anna.actor, None)
    _age_session(db, opened.session.id)
    assert sweeper.sweep(db).sessions == 1
    with db.uow() as tx:
        assert sessions.SessionRepository(tx.conn).get(r, opened.session.id).state == "EXPIRED"
        again = sessions.open_session(tx, settings_for(db), r, booking, anna.actor, None)
    assert again.session.id != opened.session.id
    assert again.state == "PROPOSED"


def test_a_lapsed_hold_never_blocks_the_next_host_even_without_a_sweeper(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna, bob = host(db, small_floor, "Anna"), host(db, small_floor, "Bob")
    first, second = party(db, small_floor, 4), party(db, small_floor, 4)
    t3 = small_floor.table_ids["T3"]
    r = small_floor.restaurant_id
    with db.uow() as tx:
        stale = sessions.open_session(tx, settings_for(db), r, first, anna.actor, [t3])
    let_holds_lapse(db, small_floor.restaurant_id)
    with db.uow() as tx:
        got = sessions.open_session(tx, settings_for(db), r, second, bob.actor, [t3])
    assert got.state == "HELD"
    with db.uow() as tx:
        assert sessions.get_session(tx, settings_for(db), r, stale.session.id).state == "EXPIRED"
        assert tx.allocations.get_hold(r, stale.session.hold_id or 0).status == "expired"
        assert tx.allocations.overlapping_pairs(r) == []
    assert sweeper.sweep(db).sessions == 1  # its history catches up on the next sweep


def test_the_background_sweeper_ends_lapsed_sessions_on_its_own(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    booking = party(db, small_floor, 2)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        opened = sessions.open_session(tx, settings_for(db), r, booking, anna.actor, None)
    _age_session(db, opened.session.id)
    with sweeper.running(db, interval=0.05) as running:
        deadline = time.monotonic() + 5
        while running.sweeps == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert running.sweeps >= 1
    with db.uow() as tx:
        assert sessions.SessionRepository(tx.conn).get(r, opened.session.id).state == "EXPIRED"


def _set_policy(db: Database, restaurant_id: int, **policy: object) -> None:
    with db.uow() as tx:
        current = tx.restaurants.get(restaurant_id)
        tx.restaurants.set_policy(restaurant_id, {**current.policy, **policy},
                                  expected_version=current.policy_version)


def _seconds_left(db: Database, session_id: int) -> float:
    with db.uow() as tx:
        row = tx.conn.execute("SELECT extract(epoch FROM expires_at - now()) FROM "
                              "manual_assignment_sessions WHERE id = %(id)s",
                              {"id": session_id}).fetchone()
    assert row is not None
    return float(row[0])


def test_the_idle_timeout_is_the_restaurants_policy_with_thirty_minutes_by_default(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    first, second = party(db, small_floor, 2), party(db, small_floor, 2, minutes_after_seven=90)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        default = sessions.open_session(tx, settings_for(db), r, first, anna.actor, None)
    assert 29 * 60 < _seconds_left(db, default.session.id) <= 30 * 60
    _set_policy(db, r, session_idle_seconds=120)
    with db.uow() as tx:
        short = sessions.open_session(tx, settings_for(db), r, second, anna.actor, None)
        # A refused selection leaves it PROPOSED, idle from now for the policy's time.
        refused = sessions.open_session(tx, settings_for(db), r, second, anna.actor,
                                        [small_floor.table_ids["T4"], 999_999])
    assert refused.state == "PROPOSED"
    assert 60 < _seconds_left(db, short.session.id) <= 120


def test_the_sweeper_applies_a_shortened_idle_policy_to_sessions_already_open(
    db: Database, small_floor: SmallFloor,
) -> None:
    anna = host(db, small_floor, "Anna")
    idle, held_booking = party(db, small_floor, 2), party(db, small_floor, 4)
    r = small_floor.restaurant_id
    with db.uow() as tx:
        opened = sessions.open_session(tx, settings_for(db), r, idle, anna.actor, None)
        held = sessions.open_session(tx, settings_for(db), r, held_booking, anna.actor,
                                     [small_floor.table_ids["T3"]])
    assert held.state == "HELD"
    with db.uow() as tx:  # the host stepped away two minutes ago (its expiry: 28 min on)
        tx.conn.execute("UPDATE manual_assignment_sessions SET updated_at = now() - "
                        "interval '2 minutes' WHERE id = %(id)s", {"id": opened.session.id})
    assert sweeper.sweep(db).sessions == 0  # 30 minutes by default: not idle yet
    _set_policy(db, r, session_idle_seconds=60)
    assert sweeper.sweep(db).sessions == 1
    with db.uow() as tx:
        repo = sessions.SessionRepository(tx.conn)
        assert repo.get(r, opened.session.id).state == "EXPIRED"
        assert repo.get(r, held.session.id).state == "HELD"  # a hold lives by its TTL

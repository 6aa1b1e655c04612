"""The database itself refuses to give one table to two parties at once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.support import SmallFloor, book

from maitred.errors import IllegalTransition, MaitredError, TableUnavailable
from maitred.store.db import Database

SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)  # 19:00 in Paris


def test_two_threads_racing_for_one_table_exactly_one_commits(
    db: Database, small_floor: SmallFloor,
) -> None:
    table = small_floor.table_ids["T3"]
    first = book(db, small_floor, party=4, start=SEVEN_PM)
    second = book(db, small_floor, party=3, start=SEVEN_PM + timedelta(minutes=30))
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def claim(booking_id: int, start: datetime) -> None:
        try:
            with db.uow(actor="test") as tx:
                barrier.wait(timeout=5)
                tx.allocations.assign(small_floor.restaurant_id, booking_id, [table],
                                      start, start + timedelta(minutes=90))
                time.sleep(0.2)  # keep the row uncommitted while the other one inserts
            outcomes[booking_id] = "committed"
        except MaitredError as exc:
            outcomes[booking_id] = exc

    threads = [threading.Thread(target=claim, args=(first, SEVEN_PM)),
               threading.Thread(target=claim, args=(second, SEVEN_PM + timedelta(minutes=30)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    committed = [b for b, o in outcomes.items() if o == "committed"]
    refused = [o for o in outcomes.values() if isinstance(o, TableUnavailable)]
    assert len(committed) == 1
    assert len(refused) == 1
    error = refused[0]
    winner = committed[0]
    winner_start = SEVEN_PM if winner == first else SEVEN_PM + timedelta(minutes=30)
    assert error.table_id == table
    assert error.other_booking_id == winner
    assert error.free_at == winner_start + timedelta(minutes=90)
    with db.uow() as tx:
        assert tx.allocations.overlapping_pairs(small_floor.restaurant_id) == []


def test_back_to_back_parties_share_a_table(db: Database, small_floor: SmallFloor) -> None:
    table = small_floor.table_ids["T1"]
    early = book(db, small_floor, party=2, start=SEVEN_PM)
    late = book(db, small_floor, party=2, start=SEVEN_PM + timedelta(minutes=90))
    with db.uow() as tx:
        tx.allocations.assign(small_floor.restaurant_id, early, [table], SEVEN_PM,
                              SEVEN_PM + timedelta(minutes=90))
        tx.allocations.assign(small_floor.restaurant_id, late, [table],
                              SEVEN_PM + timedelta(minutes=90), SEVEN_PM + timedelta(hours=3))
        assert len(tx.allocations.in_window(
            small_floor.restaurant_id, SEVEN_PM, SEVEN_PM + timedelta(hours=4))) == 2


def test_a_live_hold_blocks_the_table_and_an_expired_one_does_not(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    table = small_floor.table_ids["T2"]
    holder = book(db, small_floor, party=2, start=SEVEN_PM)
    latecomer = book(db, small_floor, party=2, start=SEVEN_PM)
    end = SEVEN_PM + timedelta(minutes=90)
    with db.uow() as tx:
        hold = tx.allocations.hold(r, holder, [table], SEVEN_PM, end, ttl_seconds=60)
    with pytest.raises(TableUnavailable) as refused, db.uow() as tx:
        tx.allocations.hold(r, latecomer, [table], SEVEN_PM, end, ttl_seconds=60)
    assert refused.value.other_booking_id == holder
    assert refused.value.free_at == end

    with db.uow() as tx:  # the hold's TTL runs out (moved into the past)
        tx.conn.execute("UPDATE table_holds SET expires_at = now() - interval '1 second'")
        tx.conn.execute("UPDATE allocations SET expires_at = now() - interval '1 second'")
    with db.uow() as tx:
        second = tx.allocations.hold(r, latecomer, [table], SEVEN_PM, end, ttl_seconds=60)
        assert tx.allocations.get_hold(r, hold.id).status == "expired"
        kinds = [e.kind for e in tx.events.since(r)]
    assert second.table_ids == [table]
    assert "hold.expired" in kinds


def test_confirming_a_hold_makes_it_the_assignment_and_a_second_confirm_is_refused(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    tables = [small_floor.table_ids["T2"], small_floor.table_ids["T1"]]
    booking = book(db, small_floor, party=4, start=SEVEN_PM)
    end = SEVEN_PM + timedelta(minutes=105)
    with db.uow() as tx:
        hold = tx.allocations.hold(r, booking, tables, SEVEN_PM, end, ttl_seconds=60)
    with db.uow() as tx:
        assigned = tx.allocations.confirm_hold(r, hold.id, source="manual")
    assert [a.table_id for a in assigned] == sorted(tables)
    with pytest.raises(IllegalTransition), db.uow() as tx:
        tx.allocations.confirm_hold(r, hold.id)
    with db.uow() as tx:
        allocations = tx.allocations.for_booking(r, booking)
    assert {(a.kind, a.table_id) for a in allocations} == {("assignment", t) for t in tables}


def test_unassigning_frees_the_table_for_another_party(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    table = small_floor.table_ids["T4"]
    first = book(db, small_floor, party=6, start=SEVEN_PM)
    second = book(db, small_floor, party=5, start=SEVEN_PM)
    end = SEVEN_PM + timedelta(minutes=120)
    with db.uow() as tx:
        tx.allocations.assign(r, first, [table], SEVEN_PM, end)
    with db.uow() as tx:
        assert tx.allocations.unassign(r, first) == [table]
        tx.allocations.assign(r, second, [table], SEVEN_PM, end)
        assert [a.booking_id for a in tx.allocations.in_window(r, SEVEN_PM, end)] == [second]


def test_a_touched_hold_lives_on_and_a_released_one_frees_its_tables(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    table = small_floor.table_ids["T3"]
    booking = book(db, small_floor, party=4, start=SEVEN_PM)
    other = book(db, small_floor, party=4, start=SEVEN_PM)
    end = SEVEN_PM + timedelta(minutes=90)
    with db.uow() as tx:
        hold = tx.allocations.hold(r, booking, [table], SEVEN_PM, end, ttl_seconds=30)
    with db.uow() as tx:
        later = tx.allocations.touch_hold(r, hold.id, ttl_seconds=600)
    assert later > hold.expires_at
    with db.uow() as tx:
        tx.allocations.release_hold(r, hold.id)
    with db.uow() as tx:
        assert tx.allocations.get_hold(r, hold.id).status == "released"
        tx.allocations.hold(r, other, [table], SEVEN_PM, end, ttl_seconds=30)
    with pytest.raises(IllegalTransition), db.uow() as tx:
        tx.allocations.touch_hold(r, hold.id)


def test_the_sweeper_finds_and_expires_every_stale_hold(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    booking = book(db, small_floor, party=2, start=SEVEN_PM)
    with db.uow() as tx:
        hold = tx.allocations.hold(r, booking, [small_floor.table_ids["T1"]], SEVEN_PM,
                                   SEVEN_PM + timedelta(minutes=90), ttl_seconds=30)
        assert tx.allocations.stale_hold_restaurants() == []
    with db.uow() as tx:
        tx.conn.execute("UPDATE table_holds SET expires_at = now() - interval '1 second'")
    with db.uow() as tx:
        assert tx.allocations.stale_hold_restaurants() == [r]
        assert tx.allocations.expire_stale_holds(r) == [hold.id]
        assert tx.allocations.for_booking(r, booking) == []


def race_for_holds(
    db: Database, restaurant_id: int, claims: list[tuple[int, list[int]]],
    start: datetime, end: datetime,
) -> list[str]:
    """Each claim in its own thread and transaction, all at once; each one's outcome."""
    barrier = threading.Barrier(len(claims))
    outcomes: list[str] = []

    def claim(booking_id: int, tables: list[int]) -> None:
        try:
            with db.uow() as tx:
                barrier.wait(timeout=10)
                tx.allocations.hold(restaurant_id, booking_id, tables, start, end,
                                    ttl_seconds=60)
            outcomes.append("held")
        except MaitredError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=claim, args=c) for c in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(outcomes)


def test_claims_on_the_same_tables_in_opposite_orders_never_deadlock(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    pair = [small_floor.table_ids["T1"], small_floor.table_ids["T2"]]
    end = SEVEN_PM + timedelta(minutes=90)
    for _ in range(5):
        first = book(db, small_floor, party=4, start=SEVEN_PM)
        second = book(db, small_floor, party=4, start=SEVEN_PM)
        outcomes = race_for_holds(db, r, [(first, pair), (second, pair[::-1])], SEVEN_PM, end)
        # A deadlock would surface as Conflict ("try again"); only a clean refusal is fair.
        assert outcomes == ["TableUnavailable", "held"]
        with db.uow() as tx:  # give the tables back for the next round
            for booking_id in (first, second):
                holds = {a.hold_id for a in tx.allocations.for_booking(r, booking_id)}
                for hold_id in holds - {None}:
                    assert hold_id is not None
                    tx.allocations.release_hold(r, hold_id)

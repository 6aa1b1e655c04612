"""The unit of work's end: its events and its COMMIT go in one round trip, and a refusal
there (or anywhere before) leaves nothing behind and a clean connection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.support import SmallFloor

from maitred import errors
from maitred.store.db import Database

AT = datetime(2031, 5, 6, 18, 0, tzinfo=UTC)


def _last_seq(db: Database, restaurant_id: int) -> int:
    with db.uow() as tx:
        return tx.events.last_seq(restaurant_id)


def _booking(db: Database, restaurant_id: int) -> int:
    with db.uow(actor="test") as tx:
        return tx.bookings.create(restaurant_id, party_size=2, duration_minutes=90,
                                  source="staff", start_at=AT).id


def _both_on_one_table(db: Database, r: int, bookings: list[int], table_id: int) -> None:
    with db.uow(actor="test") as tx:
        tx.conn.execute("SET CONSTRAINTS allocations_no_overlap DEFERRED")
        for booking in bookings:
            tx.allocations.assign(r, booking, [table_id], AT, AT + timedelta(minutes=90))


def _assign_then_fail(db: Database, r: int, booking: int, table_id: int) -> None:
    with db.uow(actor="test") as tx:
        tx.allocations.assign(r, booking, [table_id], AT, AT + timedelta(minutes=90))
        raise RuntimeError("the use case failed")


def test_events_are_numbered_at_the_commit_in_order_with_no_gap(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    before = _last_seq(db, r)
    with db.uow(actor="test") as tx:
        tx.events.append(r, "test.first")
        tx.events.append(r, "test.second", {"n": 2})
        # A read inside the transaction numbers what is queued so far, so it sees it.
        assert [e.kind for e in tx.events.since(r, before)] == ["test.first", "test.second"]
        tx.events.append(r, "test.third")
    with db.uow(actor="test") as tx:
        tx.events.append(r, "test.fourth")
    with db.uow() as tx:
        events = tx.events.since(r, before)
    assert [(e.seq, e.kind) for e in events] == [
        (before + 1, "test.first"), (before + 2, "test.second"), (before + 3, "test.third"),
        (before + 4, "test.fourth")]
    assert events[1].payload == {"n": 2}
    assert all(e.actor == "test" for e in events)


def test_a_refusal_at_the_commit_keeps_nothing_and_the_connection_is_reused(
    db: Database, small_floor: SmallFloor, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    r = small_floor.restaurant_id
    t1 = small_floor.table_ids["T1"]
    first, second = _booking(db, r), _booking(db, r)
    before = _last_seq(db, r)
    # With the overlap check deferred, two parties on one table at once pass every
    # statement; the database refuses them at the COMMIT, sent with the events.
    with pytest.raises(errors.TableUnavailable):
        _both_on_one_table(db, r, [first, second], t1)
    assert _last_seq(db, r) == before
    with db.uow() as tx:
        assert tx.allocations.assignments(r, first) == []
        assert tx.allocations.assignments(r, second) == []
        assert tx.events.since(r, before) == []
    # The unit of work rolled back itself: the pool got an idle connection back (it
    # warns when it has to roll one back), and the next unit of work runs on it.
    assert not [rec for rec in caplog.records if rec.name.startswith("psycopg")]
    assert _last_seq(db, r) == before


def test_a_failure_in_the_work_rolls_back_what_it_wrote(
    db: Database, small_floor: SmallFloor, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    r = small_floor.restaurant_id
    booking = _booking(db, r)
    before = _last_seq(db, r)
    with pytest.raises(RuntimeError, match="the use case failed"):
        _assign_then_fail(db, r, booking, small_floor.table_ids["T3"])
    assert _last_seq(db, r) == before
    with db.uow() as tx:
        assert tx.allocations.assignments(r, booking) == []
    assert not [rec for rec in caplog.records if rec.name.startswith("psycopg")]


def test_events_of_a_restaurant_deleted_in_the_same_transaction_are_dropped(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with db.uow(actor="test") as tx:
        tx.events.append(r, "test.before_the_end")
        tx.restaurants.delete(r)
    with db.uow() as tx, pytest.raises(errors.NotFound):
        tx.restaurants.get(r)
    with db.connection() as conn:
        row = conn.execute("SELECT count(*) FROM restaurant_events WHERE restaurant_id = %s",
                           (r,)).fetchone()
    assert row == (0,)

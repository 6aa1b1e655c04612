"""Floor repositories: the database's refusals arrive as errors in the restaurant's words."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.support import SmallFloor, book

from maitred.errors import AlreadyExists, InUse, InvalidInput, NotFound, StaleVersion
from maitred.store.db import Database


def test_adjacency_is_stored_once_in_canonical_order(
    db: Database, small_floor: SmallFloor,
) -> None:
    r, t = small_floor.restaurant_id, small_floor.table_ids
    with db.uow() as tx:
        assert tx.adjacency.add(r, t["T4"], t["T3"]) == (t["T3"], t["T4"])
        edges = tx.adjacency.list(r)
    assert (t["T3"], t["T4"]) in edges
    assert all(a < b for a, b in edges)
    with pytest.raises(AlreadyExists), db.uow() as tx:
        tx.adjacency.add(r, t["T3"], t["T4"])


def test_two_tables_cannot_share_a_label(db: Database, small_floor: SmallFloor) -> None:
    with pytest.raises(AlreadyExists) as clash, db.uow() as tx:
        tx.tables.create(small_floor.restaurant_id, zone_id=small_floor.zone_id, label="T1",
                         max_party=2)
    assert (clash.value.entity, clash.value.field) == ("table", "label")


def test_a_table_seating_fewer_than_its_minimum_is_refused_by_field(
    db: Database, small_floor: SmallFloor,
) -> None:
    with pytest.raises(InvalidInput) as bad, db.uow() as tx:
        tx.tables.create(small_floor.restaurant_id, zone_id=small_floor.zone_id, label="T9",
                         min_party=4, max_party=2)
    assert bad.value.field == "min_party"


def test_a_zone_with_tables_cannot_be_deleted(db: Database, small_floor: SmallFloor) -> None:
    with pytest.raises(InUse), db.uow() as tx:
        tx.zones.delete(small_floor.restaurant_id, small_floor.zone_id)


def test_rows_of_another_restaurant_are_invisible_and_unusable(
    db: Database, small_floor: SmallFloor,
) -> None:
    with db.uow() as tx:
        other = tx.restaurants.create("Elsewhere")
        other_zone = tx.zones.create(other.id, "main")
    with pytest.raises(NotFound), db.uow() as tx:
        tx.tables.get(other.id, small_floor.table_ids["T1"])
    with pytest.raises(InvalidInput) as bad, db.uow() as tx:  # a table in a foreign zone
        tx.tables.create(small_floor.restaurant_id, zone_id=other_zone.id, label="T9",
                         max_party=2)
    assert bad.value.field == "zone_id"


def test_a_stale_table_edit_is_refused(db: Database, small_floor: SmallFloor) -> None:
    r, table = small_floor.restaurant_id, small_floor.table_ids["T3"]
    with db.uow() as tx:
        updated = tx.tables.update(r, table, expected_version=1, tags=["window"], blocked=True)
        version = tx.restaurants.get(r).tables_version
    assert (updated.tags, updated.blocked, updated.version) == (["window"], True, 2)
    assert version > 1
    with pytest.raises(StaleVersion), db.uow() as tx:
        tx.tables.update(r, table, expected_version=1, max_party=5)


def test_policy_overrides_are_checked_and_versioned(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with db.uow() as tx:
        restaurant = tx.restaurants.set_policy(r, {"buffer_minutes": 15}, expected_version=1)
    assert (restaurant.policy, restaurant.policy_version) == ({"buffer_minutes": 15}, 2)
    with pytest.raises(InvalidInput) as unknown, db.uow() as tx:
        tx.restaurants.set_policy(r, {"bufer_minutes": 15})
    assert unknown.value.field == "policy.bufer_minutes"
    with pytest.raises(StaleVersion), db.uow() as tx:
        tx.restaurants.set_policy(r, {"merges_enabled": False}, expected_version=1)


def test_turn_times_outside_a_quarter_hour_to_ten_hours_are_refused(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with pytest.raises(InvalidInput) as too_long, db.uow() as tx:
        tx.restaurants.set_turn_times(r, [(2, 90), (8, 6000)])
    assert too_long.value.field == "turn_times[1].minutes"
    assert "between 15 and 600 minutes" in str(too_long.value)
    with pytest.raises(InvalidInput) as no_party, db.uow() as tx:
        tx.restaurants.set_turn_times(r, [(0, 90)])
    assert no_party.value.field == "turn_times[0].max_party_size"
    with db.uow() as tx:
        tx.restaurants.set_turn_times(r, [(2, 15), (99, 600)])
        assert [(t.max_party_size, t.minutes) for t in tx.restaurants.turn_times(r)] == [
            (2, 15), (99, 600)]


def test_an_unknown_time_zone_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput) as bad, db.uow() as tx:
        tx.restaurants.create("Nowhere", timezone="Mars/Olympus")
    assert bad.value.field == "timezone"


def test_every_change_gets_the_next_number_in_the_restaurants_log(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with db.uow() as tx:
        tx.zones.create(r, "terrace")

    def two_bars() -> None:
        with db.uow() as tx:
            tx.zones.create(r, "bar")
            tx.zones.create(r, "bar")

    with pytest.raises(AlreadyExists):  # rolled back, numbers included
        two_bars()
    with db.uow() as tx:
        tx.zones.create(r, "bar")
        events = tx.events.since(r)
        last = tx.events.last_seq(r)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert last == len(events)
    assert [e.kind for e in events[-2:]] == ["zone.created", "zone.created"]


def test_concurrent_changes_number_their_events_without_gaps(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    with db.uow() as tx:
        before = tx.events.last_seq(r)

    def add_zone(code: str) -> None:
        with db.uow() as tx:
            tx.zones.create(r, code)

    threads = [threading.Thread(target=add_zone, args=(f"room{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    with db.uow() as tx:
        new = tx.events.since(r, before)
    assert [e.seq for e in new] == list(range(before + 1, before + 7))
    assert sorted(e.payload["code"] for e in new) == [f"room{i}" for i in range(6)]


def test_deleting_a_restaurant_removes_everything_it_owned(
    db: Database, small_floor: SmallFloor,
) -> None:
    r = small_floor.restaurant_id
    start = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)
    booking = book(db, small_floor, party=2, start=start)
    with db.uow() as tx:
        tx.allocations.assign(r, booking, [small_floor.table_ids["T1"]], start,
                              start + timedelta(hours=2))
    with db.uow() as tx:
        tx.restaurants.delete(r)
    with pytest.raises(NotFound), db.uow() as tx:
        tx.restaurants.get(r)
    with db.uow() as tx:
        assert tx.allocations.in_window(r, start, start + timedelta(hours=2)) == []


def test_a_transaction_scoped_to_one_restaurant_cannot_see_or_touch_another(
    db: Database, small_floor: SmallFloor,
) -> None:
    mine = small_floor.restaurant_id
    with db.uow() as tx:
        other = tx.restaurants.create("Elsewhere")
        other_zone = tx.zones.create(other.id, "main")
    with db.uow(restaurants=[other.id]) as tx:
        assert tx.tables.list(mine) == []  # the database itself hides them
        assert [r.id for r in tx.restaurants.list()] == [other.id]
    with pytest.raises(NotFound), db.uow(restaurants=[other.id]) as tx:
        tx.tables.get(mine, small_floor.table_ids["T1"])
    with pytest.raises(NotFound), db.uow(restaurants=[other.id]) as tx:
        tx.zones.create(mine, "sneaky")
    with db.uow(restaurants=[mine]) as tx:  # its own restaurant works as usual
        tx.tables.create(mine, zone_id=small_floor.zone_id, label="T9", max_party=2)
        assert len(tx.tables.list(mine)) == 5
    with db.uow() as tx:
        assert tx.zones.list(other.id)[0].id == other_zone.id

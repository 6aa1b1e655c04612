"""A floor file imported and exported again is the same day: tables, joins and bookings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from maitred.config import Settings
from maitred.engine import instance as bench
from maitred.errors import InvalidInput
from maitred.services import floors
from maitred.store.db import Database

DAY = Path(__file__).parent / "data" / "small-bimodal.json"
SETTINGS = Settings(database_url="postgresql://unused")


def load() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DAY.read_text())
    return doc


def test_an_exported_import_is_the_same_day(db: Database) -> None:
    original = bench.parse(load())
    with db.uow() as tx:
        restaurant_id = floors.import_instance(tx, load(), name="Round trip")
    with db.uow() as tx:
        doc = floors.export_instance(tx, SETTINGS, restaurant_id, date(2025, 6, 27))
    again = bench.parse(json.loads(json.dumps(doc)))

    assert doc["restaurant"]["name"] == "Round trip"
    for part in ("zones", "tables", "combinations", "adjacency", "service", "timezone"):
        assert doc["restaurant"][part] == load()["restaurant"][part], part
    assert doc["bookings"] == load()["bookings"]  # same bookings, fields and order
    assert again.origin == original.origin
    assert again.policy.buffer_minutes == original.policy.buffer_minutes == 15
    assert dict(again.floor.tables) == dict(original.floor.tables)
    assert again.floor.adjacency == original.floor.adjacency
    assert {(c.id, c.tables, c.min_party, c.max_party) for c in again.floor.combinations} == {
        (c.id, c.tables, c.min_party, c.max_party) for c in original.floor.combinations}
    by_id = {b.id: b for b in original.bookings}
    assert {b.id for b in again.bookings} == set(by_id)
    for booking in again.bookings:
        # created_seq is renumbered 1..n in the same order, so compare everything else
        before = by_id[booking.id]
        assert (booking.party_size, booking.start, booking.duration, booking.zone_preference,
                booking.tags_preference, booking.locked_tables) == (
            before.party_size, before.start, before.duration, before.zone_preference,
            before.tags_preference, before.locked_tables)
    assert [b.id for b in sorted(again.bookings, key=lambda b: b.created_seq)] == [
        b.id for b in sorted(original.bookings, key=lambda b: b.created_seq)]


def test_locked_bookings_arrive_assigned_to_their_tables(db: Database) -> None:
    locked = {b.id: b.locked_tables for b in bench.parse(load()).bookings if b.locked_tables}
    with db.uow() as tx:
        r = floors.import_instance(tx, load())
        view = floors.load_floor(tx, SETTINGS, r)
        states = {}
        for b in tx.bookings.list(r, *_whole_day()):
            tables = tuple(sorted(view.labels[a.table_id]
                                  for a in tx.allocations.assignments(r, b.id)))
            states[b.reference] = (b.state, b.locked, tables)
    assert locked
    for reference, tables in locked.items():
        assert states[reference] == ("assigned", True, tables)
    assert all(s[0] == "pending" for ref, s in states.items() if ref not in locked)


def test_a_day_can_be_moved_to_another_date_keeping_wall_clock_times(db: Database) -> None:
    with db.uow() as tx:
        r = floors.import_instance(tx, load(), shift_to_date=date(2031, 3, 30))
        doc = floors.export_instance(tx, SETTINGS, r, date(2031, 3, 30))
    starts = sorted(b["start"] for b in doc["bookings"])
    original = sorted(b["start"][11:] for b in load()["bookings"])
    assert [s[11:] for s in starts] == original
    assert all(s.startswith("2031-03-30") for s in starts)


def test_a_malformed_file_is_refused_by_field_and_writes_nothing(db: Database) -> None:
    doc = load()
    doc["bookings"][3]["party_size"] = 0
    with pytest.raises(InvalidInput) as bad, db.uow() as tx:
        floors.import_instance(tx, doc)
    assert bad.value.field == "bookings[3].party_size"
    with db.uow() as tx:
        assert tx.restaurants.list() == []


def _whole_day() -> tuple[datetime, datetime]:
    return datetime(2025, 6, 26, tzinfo=UTC), datetime(2025, 6, 29, tzinfo=UTC)

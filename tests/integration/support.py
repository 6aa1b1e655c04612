"""Builders for tests on the real database: a small floor and bookings on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from maitred.store.db import Database


@dataclass(frozen=True)
class SmallFloor:
    """A restaurant in Paris with one room of four tables (2, 2, 4, 6 seats) in a row.

    T1-T2 and T2-T3 touch; T1+T2 is a listed combination for 3-4 guests.
    """

    restaurant_id: int
    zone_id: int
    table_ids: dict[str, int]          # label -> id
    combination_id: int


def build_small_floor(db: Database) -> SmallFloor:
    with db.uow(actor="test") as tx:
        restaurant = tx.restaurants.create("Chez Test", timezone="Europe/Paris")
        zone = tx.zones.create(restaurant.id, "main", "Main room")
        tables = {
            label: tx.tables.create(restaurant.id, zone_id=zone.id, label=label,
                                    max_party=seats).id
            for label, seats in (("T1", 2), ("T2", 2), ("T3", 4), ("T4", 6))
        }
        tx.adjacency.add(restaurant.id, tables["T1"], tables["T2"])
        tx.adjacency.add(restaurant.id, tables["T3"], tables["T2"])
        combination = tx.combinations.create(
            restaurant.id, code="C12", table_ids=[tables["T1"], tables["T2"]],
            min_party=3, max_party=4)
    return SmallFloor(restaurant.id, zone.id, tables, combination.id)


def book(
    db: Database, floor: SmallFloor, *, party: int, start: datetime, minutes: int = 90
) -> int:
    """A bare booking row (no factory rules): for tests about tables, not bookings."""
    with db.uow() as tx:
        return tx.bookings.create(floor.restaurant_id, party_size=party, start_at=start,
                                  duration_minutes=minutes, source="staff").id

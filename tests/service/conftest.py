"""Session routes over real HTTP: the shared HTTP fixtures (server, people, the Bistro;
:mod:`tests.http_fixtures`, registered in ``tests/conftest.py``), plus a floor and
bookings in the Bistro made straight in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from maitred import bootstrap

SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)  # 19:00 in Paris


@dataclass(frozen=True)
class Room:
    """The Bistro's main room: T1, T2 (2 seats), T3 (4), T4 (6); T1-T2-T3 in a row."""

    restaurant_id: int
    tables: dict[str, int]
    services: bootstrap.Services

    def booking(self, party: int = 2, *, minutes_after_seven: int = 0, length: int = 90) -> int:
        with self.services.db.uow() as tx:
            return tx.bookings.create(
                self.restaurant_id, party_size=party,
                start_at=SEVEN_PM + timedelta(minutes=minutes_after_seven),
                duration_minutes=length, source="staff").id

    def set_policy(self, **policy: object) -> None:
        with self.services.db.uow() as tx:
            tx.restaurants.set_policy(self.restaurant_id, policy)


@pytest.fixture
def room(bistro: int, services: bootstrap.Services) -> Room:
    with services.db.uow() as tx:
        zone = tx.zones.create(bistro, "main", "Main room")
        tables = {label: tx.tables.create(bistro, zone_id=zone.id, label=label,
                                          max_party=seats).id
                  for label, seats in (("T1", 2), ("T2", 2), ("T3", 4), ("T4", 6))}
        tx.adjacency.add(bistro, tables["T1"], tables["T2"])
        tx.adjacency.add(bistro, tables["T2"], tables["T3"])
    return Room(bistro, tables, services)

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

    def assign(self, booking_id: int, label: str, source: str = "auto") -> None:
        """Seat a pending booking at one table (with the turnover buffer), as ``source``.

        The booking's row is locked before its table, the order every service takes: the
        opposite order could deadlock against the optimizer in the race tests."""
        with self.services.db.uow() as tx:
            booking = tx.bookings.get(self.restaurant_id, booking_id, for_update=True)
            tx.allocations.assign(self.restaurant_id, booking_id, [self.tables[label]],
                                  booking.start_at, booking.end_at + timedelta(minutes=15),
                                  source=source)
            tx.bookings.transition_logged(self.restaurant_id, booking_id, to_state="assigned",
                                          from_state="pending",
                                          expected_version=booking.version, actor="test")

    def to_review(self, booking_id: int) -> None:
        """Send a pending booking to staff (``manual_review``)."""
        with self.services.db.uow() as tx:
            booking = tx.bookings.get(self.restaurant_id, booking_id)
            tx.bookings.transition_logged(self.restaurant_id, booking_id,
                                          to_state="manual_review", from_state="pending",
                                          expected_version=booking.version, actor="test")

    def table_ids(self, booking_id: int) -> list[int]:
        """The ids of the tables the booking is assigned to, sorted."""
        with self.services.db.uow() as tx:
            return sorted(a.table_id for a in tx.allocations.assignments(self.restaurant_id,
                                                                         booking_id))

    def labels(self, booking_id: int) -> list[str]:
        """The labels of the tables the booking is assigned to, sorted."""
        names = {v: k for k, v in self.tables.items()}
        return sorted(names[t] for t in self.table_ids(booking_id))


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

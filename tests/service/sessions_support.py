"""Builders for session tests on the real database: hosts, bookings, and a place to sit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.integration.support import SmallFloor, book

from maitred.config import Settings
from maitred.services import sessions, staff
from maitred.store.db import Database

# 19:00 in Paris on a day far from any clock change.
SEVEN_PM = datetime(2030, 6, 14, 17, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Host:
    """A staff member on the restaurant's team."""

    id: int
    name: str

    @property
    def actor(self) -> sessions.Actor:
        return sessions.Actor(self.id)


def host(db: Database, floor: SmallFloor, name: str) -> Host:
    with db.uow() as tx:
        member = staff.grant(tx, floor.restaurant_id, f"{name.lower()}@chez.test", "host",
                             name)
    return Host(member.staff_id, name)


def party(db: Database, floor: SmallFloor, size: int = 2, *, minutes_after_seven: int = 0,
          length: int = 90) -> int:
    return book(db, floor, party=size, start=SEVEN_PM + timedelta(minutes=minutes_after_seven),
                minutes=length)


def settings_for(db: Database) -> Settings:
    return Settings(database_url=db.url)


def let_holds_lapse(db: Database, restaurant_id: int) -> None:
    """Stands in for the hold TTL running out (the shortest a policy allows is 10 s): every
    live hold and open session of the restaurant expired a second ago; nothing else moves."""
    with db.uow() as tx:
        for table, live in (("table_holds", "status = 'active'"),
                            ("allocations", "kind = 'hold'"),
                            ("manual_assignment_sessions", "state IN ('PROPOSED', 'HELD')")):
            tx.conn.execute(f"UPDATE {table} SET expires_at = now() - interval '1 second'"
                            f" WHERE restaurant_id = %(r)s AND {live}", {"r": restaurant_id})

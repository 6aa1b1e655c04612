"""The demo restaurant: a real floor and a day of bookings, for trying maitred at once.

``maitred serve --demo`` loads Golden Kitchen, a medium floor of the shared benchmark
(30 tables, 27 combinations, 65 bookings), through the same import service a restaurant's
own floor file goes through, with its bookings moved to today in the restaurant's time
zone. It is loaded once per database: a restart finds it (by its demo staff member's
membership) and only issues a fresh token. A demo staff member is the restaurant's admin,
so every route can be tried with the token printed at start-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from maitred.config import Settings
from maitred.services import coordinator_queue, floors, staff
from maitred.store.auth import StaffRepository
from maitred.store.db import Database

FLOOR_FILE = Path(__file__).with_name("medium-l0.6-s1.json")
STAFF_EMAIL = "demo@maitred.local"
STAFF_NAME = "Demo Host"


@dataclass(frozen=True, slots=True)
class Demo:
    """What ``serve --demo`` prints: the restaurant, its day and a way in."""

    restaurant_id: int
    name: str
    day: date | None       # the day its bookings were moved to, when loaded just now
    token: str


def floor_document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))
    return doc


def ensure(db: Database, settings: Settings, *, now: datetime | None = None) -> Demo:
    """Load the demo restaurant unless it is there, and issue a demo staff token."""
    doc = floor_document()
    zone = ZoneInfo(doc["restaurant"]["timezone"])
    today = (now or datetime.now(zone)).astimezone(zone).date()
    with db.uow(actor="demo") as tx:
        repo = StaffRepository(tx.conn)
        repo.lock_setup()  # two processes sharing a DATABASE_URL load it once
        member = staff.ensure_staff(tx, STAFF_EMAIL, STAFF_NAME)
        owned = [m.restaurant_id for m in repo.memberships(member.id) if m.role == "admin"]
        if owned:
            restaurant_id, day = owned[0], None
        else:
            restaurant_id, day = floors.import_instance(
                tx, doc, shift_to_date=today, settings=settings,
                enqueue_assignment=coordinator_queue.enqueue), today
            repo.set_membership(restaurant_id, member.id, "admin")
        restaurant = tx.restaurants.get(restaurant_id)
        issued = staff.issue_token(tx, member.id, "demo")
    return Demo(restaurant_id, restaurant.name, day, issued.token)

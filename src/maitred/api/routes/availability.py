"""``GET /api/restaurants/{id}/availability``: can a party be seated at each slot of a day.

What the booking widget and the host's phone screen show: for every start slot of the
day's service periods, yes or no, the best tables and, when no, why. The answer says how
fresh it is: ``sequence`` is the restaurant's last event it reflects (the same numbers as
the event feed's ``id:``) and ``ageMs`` how old the read behind it was when it was served,
never more than a second. Thin over :mod:`maitred.services.availability`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from maitred.api.deps import DB, HostScope, ServicesDep
from maitred.api.schemas import Model
from maitred.services import availability

router = APIRouter(prefix="/api/restaurants/{restaurant_id}", tags=["availability"])


class Slot(Model):
    start_at: datetime
    time: str
    period: str
    available: bool
    tables: list[str]
    table_ids: list[int]
    score: float | None
    covers: int
    reason: str | None


class Availability(Model):
    restaurant_id: int
    date: date
    party_size: int
    include_holds: bool
    sequence: int
    age_ms: float
    pacing_covers_per_slot: int | None
    slots: list[Slot]


@router.get("/availability", response_model=Availability, response_model_by_alias=True,
            summary="Availability of every start slot of a day")
def get_availability(
    scope: HostScope, db: DB, services: ServicesDep,
    day: Annotated[date, Query(alias="date", description="Local date, YYYY-MM-DD.")],
    party_size: Annotated[int, Query(alias="partySize", ge=1, le=100)],
    include_holds: Annotated[bool, Query(
        alias="includeHolds", description="Count tables staff are holding as taken.")] = True,
) -> Availability:
    tracker = availability.tracker_of(db, services.settings)
    found = tracker.availability(lambda: scope.uow(db), scope.restaurant_id, day, party_size,
                                 include_holds=include_holds)
    return Availability(
        restaurant_id=found.restaurant_id, date=found.day, party_size=found.party_size,
        include_holds=found.include_holds, sequence=found.sequence,
        age_ms=round(found.age_seconds * 1000, 3),
        pacing_covers_per_slot=found.pacing_covers_per_slot,
        slots=[Slot.model_validate(s) for s in found.slots])

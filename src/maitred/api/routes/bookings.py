"""Bookings: take, read, change and cancel parties. Hosts and up.

Every booking is created by the booking factory (:mod:`maitred.services.bookings`), the
same path the phone, the walk-in desk and the deposit webhook use, so a booking made here
is validated, audited and queued for a table exactly like any other.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query

from maitred.api import schemas
from maitred.api.deps import DB, HostScope

router = APIRouter(prefix="/restaurants/{restaurant_id}/bookings", tags=["bookings"])
BookingId = Annotated[int, Path(ge=1)]


@router.get("", response_model=schemas.BookingDay, summary="The bookings of one day")
def list_bookings(
    scope: HostScope, db: DB,
    day: Annotated[date, Query(alias="date", description="Local date, YYYY-MM-DD.")],
) -> schemas.BookingDay:
    """Bookings starting on that date in the restaurant's time zone, by start time."""
    with db.uow() as tx:
        restaurant = tx.restaurants.get(scope.restaurant_id)
        zone = ZoneInfo(restaurant.timezone)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        found = tx.bookings.list(scope.restaurant_id, start, end)
    return schemas.BookingDay(date=day, bookings=[schemas.Booking.model_validate(b)
                                                  for b in found])


@router.get("/{booking_id}", response_model=schemas.Booking, summary="One booking")
def get_booking(scope: HostScope, db: DB, booking_id: BookingId) -> schemas.Booking:
    with db.uow() as tx:
        return schemas.Booking.model_validate(tx.bookings.get(scope.restaurant_id, booking_id))

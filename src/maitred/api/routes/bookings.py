"""Bookings: take, read, change and cancel parties. Hosts and up.

Every booking is created by the booking factory (:mod:`maitred.services.bookings`), the
same path the phone, the walk-in desk and the deposit webhook use, so a booking made here
is validated, audited and queued for a table exactly like any other. Changes and
cancellations carry the version the host read: a booking someone changed since is a 409
with the current version, never a silent overwrite.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response

from maitred.api import schemas
from maitred.api.deps import DB, HostScope, Idempotent, ServicesDep
from maitred.errors import InvalidInput
from maitred.services import bookings as factory
from maitred.services import coordinator
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

router = APIRouter(prefix="/api/restaurants/{restaurant_id}/bookings", tags=["bookings"])
BookingId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]


@router.get("", response_model=schemas.BookingDay, summary="The bookings of one day")
def list_bookings(
    scope: HostScope, db: DB,
    day: Annotated[date, Query(alias="date", description="Local date, YYYY-MM-DD.")],
) -> schemas.BookingDay:
    """Bookings starting on that date in the restaurant's time zone, by start time."""
    if not schemas.FIRST_YEAR <= day.year <= schemas.LAST_YEAR:
        raise InvalidInput("date", f"must be between the years {schemas.FIRST_YEAR} and "
                                   f"{schemas.LAST_YEAR}")
    with scope.uow(db) as tx:
        restaurant = tx.restaurants.get(scope.restaurant_id)
        zone = ZoneInfo(restaurant.timezone)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        found = tx.bookings.list(scope.restaurant_id, start, end)
        tables: dict[int, list[int]] = {}
        for allocation in tx.allocations.in_window(scope.restaurant_id, start, end,
                                                   include_holds=False):
            tables.setdefault(allocation.booking_id, []).append(allocation.table_id)
    return schemas.BookingDay(date=day, bookings=[
        _render(b, sorted(tables.get(b.id, []))) for b in found])


@router.post("", response_model=schemas.Booking, status_code=201, summary="Take a booking")
def create_booking(
    scope: HostScope, services: ServicesDep, body: schemas.BookingIn, once: Idempotent
) -> Response:
    """A party of ``partySize`` at ``startAt``; the duration defaults to the turn time."""
    guest = body.guest or schemas.GuestIn()
    request = factory.BookingRequest(
        party_size=body.party_size, start_at=body.start_at,
        duration_minutes=body.duration_minutes, source=body.source,
        guest_name=guest.name, guest_phone=guest.phone, guest_email=guest.email,
        zone_preference_id=body.zone_preference_id,
        tags_preference=frozenset(body.tags_preference), notes=body.notes,
        reference=body.reference, created_by=scope.staff.id,
    )

    def work(tx: UnitOfWork) -> schemas.Booking:
        return _render(factory.create_booking(tx, services.settings, scope.restaurant_id,
                                              request, enqueue_assignment=coordinator.enqueue),
                       [])

    return once.run(201, work)


@router.get("/{booking_id}", response_model=schemas.Booking, summary="One booking")
def get_booking(scope: HostScope, db: DB, booking_id: BookingId) -> schemas.Booking:
    with scope.uow(db) as tx:
        return with_tables(tx, tx.bookings.get(scope.restaurant_id, booking_id))


@router.patch("/{booking_id}", response_model=schemas.Booking, summary="Change a booking")
def update_booking(
    scope: HostScope, services: ServicesDep, body: schemas.BookingPatch, once: Idempotent,
    booking_id: BookingId,
) -> Response:
    """Only the fields sent change; ``expectedVersion`` is the version you read."""
    changes = factory.BookingChanges(
        party_size=body.party_size, start_at=body.start_at,
        duration_minutes=body.duration_minutes, zone_preference_id=body.zone_preference_id,
        clear_zone_preference=("zone_preference_id" in body.model_fields_set
                               and body.zone_preference_id is None),
        tags_preference=None if body.tags_preference is None
        else frozenset(body.tags_preference),
        notes=body.notes, locked=body.locked,
    )

    def work(tx: UnitOfWork) -> schemas.Booking:
        return with_tables(tx, factory.update_booking(
            tx, services.settings, scope.restaurant_id, booking_id, body.expected_version,
            changes, enqueue_assignment=coordinator.enqueue))

    return once.run(200, work)


@router.post("/{booking_id}/cancel", response_model=schemas.Booking,
             summary="Cancel a booking (its tables are freed)")
def cancel_booking(
    scope: HostScope, body: schemas.CancelIn, once: Idempotent, booking_id: BookingId
) -> Response:
    def work(tx: UnitOfWork) -> schemas.Booking:
        return with_tables(tx, factory.cancel_booking(
            tx, scope.restaurant_id, booking_id, expected_version=body.expected_version,
            reason=body.reason, actor=scope.actor))

    return once.run(200, work)


def with_tables(tx: UnitOfWork, booking: Booking) -> schemas.Booking:
    assigned = tx.allocations.assignments(booking.restaurant_id, booking.id)
    return _render(booking, sorted(a.table_id for a in assigned))


def _render(booking: Booking, table_ids: list[int]) -> schemas.Booking:
    answer = schemas.Booking.model_validate(booking)
    return answer.model_copy(update={"table_ids": table_ids})

"""Ops: give a booking a table or take one away directly, for the floor in service.

No session and no hold first: a manager seating a walk-in at T7 right now. The same
allocation rows guard it, so a table someone else keeps is a 409 naming the table, the
booking, the host holding it and when it frees. Thin routes over
:mod:`maitred.services.table_ops`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api.deps import DB, CurrentStaff, Idempotent, ServicesDep
from maitred.api.routes import manual_schemas as schemas
from maitred.api.routes.manual_deps import place_of
from maitred.services import table_ops
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/ops/bookings/{booking_id}/tables", tags=["ops"])
BookingId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TableId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", response_model=schemas.BookingTables, summary="A booking's tables")
def list_tables(
    services: ServicesDep, db: DB, staff: CurrentStaff, booking_id: BookingId
) -> schemas.BookingTables:
    place = place_of(services, staff, booking_id=booking_id, gated=False)
    with db.uow() as tx:
        return schemas.BookingTables.model_validate(
            table_ops.tables_of(tx, place.restaurant_id, booking_id))


@router.post("", response_model=schemas.BookingTables, summary="Give the booking a table")
def add_table(
    services: ServicesDep, staff: CurrentStaff, body: schemas.TableIn, once: Idempotent,
    booking_id: BookingId,
) -> Response:
    place = place_of(services, staff, booking_id=booking_id, gated=False)

    def work(tx: UnitOfWork) -> schemas.BookingTables:
        return schemas.BookingTables.model_validate(table_ops.add_table(
            tx, services.settings, place.restaurant_id, booking_id, body.table_id,
            place.actor))

    return once.run(200, work)


@router.delete("/{table_id}", response_model=schemas.BookingTables,
               summary="Take a table away from the booking")
def remove_table(
    services: ServicesDep, staff: CurrentStaff, once: Idempotent, booking_id: BookingId,
    table_id: TableId,
) -> Response:
    place = place_of(services, staff, booking_id=booking_id, gated=False)

    def work(tx: UnitOfWork) -> schemas.BookingTables:
        return schemas.BookingTables.model_validate(table_ops.remove_table(
            tx, place.restaurant_id, booking_id, table_id, place.actor))

    return once.run(200, work)

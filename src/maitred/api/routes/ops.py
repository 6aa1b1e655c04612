"""Ops: give a booking a table or take one away directly, for the floor in service.

No session and no hold first: a manager seating a walk-in at T7 right now. The same
allocation rows guard it, so a table someone else keeps is a 409 naming the table, the
booking, the host holding it and when it frees. Thin routes over
:mod:`maitred.services.table_ops`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Response

from maitred.api.deps import DB, CurrentStaff, Idempotent, ServicesDep
from maitred.api.routes import manual_schemas as schemas
from maitred.api.routes.manual_deps import Place, place_in
from maitred.bootstrap import Services
from maitred.services import table_ops
from maitred.services.staff import StaffMember
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/ops/bookings/{booking_id}/tables", tags=["ops"])
BookingId = Annotated[int, Path(ge=1, le=2**63 - 1)]
TableId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", response_model=schemas.BookingTables, summary="A booking's tables")
def list_tables(
    services: ServicesDep, db: DB, staff: CurrentStaff, booking_id: BookingId
) -> schemas.BookingTables:
    with db.uow() as tx:
        place = place_in(tx, services.settings, staff, booking_id=booking_id, gated=False)
        return schemas.BookingTables.model_validate(
            table_ops.tables_of(tx, place.restaurant_id, booking_id))


@router.post("", response_model=schemas.BookingTables, summary="Give the booking a table")
def add_table(
    services: ServicesDep, staff: CurrentStaff, body: schemas.TableIn, once: Idempotent,
    booking_id: BookingId,
) -> Response:
    """The table is judged by the constraint engine first, exactly as in a session: a
    refusal is a 409 ``/problems/selection-refused`` with every reason in words."""
    def work(tx: UnitOfWork, place: Place) -> schemas.BookingTables:
        return schemas.BookingTables.model_validate(table_ops.add_table(
            tx, services.settings, place.restaurant_id, booking_id, body.table_id,
            place.actor))

    return once.run_at(200, _place(services, staff, booking_id), work)


@router.delete("/{table_id}", response_model=schemas.BookingTables,
               summary="Take a table away from the booking")
def remove_table(
    services: ServicesDep, staff: CurrentStaff, once: Idempotent, booking_id: BookingId,
    table_id: TableId,
) -> Response:
    """What stays must still pass the constraint engine (a party of six left at a table
    for two is refused, with the reason)."""
    def work(tx: UnitOfWork, place: Place) -> schemas.BookingTables:
        return schemas.BookingTables.model_validate(table_ops.remove_table(
            tx, services.settings, place.restaurant_id, booking_id, table_id, place.actor))

    return once.run_at(200, _place(services, staff, booking_id), work)


def _place(
    services: Services, staff: StaffMember, booking_id: int
) -> Callable[[UnitOfWork], Place]:
    def locate(tx: UnitOfWork) -> Place:
        return place_in(tx, services.settings, staff, booking_id=booking_id, gated=False)

    return locate

"""The older validate → hold → confirm routes, kept for screens built on them.

Thin adapters over :mod:`maitred.services.manual_compat` (itself over the session
service): they work whether or not sessions are switched on, and carry manual assignment
when they are off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response

from maitred.api.deps import DB, CurrentStaff, Idempotent, ServicesDep
from maitred.api.routes import manual_schemas as schemas
from maitred.api.routes.manual_deps import Place, place_in, render
from maitred.bootstrap import Services
from maitred.services import manual_compat
from maitred.services.staff import StaffMember
from maitred.store.db import UnitOfWork

# No prefix of its own: it is included in :data:`maitred.api.routes.manual.router`.
router = APIRouter(tags=["manual assignment (compatibility)"])


@router.get("/context", response_model=schemas.Context,
             summary="The floor around one booking")
def context(
    services: ServicesDep, db: DB, staff: CurrentStaff,
    booking_id: Annotated[int, Query(alias="bookingId", ge=1)],
) -> schemas.Context:
    with db.uow() as tx:
        place = place_in(tx, services.settings, staff, booking_id=booking_id, gated=False)
        return schemas.Context.model_validate(manual_compat.context(
            tx, services.settings, place.restaurant_id, booking_id))


@router.post("/validate", response_model=schemas.Validation,
             summary="Would these tables do? (nothing is held)")
def validate(
    services: ServicesDep, staff: CurrentStaff, body: schemas.ChoiceIn, once: Idempotent,
) -> Response:
    """Writes nothing; like every POST it takes an ``Idempotency-Key`` (a retry replays)."""
    def work(tx: UnitOfWork, place: Place) -> schemas.Validation:
        return schemas.Validation.model_validate(manual_compat.validate(
            tx, services.settings, place.restaurant_id, body.booking_id, body.table_ids,
            body.context_version))

    return once.run_at(200, _booking_place(services, staff, body.booking_id), work)


@router.post("/hold", response_model=schemas.Session,
             summary="Hold tables (through your session for the booking)")
def hold(
    services: ServicesDep, staff: CurrentStaff, body: schemas.ChoiceIn, once: Idempotent,
) -> Response:
    """A table someone else keeps is a 409 naming it, the holder and when it frees."""
    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(manual_compat.hold(tx, services.settings, place.restaurant_id,
                                         body.booking_id, body.table_ids,
                                         body.context_version, place.actor))

    return once.run_at(200, _booking_place(services, staff, body.booking_id), work)


@router.post("/confirm", response_model=schemas.Session, summary="Confirm a hold")
def confirm(
    services: ServicesDep, staff: CurrentStaff, body: schemas.ConfirmIn, once: Idempotent,
) -> Response:
    def locate(tx: UnitOfWork) -> Place:
        session_id = manual_compat.session_of(tx, body.hold_id)
        return place_in(tx, services.settings, staff, session_id=session_id, gated=False)

    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(manual_compat.confirm(tx, services.settings, place.restaurant_id,
                                            body.hold_id, place.actor))

    return once.run_at(200, locate, work)


def _booking_place(
    services: Services, staff: StaffMember, booking_id: int
) -> Callable[[UnitOfWork], Place]:
    """Where a request naming a booking acts, found in its own transaction (ungated: the
    older flow works whether or not sessions are switched on)."""
    def locate(tx: UnitOfWork) -> Place:
        return place_in(tx, services.settings, staff, booking_id=booking_id, gated=False)

    return locate

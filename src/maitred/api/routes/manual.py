"""Manual assignment sessions: a host picks tables for a booking, and nobody races them.

One idempotent endpoint does the chatty part: ``POST /api/staff/manual/session`` finds or
opens the host's session for the booking, judges the tables with the constraint engine
and, when they pass, holds them in the same transaction. The answer is the whole session:
state, tables, hold expiry, every table's status, and for a refused selection who holds
what until when, plus the planner's best alternatives. The session then moves by ``PUT``
(new tables, with the ``selectionVersion`` the host saw), ``PUT .../confirm`` and
``DELETE``. Routes only parse and render; :mod:`maitred.services.sessions` decides.

Switched off (``FEATURE_MANUAL_ASSIGNMENT_SESSION_ENABLED=false``, or the restaurant's
policy), every session route answers 404.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Response

from maitred.api.deps import DB, CurrentStaff, Idempotent, ServicesDep
from maitred.api.routes import manual_compat
from maitred.api.routes import manual_schemas as schemas
from maitred.api.routes.manual_deps import Place, SessionId, place_in, render
from maitred.bootstrap import Services
from maitred.services import sessions
from maitred.services.staff import StaffMember
from maitred.store.db import UnitOfWork

router = APIRouter(prefix="/api/staff/manual", tags=["manual assignment"])


@router.post("/session", response_model=schemas.Session,
             summary="Open (or find) your session for a booking and hold its tables")
def open_session(
    services: ServicesDep, staff: CurrentStaff, body: schemas.SessionIn, once: Idempotent
) -> Response:
    """With ``tableIds``, the tables are judged and, if they pass, held in the same step.

    A refused selection is still an answer (state ``PROPOSED``) whose ``violations`` say
    which table, held or taken by which booking and whom, free again when.
    """
    def locate(tx: UnitOfWork) -> Place:
        return place_in(tx, services.settings, staff, booking_id=body.booking_id)

    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(sessions.open_session(tx, services.settings, place.restaurant_id,
                                            body.booking_id, place.actor, body.table_ids,
                                            booking=place.booking))

    return once.run_at(200, locate, work)


@router.get("/session/{session_id}", response_model=schemas.Session,
            summary="A session, judged against the floor right now")
def get_session(services: ServicesDep, db: DB, staff: CurrentStaff,
                session_id: SessionId) -> schemas.Session:
    with db.uow() as tx:
        place = place_in(tx, services.settings, staff, session_id=session_id)
        return render(sessions.get_session(tx, services.settings, place.restaurant_id,
                                           session_id, session=place.session))


@router.put("/session/{session_id}", response_model=schemas.Session,
            summary="Choose other tables")
def change_selection(
    services: ServicesDep, staff: CurrentStaff, body: schemas.SelectionIn, once: Idempotent,
    session_id: SessionId,
) -> Response:
    """``selectionVersion`` is the one you saw; if it moved on, a 409 carries the session."""
    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(sessions.change_selection(
            tx, services.settings, place.restaurant_id, session_id, place.actor,
            body.table_ids, body.selection_version, session=place.session))

    return once.run_at(200, _session_place(services, staff, session_id), work,
                       after_claim=True)


@router.put("/session/{session_id}/confirm", response_model=schemas.Session,
            summary="Seat the booking at the held tables")
def confirm(
    services: ServicesDep, staff: CurrentStaff, once: Idempotent, session_id: SessionId,
) -> Response:
    """Needs ``HELD`` and an unexpired hold (else 409 with the state, ``EXPIRED`` included)."""
    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(sessions.confirm(tx, services.settings, place.restaurant_id,
                                       session_id, place.actor, session=place.session))

    return once.run_at(200, _session_place(services, staff, session_id), work,
                       after_claim=True)


@router.delete("/session/{session_id}", response_model=schemas.Session,
               summary="Cancel the session and give its tables back")
def cancel(
    services: ServicesDep, staff: CurrentStaff, once: Idempotent, session_id: SessionId,
) -> Response:
    def work(tx: UnitOfWork, place: Place) -> schemas.Session:
        return render(sessions.cancel(tx, services.settings, place.restaurant_id, session_id,
                                      place.actor, session=place.session))

    return once.run_at(200, _session_place(services, staff, session_id), work,
                       after_claim=True)


def _session_place(
    services: Services, staff: StaffMember, session_id: int
) -> Callable[[UnitOfWork], Place]:
    def locate(tx: UnitOfWork) -> Place:
        # After the key's claim (see Once.run_at): the session row locked as it is read.
        return place_in(tx, services.settings, staff, session_id=session_id, lock=True)

    return locate


# The compatibility routes ride on this router, so the app registers one module.
router.include_router(manual_compat.router)

"""What the manual assignment routes share: where a request acts, and the on/off switch.

Session routes name a booking or a session, not a restaurant: :func:`place_of` finds the
restaurant behind the id and checks the caller works there (another restaurant's ids
answer 404, exactly like missing ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Path

from maitred import errors
from maitred.api.deps import CurrentStaff, ServicesDep
from maitred.api.routes import manual_schemas as schemas
from maitred.config import Settings
from maitred.services import sessions
from maitred.services.session_answers import SessionAnswer
from maitred.services.staff import StaffMember
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking
from maitred.store.sessions import Session, SessionRepository

SessionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@dataclass(frozen=True, slots=True)
class Place:
    """The restaurant a request acts in, found from its booking or session."""

    restaurant_id: int
    actor: sessions.Actor
    booking: Booking | None = None  # the booking named, as the transaction read it
    session: Session | None = None  # the session named, as the transaction read it


def place_of(
    services: ServicesDep, staff: CurrentStaff, *, booking_id: int | None = None,
    session_id: int | None = None, gated: bool = True,
) -> Place:
    """The restaurant behind the id, if the caller works there (else a plain 404)."""
    with services.db.uow() as tx:
        return place_in(tx, services.settings, staff, booking_id=booking_id,
                        session_id=session_id, gated=gated)


def place_in(
    tx: UnitOfWork, settings: Settings, staff: StaffMember, *, booking_id: int | None = None,
    session_id: int | None = None, gated: bool = True, lock: bool = False,
) -> Place:
    """:func:`place_of` inside the request's own transaction (see ``Once.run_at``), with
    the booking or session it read (``lock``: the session's row locked)."""
    repo = SessionRepository(tx.conn)
    booking = session = None
    if booking_id is not None:
        booking, policy = repo.booking_with_policy(booking_id)
        restaurant_id = booking.restaurant_id
        missing: errors.NotFound = errors.NotFound("booking", booking_id)
    else:
        assert session_id is not None
        session, policy = repo.session_with_policy(session_id, for_update=lock)
        restaurant_id = session.restaurant_id
        missing = errors.NotFound("session", session_id)
    if staff.role_in(restaurant_id) is None:
        raise missing  # another restaurant's ids look exactly like missing ones
    # Off in the settings is off everywhere; on, a restaurant's policy may switch it off.
    # (Checked here, in the request's transaction, rather than by a dependency of its own:
    # every dependency is work on every call of the hot path.)
    enabled = settings.manual_assignment_session_enabled and policy.get(
        "manual_assignment_session_enabled", True)
    if gated and not enabled:
        raise errors.NotFound("route", "manual session",
                              "manual assignment sessions are switched off here")
    return Place(restaurant_id, sessions.Actor(staff.id), booking, session)


def render(found: SessionAnswer) -> schemas.Session:
    return schemas.Session.model_validate(found.to_json())

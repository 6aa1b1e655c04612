"""Automatic assignment over HTTP: process a booking, auto quote and confirm, assign a day.

Thin routes over :mod:`maitred.services.coordinator`, :mod:`maitred.services.quotes` and
:mod:`maitred.services.dashboard`. Every route is a write (it queues work or takes a
hold), so every route takes an ``Idempotency-Key``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from maitred import errors
from maitred.api.deps import CurrentStaff, Idempotent, ServicesDep
from maitred.api.routes.manual_deps import place_of
from maitred.api.schemas import In, Model
from maitred.services import coordinator, dashboard, locks, quotes, sessions, staff
from maitred.services.coordinator import Coordinator
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import UnitOfWork

router = APIRouter(tags=["automatic assignment"])
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# States a booking may be sent through the pipeline from (a seated or closed party may not).
PROCESSABLE = frozenset({"pending", "assignment_pending", "manual_review", "assigned"})


class ProcessIn(In):
    booking_id: Id
    trigger: Literal["creation", "modification", "retry"] = "retry"


class Accepted(Model):
    status: Literal["accepted"]
    correlation_id: str
    job_id: int


class QuoteIn(In):
    booking_id: Id


class Plan(Model):
    table_ids: list[int]
    labels: list[str]
    strategy: str
    score: float
    terms: dict[str, float]
    reasons: list[str]


class QuotedHold(Model):
    hold_id: int
    table_ids: list[int]
    labels: list[str]
    expires_at: str


class StrategySay(Model):
    strategy: str
    reason: str
    tables: list[str] | None
    score: float | None


class Quote(Model):
    booking_id: int
    hold: QuotedHold | None = Field(description="The best plan still free, held for you.")
    plans: list[Plan] = Field(description="Best first, with each score's terms.")
    strategies: list[StrategySay]
    reason: str | None = Field(description="Why nothing fits, when nothing does.")
    conflicts: list[str]


class ConfirmIn(In):
    hold_id: Id


class Confirmed(Model):
    booking_id: int
    state: str
    version: int
    hold_id: int
    table_ids: list[int]


class DayIn(In):
    restaurant_id: Id
    date: date


class Placed(Model):
    booking_id: int
    reason: str
    table_ids: list[int] = Field(default_factory=list)
    strategy: str | None = None


class DayRun(Model):
    restaurant_id: int
    date: date
    placed: list[Placed]
    review: list[Placed]
    left: list[Placed]


@router.post("/api/assignments/process", status_code=202, response_model=Accepted,
             summary="Queue a booking for automatic assignment")
def process(services: ServicesDep, staff_member: CurrentStaff, body: ProcessIn,
            once: Idempotent) -> Response:
    """202 with the correlation id to follow it by; 409 while the booking is being
    processed; 400 for a booking the pipeline cannot take (seated, cancelled...)."""
    place = place_of(services, staff_member, booking_id=body.booking_id, gated=False)
    # A probe in its own short transaction, outside the idempotent write: "being processed
    # right now" is a moment, not an answer to replay for this key.
    with services.db.uow() as probe:
        locks.take(probe, locks.booking_name(body.booking_id), booking_id=body.booking_id)

    def work(tx: UnitOfWork) -> Accepted:
        booking = tx.bookings.get(place.restaurant_id, body.booking_id, for_update=True)
        if booking.state not in PROCESSABLE:
            raise errors.NotProcessable(booking.id, booking.state)
        correlation_id = uuid.uuid4().hex
        job_id = coordinator.defer(tx, booking, body.trigger, correlation_id=correlation_id)
        return Accepted(status="accepted", correlation_id=correlation_id, job_id=job_id)

    return once.run(202, work)


@router.post("/api/staff/auto/quote", response_model=Quote,
             summary="The engine's ranked plans for a booking, the best one held")
def auto_quote(services: ServicesDep, staff_member: CurrentStaff, body: QuoteIn,
               once: Idempotent) -> Response:
    place = place_of(services, staff_member, booking_id=body.booking_id, gated=False)

    def work(tx: UnitOfWork) -> Quote:
        return Quote.model_validate(quotes.quote(tx, services.settings, place.restaurant_id,
                                                 body.booking_id, place.actor))

    return once.run(200, work)


@router.post("/api/staff/auto/confirm", response_model=Confirmed,
             summary="Seat the booking at its quoted hold")
def auto_confirm(services: ServicesDep, staff_member: CurrentStaff, body: ConfirmIn,
                 once: Idempotent) -> Response:
    with services.db.uow() as tx:
        restaurant_id = AssignmentRepository(tx.conn).restaurant_of_hold(body.hold_id)
    _member(staff_member, restaurant_id, errors.NotFound("hold", body.hold_id))
    actor = sessions.Actor(staff_member.id)

    def work(tx: UnitOfWork) -> Confirmed:
        return Confirmed.model_validate(quotes.confirm(tx, restaurant_id, body.hold_id, actor))

    return once.run(200, work)


@router.post("/api/ops/dashboard/assign-tables", response_model=DayRun,
             summary="Assign every waiting booking of a day in one run")
def assign_tables(services: ServicesDep, staff_member: CurrentStaff, body: DayIn,
                  once: Idempotent) -> Response:
    """What was placed, what went to manual review, what was left (and why, for each)."""
    _member(staff_member, body.restaurant_id,
            errors.NotFound("restaurant", body.restaurant_id))
    seat = Coordinator(services.db, services.settings)

    def work(tx: UnitOfWork) -> DayRun:
        found: dict[str, Any] = dashboard.assign_day(tx, seat, body.restaurant_id, body.date)
        return DayRun.model_validate(found)

    return once.run(200, work)


def _member(staff_member: staff.StaffMember, restaurant_id: int,
            missing: errors.NotFound) -> None:
    # Another restaurant's ids look exactly like missing ones.
    if staff_member.role_in(restaurant_id) is None:
        raise missing

"""``POST /api/ops/optimize``: the day re-planned by the offline engine, as a proposal.

Re-plans the day's not-yet-seated bookings and answers the moves it would make (from which
tables to which, and why), the covers seated before and after, and the engine's status and
optimality gap. It writes nothing: ``apply: true`` is refused with a 422 naming ``apply``
until applying lands. A read-only proposal takes no ``Idempotency-Key`` (see
docs/decisions.md). Thin over :mod:`maitred.services.optimizer`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from maitred import errors
from maitred.api.deps import DB, CurrentStaff, ServicesDep
from maitred.api.schemas import In, Model
from maitred.services import optimizer

router = APIRouter(tags=["optimizer"])
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OptimizeIn(In):
    restaurant_id: Id
    date: date
    apply: bool = Field(False, description="Only false for now: the answer is a proposal.")
    max_moves: int | None = Field(
        None, ge=0, le=1000,
        description=f"Most bookings the plan may move or newly seat "
                    f"(default {optimizer.DEFAULT_MAX_MOVES}).")


class MoveOut(Model):
    booking_id: int
    party_size: int
    from_table_ids: list[int]
    to_table_ids: list[int]
    from_tables: list[str]
    to_tables: list[str]
    why: str


class EngineOut(Model):
    status: str | None
    covers_bound: int | None
    gap: float | None
    runs: int
    seconds: float


class ProposalOut(Model):
    restaurant_id: int
    date: date
    applied: bool
    max_moves: int
    moves_used: int
    diff: list[MoveOut]
    covers_before: int
    covers_after: int
    covers_total: int
    score_before: int
    score_after: int
    bookings_considered: int
    bookings_fixed: list[int]
    waiting_before: list[int]
    waiting_after: list[int]
    engine: EngineOut


@router.post("/api/ops/optimize", response_model=ProposalOut,
             summary="Propose a re-plan of a day's not-yet-seated bookings")
def optimize(services: ServicesDep, db: DB, staff_member: CurrentStaff,
             body: OptimizeIn) -> ProposalOut:
    """The moves the offline engine would make, at most ``maxMoves``; nothing is written.
    Manual, locked, held and seated assignments stay where they are, and no assigned
    booking loses its table."""
    if staff_member.role_in(body.restaurant_id) is None:
        # Another restaurant's ids look exactly like missing ones.
        raise errors.NotFound("restaurant", body.restaurant_id)
    if body.apply:
        raise errors.InvalidInput(
            "apply", "applying a proposal is not available yet; send apply: false for the "
            "proposal")
    with db.uow(actor=staff_member.actor, restaurants=[body.restaurant_id]) as tx:
        found = optimizer.propose(tx, services.settings, body.restaurant_id, body.date,
                                  max_moves=body.max_moves)
    return ProposalOut(
        restaurant_id=found.restaurant_id, date=found.day, applied=False,
        max_moves=found.max_moves, moves_used=found.moves_used,
        diff=[MoveOut.model_validate(m) for m in found.moves],
        covers_before=found.covers_before, covers_after=found.covers_after,
        covers_total=found.covers_total, score_before=found.score_before,
        score_after=found.score_after, bookings_considered=found.bookings_considered,
        bookings_fixed=list(found.bookings_fixed), waiting_before=list(found.waiting_before),
        waiting_after=list(found.waiting_after),
        engine=EngineOut(status=found.engine_status, covers_bound=found.covers_bound,
                         gap=found.gap, runs=found.runs, seconds=found.seconds))

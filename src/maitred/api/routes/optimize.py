"""``POST /api/ops/optimize``: the day re-planned within ``maxMoves`` moves, proposed or applied.

Re-plans the day's not-yet-seated bookings and answers the moves (from which tables to
which, and why), the score (covers) before and after, and the engine's status and
optimality gap. ``apply: false`` writes nothing and takes no ``Idempotency-Key`` (see
docs/decisions.md). ``apply: true`` needs the manager role and an ``Idempotency-Key``
(a 422 naming the header without one); it writes the proposal only when it qualifies
(:func:`maitred.services.optimizer_apply.qualifies`), and ``applied``/``reason`` say
whether it did and why not. A lost race with a concurrent write is retried on fresh data
in a fresh transaction (each attempt under the key, so a replay returns the first
answer). Thin over :mod:`maitred.services.optimizer` and ``optimizer_apply``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from pydantic import Field

from maitred import errors
from maitred.api.deps import DB, CurrentStaff, ServicesDep
from maitred.api.idempotent import Once
from maitred.api.schemas import In, Model
from maitred.services import idempotency, optimizer, optimizer_apply, staff
from maitred.services.optimizer_apply import Outcome
from maitred.store.db import UnitOfWork

router = APIRouter(tags=["optimizer"])
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OptimizeIn(In):
    restaurant_id: Id
    date: date
    apply: bool = Field(False, description="true: write the proposal if it qualifies "
                        "(needs the manager role and an Idempotency-Key).")
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
    reason: str
    threshold: float
    attempts: int
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
             summary="Propose (or apply) a re-plan of a day's not-yet-seated bookings")
def optimize(
    services: ServicesDep, db: DB, staff_member: CurrentStaff, body: OptimizeIn,
    request: Request,
    key: Annotated[str | None, Header(
        alias=idempotency.HEADER, max_length=idempotency.MAX_KEY_LENGTH,
        description="Required when apply is true.")] = None,
) -> ProposalOut | Response:
    """The moves the bounded re-plan would make, at most ``maxMoves``. Manual, locked,
    held and seated assignments stay where they are, and no assigned booking loses its
    table. With ``apply: true`` the moves are written when the proposal qualifies."""
    role = staff_member.role_in(body.restaurant_id)
    if role is None:
        # Another restaurant's ids look exactly like missing ones.
        raise errors.NotFound("restaurant", body.restaurant_id)
    if not body.apply:
        with db.uow(actor=staff_member.actor, restaurants=[body.restaurant_id]) as tx:
            found = optimizer_apply.attempt(tx, services.settings, body.restaurant_id,
                                            body.date, max_moves=body.max_moves, apply=False)
        return _out(found)
    if staff.rank(role) < staff.rank("manager"):
        raise errors.Forbidden(f"applying a re-plan needs the manager role here; you are "
                               f"{role}")
    if not key:
        raise errors.InvalidInput(idempotency.HEADER, "required when apply is true: a "
                                  "retry with the same key gets the first answer back")
    once = Once(services.idempotency, staff_member.id, key, request.method, request.url.path,
                body.model_dump_json(by_alias=True).encode(), restaurants=[body.restaurant_id])

    def run(work: Callable[[UnitOfWork], Outcome]) -> Response:
        return once.run(200, lambda tx: _out(work(tx)))

    return optimizer_apply.with_retries(run, services.settings, body.restaurant_id,
                                        body.date, max_moves=body.max_moves)


def _out(outcome: Outcome) -> ProposalOut:
    found = outcome.proposal
    return ProposalOut(
        restaurant_id=found.restaurant_id, date=found.day, applied=outcome.applied,
        reason=outcome.reason, threshold=outcome.threshold, attempts=outcome.attempts,
        max_moves=found.max_moves, moves_used=found.moves_used,
        diff=[MoveOut.model_validate(m) for m in found.moves],
        covers_before=found.covers_before, covers_after=found.covers_after,
        covers_total=found.covers_total, score_before=found.score_before,
        score_after=found.score_after, bookings_considered=found.bookings_considered,
        bookings_fixed=list(found.bookings_fixed), waiting_before=list(found.waiting_before),
        waiting_after=list(found.waiting_after),
        engine=EngineOut(status=found.engine_status, covers_bound=found.covers_bound,
                         gap=found.gap, runs=found.runs, seconds=found.seconds))

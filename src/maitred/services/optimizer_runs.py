"""The periodic optimizer: every restaurant day with bookings still to come, re-planned.

:func:`run_due` finds each (restaurant, local date) of today and tomorrow with
not-yet-seated bookings still to come, and for each runs
:func:`maitred.services.optimizer_apply.with_retries` in its own transactions: the
proposal is written only when it qualifies (the same rule as ``POST /api/ops/optimize``
with ``apply: true``), and a day whose re-plan fails (a floor that cannot be planned, a
lock held elsewhere) is reported and skipped, never stopping the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from maitred import errors
from maitred.config import Settings
from maitred.services import optimizer_apply
from maitred.services.optimizer import OPEN
from maitred.services.optimizer_apply import Hook, Outcome
from maitred.store.db import Database
from maitred.store.queries import query


@dataclass(frozen=True, slots=True)
class DayRun:
    restaurant_id: int
    day: date
    applied: bool
    moves: int
    reason: str


def due_days(db: Database) -> list[tuple[int, date]]:
    """(restaurant, local date) of today and tomorrow with bookings still to seat."""
    with db.uow(actor=optimizer_apply.ACTOR) as tx:
        rows = tx.conn.execute(query("optimizer.due_days"), {"states": list(OPEN)}).fetchall()
    return [(int(r[0]), r[1]) for r in rows]


def run_due(db: Database, settings: Settings, *, max_moves: int | None = None,
            hook: Hook | None = None) -> list[DayRun]:
    """Re-plan every due day, applying what qualifies; one :class:`DayRun` per day."""
    done: list[DayRun] = []
    for restaurant_id, day in due_days(db):
        def run(work: optimizer_apply.Work, restaurant_id: int = restaurant_id) -> Outcome:
            with db.uow(actor=optimizer_apply.ACTOR, restaurants=[restaurant_id]) as tx:
                return work(tx)
        try:
            outcome = optimizer_apply.with_retries(run, settings, restaurant_id, day,
                                                   max_moves=max_moves, hook=hook)
        except errors.MaitredError as exc:
            done.append(DayRun(restaurant_id, day, False, 0, f"skipped: {exc}"))
            continue
        done.append(DayRun(restaurant_id, day, outcome.applied,
                           outcome.proposal.moves_used if outcome.applied else 0,
                           outcome.reason))
    return done




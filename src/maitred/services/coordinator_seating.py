"""The coordinator's attempt loop: plan over a snapshot of the day, hold, confirm.

:func:`seat` asks the engine for plans, locks every table it may try, and tries the best
plan first: a hold and its confirmation inside a savepoint, so a refused hold (the
exclusion constraint: another booking took a table first) costs only that plan. Every try
is a ``booking_assignment_attempts`` row. A bounded number of plans per snapshot and of
fresh snapshots per run; then the run ends ``retry`` (the job runs again later) or, past
:data:`MAX_ATTEMPTS` failed tries in all, the booking goes to staff.

The floor comes from :func:`maitred.services.floors.load_floor`, built once per process and
restaurant and keyed by the restaurant's topology and policy versions (any change to
tables, zones, adjacency, combinations, policy or turn times bumps one), so a batch pays
one row read for it, not a rebuild; the day's busy windows are read fresh for every
booking, and its timeline patched (:mod:`.coordinator_timelines`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import errors as pg

from maitred import errors
from maitred.config import Settings
from maitred.engine import planner, rules
from maitred.services import bookings as factory
from maitred.services import floors, sessions, snapshot
from maitred.services.coordinator_outcomes import ACTOR, Ended, Outcome, to_review
from maitred.services.coordinator_timelines import Timelines
from maitred.services.telemetry import Telemetry
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

# Plans tried against one snapshot, and fresh snapshots per run, when other bookings keep
# taking the tables first. Past that the job is retried later (the day has moved on).
MAX_PLANS = 3
MAX_ROUNDS = 2
# Failed attempts over all runs before a booking goes to staff instead.
MAX_ATTEMPTS = 12


class TablesBusy(errors.Conflict):
    """Another transaction is placing these tables right now (a run that must not wait)."""

    code = "tables-busy"

    def __init__(self, booking_id: int) -> None:
        self.booking_id = booking_id
        super().__init__(f"booking {booking_id}: its tables are being placed elsewhere")


@dataclass(frozen=True, slots=True)
class Seating:
    """One run for one booking: its transaction, trigger and correlation id.

    ``nowait``: never wait for another transaction's table locks (a booking taken along in
    another booking's transaction must not wait while holding tables: two such runs could
    wait on each other); :class:`TablesBusy` instead, and the booking's own job does it.
    """

    tx: UnitOfWork
    repo: AssignmentRepository
    settings: Settings
    telemetry: Telemetry
    trigger: str
    cid: str
    nowait: bool = False
    timelines: Timelines | None = None
    batch: Batch | None = None


@dataclass(slots=True)
class Batch:
    """What the bookings settled in one transaction share: the floor as the transaction
    first read it (per restaurant), and the day locks it already holds."""

    views: dict[int, floors.FloorView] = field(default_factory=dict)
    days: set[str] = field(default_factory=set)


def floor_of(tx: UnitOfWork, settings: Settings, restaurant_id: int,
             batch: Batch | None) -> floors.FloorView:
    """The restaurant's floor: read once per transaction when ``batch`` is given."""
    if batch is None:
        return floors.load_floor(tx, settings, restaurant_id)
    view = batch.views.get(restaurant_id)
    if view is None:
        view = batch.views[restaurant_id] = floors.load_floor(tx, settings, restaurant_id)
    return view


def day_of(tx: UnitOfWork, settings: Settings, booking: Booking, *,
           batch: Batch | None = None) -> snapshot.Snapshot:
    """The booking's service day: the cached floor, and the day's busy windows read now.

    ``batch``: the floor is read once per transaction, not once per booking.
    """
    view = floor_of(tx, settings, booking.restaurant_id, batch)
    zone = ZoneInfo(view.restaurant.timezone)
    return snapshot.load(tx, settings, booking.restaurant_id,
                         snapshot.service_day(booking, zone), view=view)


def seat(run: Seating, booking: Booking, snap: snapshot.Snapshot, flags: dict[str, Any],
         ended: Ended) -> Outcome:
    """Hold and confirm the best plan that is still free, or say why none is."""
    tx, repo, telemetry = run.tx, run.repo, run.telemetry
    rid, bid, cid, trigger = booking.restaurant_id, booking.id, run.cid, run.trigger
    policy = snap.view.policy
    end_at = booking.end_at + timedelta(minutes=policy.buffer_minutes)
    last = booking.assignment_attempts
    waited = False
    for round_number in range(MAX_ROUNDS):
        if round_number:
            snap = day_of(tx, run.settings, booking, batch=run.batch)
        while True:
            found, reason = plans(run, snap, booking, flags)
            if not found:
                last = repo.add_attempt(rid, bid, trigger=trigger, result="no_plan",
                                        reason=reason, correlation_id=cid)
                telemetry.attempts.labels("no_plan").inc()
                return to_review(tx, telemetry, booking, trigger, reason, last, ended)
            tried = found[:MAX_PLANS]
            # Every table this round may try, locked at once in id order (see the query): a
            # worker placing the same table at the same time waits for our commit and then
            # sees our row, instead of deadlocking with us in the exclusion check.
            every = [snap.view.table_ids[label] for p in tried for label in p.tables]
            if tx.allocations.try_lock_tables(every):
                break
            if run.nowait:
                raise TablesBusy(bid)
            tx.allocations.lock_tables(every)
            if waited:
                break
            # We waited for another transaction placing these tables: it has committed, so
            # the day we planned on is out of date. Plan once more on the day as it is now
            # rather than try plans it has probably taken (each a recorded conflict).
            waited = True
            snap = day_of(tx, run.settings, booking, batch=run.batch)
        for plan in tried:
            table_ids = [snap.view.table_ids[label] for label in plan.tables]
            meta = attempt_metadata(plan, table_ids)
            # Clear on write, outside the savepoint: a refused hold must not undo it.
            sessions.expire_lapsed(tx, restaurant_id=rid, table_ids=table_ids)
            tx.allocations.expire_stale_holds(rid, table_ids)
            try:
                # The hold and its confirmation in one statement: we hold the tables' locks
                # and confirm at once, so no one could see the hold alone anyway.
                hold_id = tx.allocations.hold_and_confirm(
                    rid, bid, table_ids, booking.start_at, end_at,
                    ttl_seconds=policy.hold_ttl_seconds, source="auto")
            except (errors.TableUnavailable, pg.DeadlockDetected) as exc:
                # A deadlock with a path that takes no table locks (a host's session) is
                # the same lost race, told late.
                exc = (exc if isinstance(exc, errors.TableUnavailable)
                       else errors.TableUnavailable(table_ids[0], None, None,
                                                    "lost a deadlock for these tables"))
                telemetry.holds.labels("conflict").inc()
                telemetry.attempts.labels("conflict").inc()
                telemetry.emit("conflict", cid, booking_id=bid, tables=table_ids,
                               other_booking_id=exc.other_booking_id, table_id=exc.table_id)
                last = repo.add_attempt(rid, bid, trigger=trigger, result="conflict",
                                        strategy=plan.strategy, reason=exc.detail,
                                        score=plan.score.total, metadata=meta,
                                        correlation_id=cid)
                continue
            report_seated(telemetry, cid, bid, hold_id, table_ids, plan.strategy)
            last = repo.add_attempt(rid, bid, trigger=trigger, result="assigned",
                                    strategy=plan.strategy, reason="; ".join(plan.reasons),
                                    score=plan.score.total, metadata=meta, correlation_id=cid)
            done = factory.transition(
                tx, rid, bid, "assigned", expected_version=booking.version, actor=ACTOR,
                **seated_fields(plan, table_ids, last - booking.assignment_attempts),
                current=booking)
            return ended("assigned", f"seated at {'+'.join(plan.tables)}", done,
                         tables=sorted(table_ids), strategy=plan.strategy, attempts=last)
    if last >= MAX_ATTEMPTS:
        return to_review(tx, telemetry, booking, trigger, f"every plan went to other bookings "
                         f"first, {last} attempts in a row", last, ended)
    # Not final: the attempts are kept, the booking waits in assignment_pending and the
    # job runs again a moment later, on a day that has moved on.
    return Outcome(bid, rid, trigger, "retry", booking.state, booking.version,
                   "every plan went to other bookings first; trying again shortly",
                   attempts=last, correlation_id=cid)


def report_seated(telemetry: Telemetry, cid: str, booking_id: int, hold_id: int,
                  table_ids: list[int], strategy: str) -> None:
    """Count and tell a booking held and confirmed at its tables."""
    telemetry.holds.labels("created").inc()
    telemetry.holds.labels("confirmed").inc()
    telemetry.attempts.labels("assigned").inc()
    telemetry.emit("hold.created", cid, booking_id=booking_id, hold_id=hold_id,
                   tables=table_ids)
    telemetry.emit("hold.confirmed", cid, booking_id=booking_id, hold_id=hold_id,
                   tables=table_ids, strategy=strategy)


def attempt_metadata(plan: planner.Plan, table_ids: list[int]) -> dict[str, Any]:
    """What an attempt row keeps of the plan tried (the process id says which worker
    decided, for the audit trail)."""
    return {"tables": table_ids, "labels": list(plan.tables), "terms": dict(plan.score.terms),
            "reasons": list(plan.reasons), "process": os.getpid()}


def seated_fields(plan: planner.Plan, table_ids: list[int], attempts: int) -> dict[str, Any]:
    """The fields of the transition to ``assigned`` at ``plan``'s tables."""
    return {"reason": f"seated at {'+'.join(plan.tables)} by {plan.strategy}",
            "metadata": {"tables": table_ids, "score": plan.score.total},
            "assignment_strategy": plan.strategy, "attempts": attempts}


def plans(run: Seating, snap: snapshot.Snapshot, booking: Booking,
          flags: dict[str, Any]) -> tuple[list[planner.Plan], str]:
    """Plans best first, without blocked tables (and joins, when the planner is off), and
    why there are none when there are none."""
    started = time.perf_counter()
    engine_booking = snap.booking(booking)
    timeline = run.timelines.of(snap) if run.timelines is not None else snap.timeline()
    quote = planner.quote(engine_booking, snap.view.floor, timeline, snap.view.policy,
                          limit=2 * MAX_PLANS, clock=snap.clock)
    run.telemetry.quote_seconds.observe(time.perf_counter() - started)
    run.telemetry.emit("selector.decision", run.cid, booking_id=booking.id,
                       best=None if quote.best is None else list(quote.best.tables),
                       strategies=[{"strategy": r.strategy,
                                    "tables": None if r.plan is None else list(r.plan.tables),
                                    "score": None if r.plan is None
                                    else round(r.plan.score.total, 3),
                                    "reason": r.reason} for r in quote.strategies])
    ranked = ([quote.best] if quote.best else []) + list(quote.alternatives)
    joins_allowed = flags.get("combination_planner", True)
    found = [p for p in ranked if not set(p.tables) & snap.view.blocked
             and (joins_allowed or len(p.tables) == 1)]
    if ranked and not found:
        left_out = "joined tables (the combination planner is off)" if not joins_allowed \
            else "blocked tables"
        return found, f"the only free plans use {left_out}: " + ", ".join(
            "+".join(p.tables) for p in ranked[:3])
    return found, quote.reason or "no table or combination fits this party"


def current_problems(snap: snapshot.Snapshot, booking: Booking) -> list[str]:
    """Why the booking's current tables no longer seat it (empty: they still do)."""
    labels = [snap.view.labels[t] for t in snap.assigned_to(booking.id) if t in snap.view.labels]
    if not labels:
        return ["it has no tables"]
    found = rules.check(labels, snap.booking(booking), snap.view.floor, snap.timeline(),
                        snap.view.policy, clock=snap.clock)
    return [v.message for v in found]

"""The bookings a batch takes along, settled with a few statements for all of them.

A batch (see :mod:`maitred.services.coordinator`) takes along queued bookings of its
restaurant. Most are *plain*: their lock is free, they were not processed yet, they wait
for a table, and automatic assignment is on. Each needs the same steps as on the
per-booking path (:func:`.coordinator_seating.seat`): plan, hold and confirm the best
plan, record the attempt, move the state, record the outcome. Here the plans are made one
after the other against the day as the batch leaves it (each booking sees the tables the
ones before it took), then written together: one round trip per kind of row for the whole
batch instead of a dozen per booking. The rows and events are those the per-booking path
writes for the same decisions.

Optimistic: when a chosen table is locked by another transaction, or the database refuses
a hold (a host's session took the table a moment ago), the writes are undone and the
bookings go the per-booking way, which tries the next plan or leaves the booking to its
job.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import psycopg

from maitred import errors
from maitred.engine import planner
from maitred.engine.policy import Policy
from maitred.services import bookings as factory
from maitred.services import floors, locks, sessions, snapshot
from maitred.services.coordinator_outcomes import (
    ACTOR,
    Outcome,
    claimed_reason,
    ending,
    review_fields,
)
from maitred.services.coordinator_seating import (
    Batch,
    Seating,
    attempt_metadata,
    floor_of,
    plans,
    report_seated,
    seated_fields,
)
from maitred.services.guards import RateLimit
from maitred.store.assignments import AssignmentRepository, NewAttempt, ReadyJob
from maitred.store.records import Booking
from maitred.store.sessions import BusyRow

# The states a plain booking is in: waiting for a table, never tried by staff.
WAITING = ("pending", "assignment_pending")


@dataclass(frozen=True, slots=True)
class _Decision:
    job: ReadyJob
    booking: Booking                  # as read under its row lock
    run: Seating
    plan: planner.Plan | None         # None: nothing fits, the booking goes to staff
    table_ids: list[int]
    reason: str


class _Undo(Exception):
    """A chosen table is being placed elsewhere: undo, go the per-booking way."""


def settle(run: Seating, restaurant_id: int, held: locks.PostgresLocks, batch: Batch,
           jobs: list[ReadyJob], rate: RateLimit | None) -> list[Outcome]:
    """Settle the longest run of plain bookings at the head of ``jobs``; their outcomes,
    in order (the caller finishes their jobs). ``run``: the batch's transaction, settings
    and telemetry; ``rate``: the restaurant's rate limit, taken for all of them at once."""
    tx = run.tx
    plain: list[tuple[ReadyJob, Booking]] = []
    try:
        # In a savepoint: waiting for a row a host's transaction holds may end in a
        # deadlock error, which must not fail the batch's own booking.
        with tx.conn.transaction():
            read = held.bookings_within(
                tx, [(j.booking_id, j.trigger, j.version) for j in jobs])
    except (errors.MaitredError, psycopg.DatabaseError):
        return []
    for job, (booking, done) in zip(jobs, read, strict=False):
        if done is not None or booking.state not in WAITING:
            break
        plain.append((job, booking))
    if not plain:
        return []
    view = floor_of(tx, run.settings, restaurant_id, batch)
    flags = run.settings.feature_flags() | view.restaurant.policy
    if not flags.get("auto_assignment_enabled", True):
        return []
    if rate is not None:
        try:
            rate.take(restaurant_id, cost=len(plain))
        except errors.Conflict:
            return []  # the per-booking way takes what is left of the rate
    mark, days = tx.events.mark(), set(batch.days)
    try:
        with tx.conn.transaction():
            decisions = _decide(run, view, batch, flags, plain)
            outcomes = _write(run, restaurant_id, view.policy, decisions)
    except (_Undo, errors.MaitredError, psycopg.DatabaseError):
        # Nothing of it stays (the savepoint is undone, with the day locks taken in it):
        # the per-booking way decides.
        tx.events.forget_since(mark)
        batch.days.intersection_update(days)
        run.telemetry.bulk.labels("given_back").inc(len(plain))
        return []
    run.telemetry.bulk.labels("written").inc(len(outcomes))
    return outcomes


def _decide(run: Seating, view: floors.FloorView, batch: Batch, flags: dict[str, object],
            plain: list[tuple[ReadyJob, Booking]]) -> list[_Decision]:
    """Plan each booking in turn on its day as the bookings before it leave it."""
    tx = run.tx
    zone = ZoneInfo(view.restaurant.timezone)
    days: dict[date, snapshot.Snapshot] = {}
    decisions = []
    buffer = timedelta(minutes=view.policy.buffer_minutes)
    for job, booking in plain:
        day = snapshot.service_day(booking, zone)
        snap = days.get(day)
        if snap is None:
            snap = snapshot.load(tx, run.settings, booking.restaurant_id, day, view=view)
            name = locks.day_name(booking.restaurant_id, day)
            if name not in batch.days:  # held until the commit
                locks.take(tx, name, shared=True, booking_id=booking.id,
                           telemetry=run.telemetry)
                batch.days.add(name)
        mine = dataclasses.replace(run, trigger=job.trigger,
                                   cid=job.correlation_id or f"job:{job.id}")
        found, why_not = plans(mine, snap, booking, flags)
        if not found:
            decisions.append(_Decision(job, booking, mine, None, [], why_not))
            days[day] = snap
            continue
        plan = found[0]
        table_ids = [view.table_ids[label] for label in plan.tables]
        decisions.append(_Decision(job, booking, mine, plan, table_ids, ""))
        # The next booking plans on the day with this one seated.
        days[day] = dataclasses.replace(snap, busy=snap.busy + tuple(
            BusyRow(t, booking.id, "assignment", None, None, None, None, booking.start_at,
                    booking.end_at + buffer, False) for t in table_ids))
    return decisions


def _write(run: Seating, restaurant_id: int, policy: Policy,
           decisions: list[_Decision]) -> list[Outcome]:
    """Lock the chosen tables, then write every booking's rows, one round trip per kind."""
    tx, telemetry = run.tx, run.telemetry
    repo = AssignmentRepository(tx.conn)
    every = sorted({t for d in decisions for t in d.table_ids})
    if every:
        if not tx.allocations.try_lock_tables(every):
            raise _Undo
        sessions.expire_lapsed(tx, restaurant_id=restaurant_id, table_ids=every)
        tx.allocations.expire_stale_holds(restaurant_id, every)
    # pending -> assignment_pending, as the per-booking path writes it first.
    claimed = {d.booking.id: d.booking for d in decisions}
    first = [(d.booking, "assignment_pending", {"reason": claimed_reason(d.job.trigger)})
             for d in decisions if d.booking.state != "assignment_pending"]
    for booking in factory.transitions(tx, first, actor=ACTOR):
        claimed[booking.id] = booking
    seated = [d for d in decisions if d.plan is not None]
    buffer = timedelta(minutes=policy.buffer_minutes)
    hold_ids = dict(zip((d.booking.id for d in seated), tx.allocations.holds_and_confirms(
        restaurant_id, [(d.booking.id, d.table_ids, d.booking.start_at,
                         d.booking.end_at + buffer) for d in seated],
        ttl_seconds=policy.hold_ttl_seconds, source="auto"), strict=True))
    numbers = repo.add_attempts([
        NewAttempt(restaurant_id, d.booking.id, d.job.trigger, "no_plan", reason=d.reason,
                   correlation_id=d.run.cid) if d.plan is None else
        NewAttempt(restaurant_id, d.booking.id, d.job.trigger, "assigned",
                   strategy=d.plan.strategy, reason="; ".join(d.plan.reasons),
                   score=d.plan.score.total, metadata=attempt_metadata(d.plan, d.table_ids),
                   correlation_id=d.run.cid)
        for d in decisions])
    last = [claimed[d.booking.id] for d in decisions]
    final = factory.transitions(tx, [
        (now, "manual_review", review_fields(d.job.trigger, d.reason,
                                             n - d.booking.assignment_attempts))
        if d.plan is None else
        (now, "assigned", seated_fields(d.plan, d.table_ids, n - d.booking.assignment_attempts))
        for d, now, n in zip(decisions, last, numbers, strict=True)], actor=ACTOR)
    outcomes = []
    for d, done, n in zip(decisions, final, numbers, strict=True):
        ended = ending(d.booking, d.job.trigger, d.run.cid)
        if d.plan is None:
            telemetry.attempts.labels("no_plan").inc()
            telemetry.emit("booking.manual_review", tx.correlation_id, booking_id=d.booking.id,
                           reason=d.reason)
            outcomes.append(ended("manual_review", d.reason, done, attempts=n))
            continue
        report_seated(telemetry, d.run.cid, d.booking.id, hold_ids[d.booking.id], d.table_ids,
                      d.plan.strategy)
        outcomes.append(ended("assigned", f"seated at {'+'.join(d.plan.tables)}", done,
                              tables=sorted(d.table_ids), strategy=d.plan.strategy,
                              attempts=n))
    repo.record_processed_each([
        (o.restaurant_id, o.booking_id, o.trigger,
         d.job.version if d.job.version is not None else d.booking.version, o.outcome,
         o.to_json()) for d, o in zip(decisions, outcomes, strict=True)])
    return outcomes

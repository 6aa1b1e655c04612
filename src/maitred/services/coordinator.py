"""The coordinator: a booking goes to a confirmed table, or to staff with the reason.

:func:`process` is what a worker runs for a booking that was created, changed or sent
back for another try (DESIGN.md §4, issue 5)::

    pending --> assignment_pending --> assigned
                       |  (no plan fits, or every plan lost to other bookings N times)
                       +--> manual_review (with the reason, for staff)
    cancelled at any time: the job stops with a ``booking.failed`` event

In one transaction: take the booking's advisory lock (and its day's, shared), re-read
the booking under its row lock, ask the engine for plans over a fresh snapshot of the
day, hold the best and confirm it. When another booking got a table first (the exclusion
constraint refuses the hold: :class:`~maitred.errors.TableUnavailable`), the next plan is
tried, a bounded number of times over a bounded number of fresh snapshots. Every try is a
``booking_assignment_attempts`` row.

Processing is idempotent on (booking, trigger, version): the outcome is recorded with the
work, in the same transaction, so a job run twice (a worker killed after its commit, a
request retried) finds it and does nothing more.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from psycopg import errors as pg

from maitred import errors
from maitred.config import Settings
from maitred.engine import planner, rules
from maitred.services import bookings as factory
from maitred.services import locks, sessions, snapshot
from maitred.services.guards import Breaker, RateLimit
from maitred.services.telemetry import PIPELINE, Telemetry
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import Database, UnitOfWork
from maitred.store.records import Booking

TRIGGERS = ("creation", "modification", "retry")
# Plans tried against one snapshot, and fresh snapshots per run, when other bookings keep
# taking the tables first. Past that the job is retried later (the day has moved on).
MAX_PLANS = 3
MAX_ROUNDS = 2
# Failed attempts over all runs before a booking goes to staff instead.
MAX_ATTEMPTS = 12
ACTOR = "auto"

# Builds the outcome of a run that ends here: (outcome, reason, booking, **fields).
Ended = Callable[..., "Outcome"]

# Outcomes that end processing for this (booking, trigger, version).
FINAL = frozenset({"assigned", "manual_review", "cancelled", "skipped"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did for one booking."""

    booking_id: int
    restaurant_id: int
    trigger: str
    outcome: str                      # assigned | manual_review | cancelled | skipped | retry
    state: str
    version: int
    reason: str
    tables: list[int] = field(default_factory=list)
    strategy: str | None = None
    attempts: int = 0
    correlation_id: str | None = None
    replayed: bool = False

    @property
    def final(self) -> bool:
        return self.outcome in FINAL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TryAgain(errors.Conflict):
    """Every plan for this booking went to other bookings first; it is tried again later."""

    code = "try-again"

    def __init__(self, booking_id: int, detail: str) -> None:
        self.booking_id = booking_id
        super().__init__(detail)


@dataclass(slots=True)
class Coordinator:
    """The pipeline's use case over a database, with its guards and telemetry."""

    db: Database
    settings: Settings
    telemetry: Telemetry = PIPELINE
    rate: RateLimit | None = None
    breaker: Breaker | None = None
    booking_locks: locks.BookingLocks | None = None  # None: PostgreSQL advisory locks

    def process(
        self, booking_id: int, trigger: str, *, version: int | None = None,
        correlation_id: str | None = None,
    ) -> Outcome:
        """Seat the booking or send it to staff; ``version``: the one the job was made for."""
        if trigger not in TRIGGERS:
            raise errors.InvalidInput("trigger", f"one of {', '.join(TRIGGERS)}")
        cid = correlation_id or uuid.uuid4().hex
        if self.breaker is not None:
            self.breaker.check()
        started = time.perf_counter()
        held = self.booking_locks or locks.PostgresLocks(self.telemetry)
        try:
            with held.around(booking_id) as fence, \
                    self.db.uow(actor=ACTOR, correlation_id=cid) as tx:
                outcome = self.process_in(tx, booking_id, trigger, version, cid, fence=fence,
                                          held=held)
        except errors.DatabaseUnavailable:
            if self.breaker is not None:
                self.breaker.failed()
            raise
        if self.breaker is not None:
            self.breaker.succeeded()
        self.telemetry.process_seconds.observe(time.perf_counter() - started)
        self.telemetry.outcomes.labels(outcome.outcome).inc()
        self.telemetry.emit("booking.processed", cid, booking_id=booking_id, trigger=trigger,
                            outcome=outcome.outcome, reason=outcome.reason,
                            tables=outcome.tables, replayed=outcome.replayed)
        return outcome

    def process_in(self, tx: UnitOfWork, booking_id: int, trigger: str, version: int | None,
                   cid: str, *, fence: int | None = None,
                   held: locks.BookingLocks | None = None) -> Outcome:
        """:meth:`process` inside the caller's transaction (a whole-day run)."""
        repo = AssignmentRepository(tx.conn)
        held = held or locks.PostgresLocks(self.telemetry)
        if isinstance(held, locks.PostgresLocks):
            restaurant_id = held.restaurant_within(tx, booking_id)  # one round trip
        else:
            restaurant_id = repo.restaurant_of(booking_id)
            held.within(tx, booking_id)
        # The booking under its row lock, and the outcome already recorded for this
        # (booking, trigger, version) if any, in one round trip.
        booking, done = repo.booking_and_processed(restaurant_id, booking_id, trigger, version)
        # Under the row lock: a lock token older than one already seen means our lock
        # expired while we were paused and someone else took over. Write nothing.
        if fence is not None and not repo.advance_fence(booking_id, fence):
            raise locks.LockLost(booking_id, fence)
        key = version if version is not None else booking.version
        if done is not None:
            return Outcome(**{**done.result, "replayed": True})
        outcome = self._decide(tx, repo, booking, trigger, cid)
        if outcome.final:
            repo.record_processed(restaurant_id, booking_id, trigger, key, outcome.outcome,
                                  outcome.to_json())
        return outcome

    # -- the decision ---------------------------------------------------------------------

    def _decide(self, tx: UnitOfWork, repo: AssignmentRepository, booking: Booking,
                trigger: str, cid: str) -> Outcome:
        rid, bid = booking.restaurant_id, booking.id

        def ended(outcome: str, reason: str, current: Booking, **more: Any) -> Outcome:
            return Outcome(bid, rid, trigger, outcome, current.state, current.version, reason,
                           correlation_id=cid, **more)

        if booking.state in factory.CLOSED_STATES:
            reason = f"booking is {booking.state}; nothing to seat"
            tx.events.append(rid, "booking.failed", {"trigger": trigger, "reason": reason},
                             booking_id=bid)
            repo.add_attempt(rid, bid, trigger=trigger, result="skipped", reason=reason,
                             correlation_id=cid)
            return ended("cancelled" if booking.state == "cancelled" else "skipped", reason,
                         booking)
        # The snapshot reads the restaurant row with the floor: its flags come from there
        # (floors.flags_of, without reading the row a second time).
        snap = snapshot.for_booking(tx, self.settings, booking)
        flags = self.settings.feature_flags() | snap.view.restaurant.policy
        if not flags.get("auto_assignment_enabled", True):
            return ended("skipped", "automatic assignment is switched off here; the booking "
                         "waits for staff", booking)
        locks.take(tx, locks.day_name(rid, snapshot.service_day(booking, snap.zone)),
                   shared=True, booking_id=bid, telemetry=self.telemetry)
        if booking.state in ("assigned", "seated"):
            if trigger != "modification" or booking.state == "seated" or booking.locked:
                return ended("skipped", f"booking is {booking.state} already", booking)
            problems = _current_problems(snap, booking)
            if not problems:
                return ended("skipped", "its tables still fit after the change", booking)
            # The change broke the seating (a bigger party): the old tables go back first.
            tx.allocations.unassign(rid, bid)
            booking = factory.transition(
                tx, rid, bid, "assignment_pending", expected_version=booking.version,
                actor=ACTOR, reason="tables no longer fit: " + problems[0], current=booking)
            snap = snapshot.for_booking(tx, self.settings, booking)
        elif booking.state == "manual_review" and trigger == "creation":
            return ended("skipped", "booking waits for staff in manual review", booking)
        if self.rate is not None:
            try:
                self.rate.take(rid)
            except errors.Conflict:
                self.telemetry.rate_limited.inc()
                raise
        if booking.state != "assignment_pending":
            booking = factory.transition(tx, rid, bid, "assignment_pending",
                                         expected_version=booking.version, actor=ACTOR,
                                         reason=f"automatic assignment ({trigger})",
                                         current=booking)
        return self._seat(tx, repo, booking, trigger, cid, snap, flags, ended)

    def _seat(self, tx: UnitOfWork, repo: AssignmentRepository, booking: Booking,
              trigger: str, cid: str, snap: snapshot.Snapshot, flags: dict[str, Any],
              ended: Ended) -> Outcome:
        rid, bid = booking.restaurant_id, booking.id
        policy = snap.view.policy
        end_at = booking.end_at + timedelta(minutes=policy.buffer_minutes)
        last = booking.assignment_attempts
        for round_number in range(MAX_ROUNDS):
            if round_number:
                snap = snapshot.for_booking(tx, self.settings, booking)
            plans, why_not = self._plans(snap, booking, flags, cid)
            if not plans:
                reason = why_not or "no table or combination fits this party"
                last = repo.add_attempt(rid, bid, trigger=trigger, result="no_plan",
                                        reason=reason, correlation_id=cid)
                self.telemetry.attempts.labels("no_plan").inc()
                return self._to_review(tx, booking, trigger, reason, last, ended)
            tried = plans[:MAX_PLANS]
            # Every table this round may try, locked at once in id order (see the query):
            # a worker placing the same table at the same time waits for our commit and
            # then sees our row, instead of deadlocking with us in the exclusion check.
            tx.allocations.lock_tables(
                [snap.view.table_ids[label] for p in tried for label in p.tables])
            for plan in tried:
                table_ids = [snap.view.table_ids[label] for label in plan.tables]
                # The process id says which worker decided, for the audit trail.
                meta = {"tables": table_ids, "labels": list(plan.tables),
                        "terms": dict(plan.score.terms), "reasons": list(plan.reasons),
                        "process": os.getpid()}
                # Clear on write, outside the savepoint: a refused hold must not undo it.
                sessions.expire_lapsed(tx, restaurant_id=rid, table_ids=table_ids)
                tx.allocations.expire_stale_holds(rid, table_ids)
                try:
                    with tx.conn.transaction():
                        hold = tx.allocations.hold(
                            rid, bid, table_ids, booking.start_at, end_at,
                            ttl_seconds=policy.hold_ttl_seconds, source="auto",
                            expire=False)  # just done above, outside the savepoint
                        self.telemetry.emit("hold.created", cid, booking_id=bid,
                                            hold_id=hold.id, tables=table_ids)
                        tx.allocations.confirm_hold(rid, hold.id, source="auto", fetch=False)
                except (errors.TableUnavailable, pg.DeadlockDetected) as exc:
                    # A deadlock with a path that takes no table locks (a host's session)
                    # is the same lost race, told late.
                    exc = (exc if isinstance(exc, errors.TableUnavailable)
                           else errors.TableUnavailable(table_ids[0], None, None,
                                                        "lost a deadlock for these tables"))
                    self.telemetry.holds.labels("conflict").inc()
                    self.telemetry.attempts.labels("conflict").inc()
                    self.telemetry.emit("conflict", cid, booking_id=bid, tables=table_ids,
                                        other_booking_id=exc.other_booking_id,
                                        table_id=exc.table_id)
                    last = repo.add_attempt(rid, bid, trigger=trigger, result="conflict",
                                            strategy=plan.strategy, reason=exc.detail,
                                            score=plan.score.total, metadata=meta,
                                            correlation_id=cid)
                    continue
                self.telemetry.holds.labels("created").inc()
                self.telemetry.holds.labels("confirmed").inc()
                self.telemetry.attempts.labels("assigned").inc()
                self.telemetry.emit("hold.confirmed", cid, booking_id=bid, hold_id=hold.id,
                                    tables=table_ids, strategy=plan.strategy)
                last = repo.add_attempt(rid, bid, trigger=trigger, result="assigned",
                                        strategy=plan.strategy, reason="; ".join(plan.reasons),
                                        score=plan.score.total, metadata=meta,
                                        correlation_id=cid)
                done = factory.transition(
                    tx, rid, bid, "assigned", expected_version=booking.version, actor=ACTOR,
                    reason=f"seated at {'+'.join(plan.tables)} by {plan.strategy}",
                    metadata={"tables": table_ids, "score": plan.score.total},
                    assignment_strategy=plan.strategy,
                    attempts=last - booking.assignment_attempts, current=booking)
                return ended("assigned", f"seated at {'+'.join(plan.tables)}", done,
                             tables=sorted(table_ids), strategy=plan.strategy, attempts=last)
        if last >= MAX_ATTEMPTS:
            return self._to_review(tx, booking, trigger, f"every plan went to other bookings "
                                   f"first, {last} attempts in a row", last, ended)
        # Not final: the attempts are kept, the booking waits in assignment_pending and the
        # job runs again a moment later, on a day that has moved on.
        return Outcome(bid, rid, trigger, "retry", booking.state, booking.version,
                       "every plan went to other bookings first; trying again shortly",
                       attempts=last, correlation_id=cid)

    def _plans(self, snap: snapshot.Snapshot, booking: Booking, flags: dict[str, Any],
               cid: str) -> tuple[list[planner.Plan], str | None]:
        """Plans best first, without blocked tables (and joins, when the planner is off)."""
        started = time.perf_counter()
        engine_booking = snap.booking(booking)
        quote = planner.quote(engine_booking, snap.view.floor, snap.timeline(),
                              snap.view.policy, limit=2 * MAX_PLANS, clock=snap.clock)
        self.telemetry.quote_seconds.observe(time.perf_counter() - started)
        self.telemetry.emit("selector.decision", cid, booking_id=booking.id,
                            best=None if quote.best is None else list(quote.best.tables),
                            strategies=[{"strategy": r.strategy,
                                         "tables": None if r.plan is None else list(r.plan.tables),
                                         "score": None if r.plan is None
                                         else round(r.plan.score.total, 3),
                                         "reason": r.reason} for r in quote.strategies])
        ranked = ([quote.best] if quote.best else []) + list(quote.alternatives)
        joins_allowed = flags.get("combination_planner", True)
        plans = [p for p in ranked if not set(p.tables) & snap.view.blocked
                 and (joins_allowed or len(p.tables) == 1)]
        if ranked and not plans:
            left_out = "joined tables (the combination planner is off)" if not joins_allowed \
                else "blocked tables"
            return plans, f"the only free plans use {left_out}: " + ", ".join(
                "+".join(p.tables) for p in ranked[:3])
        return plans, quote.reason

    def _to_review(self, tx: UnitOfWork, booking: Booking, trigger: str, reason: str,
                   last: int, ended: Ended) -> Outcome:
        done = factory.transition(
            tx, booking.restaurant_id, booking.id, "manual_review",
            expected_version=booking.version, actor=ACTOR, reason=reason,
            metadata={"trigger": trigger}, attempts=last - booking.assignment_attempts,
            current=booking)
        self.telemetry.emit("booking.manual_review", tx.correlation_id, booking_id=booking.id,
                            reason=reason)
        return ended("manual_review", reason, done, attempts=last)


def _current_problems(snap: snapshot.Snapshot, booking: Booking) -> list[str]:
    """Why the booking's current tables no longer seat it (empty: they still do)."""
    labels = [snap.view.labels[t] for t in snap.assigned_to(booking.id) if t in snap.view.labels]
    if not labels:
        return ["it has no tables"]
    found = rules.check(labels, snap.booking(booking), snap.view.floor, snap.timeline(),
                        snap.view.policy, clock=snap.clock)
    return [v.message for v in found]


# -- the outbox ---------------------------------------------------------------------------

TASK = "maitred:process_booking"
QUEUE = "assignments"


def enqueue(tx: UnitOfWork, booking: Booking, trigger: str) -> None:
    """The booking factory's :class:`~maitred.services.bookings.AssignmentQueue`: a job to
    process the booking, written in the booking's own transaction (exists iff it commits).
    """
    defer(tx, booking, trigger)


def defer(tx: UnitOfWork, booking: Booking, trigger: str, *,
          correlation_id: str | None = None) -> int:
    """Write the job that processes the booking; returns the job's id.

    Keyed by the version the change left, so the coordinator knows which change it serves.
    The job's queue lock is the booking: its jobs run one at a time, in order.
    """
    return AssignmentRepository(tx.conn).defer_job(
        TASK, {"booking_id": booking.id, "trigger": trigger, "version": booking.version,
               "correlation_id": correlation_id or tx.correlation_id},
        queue=QUEUE, lock=locks.booking_name(booking.id))

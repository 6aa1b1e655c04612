"""The coordinator: a booking goes to a confirmed table, or to staff with the reason.

:func:`Coordinator.process` is what a worker runs for a booking that was created, changed
or sent back for another try (DESIGN.md §4, issue 5)::

    pending --> assignment_pending --> assigned
                       |  (no plan fits, or every plan lost to other bookings N times)
                       +--> manual_review (with the reason, for staff)
    cancelled at any time: the job stops with a ``booking.failed`` event

In one transaction: take the booking's advisory lock (and its day's, shared), re-read
the booking under its row lock, ask the engine for plans over a fresh snapshot of the
day, hold the best and confirm it (the attempt loop: :mod:`.coordinator_seating`).

Processing is idempotent on (booking, trigger, version): the outcome is recorded with the
work, in the same transaction, so a job run twice (a worker killed after its commit, a
request retried) finds it and does nothing more (:mod:`.coordinator_outcomes`).

With ``batch`` > 1 (the workers' setting), the transaction first waits until no other
worker's batch is on the restaurant (:func:`~maitred.services.locks.serialize`), then,
after the job's own booking, takes along up to ``batch - 1`` other queued bookings of the
restaurant, each under its own locks, finishing their jobs with the work
(:mod:`.coordinator_queue`); most are planned in turn and written together
(:mod:`.coordinator_bulk`), the others each in a savepoint. A commit costs a WAL flush
and holds the restaurant's event counter, so one commit for several bookings is what lets
one restaurant's bookings through faster than one per flush.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import psycopg

from maitred import errors
from maitred.config import Settings
from maitred.services import bookings as factory
from maitred.services import coordinator_bulk as bulk
from maitred.services import locks, snapshot
from maitred.services.coordinator_outcomes import (
    ACTOR,
    FINAL,
    Outcome,
    TryAgain,
    claimed_reason,
    ending,
)
from maitred.services.coordinator_queue import QUEUE, TASK, claim_ready, defer, enqueue, finished
from maitred.services.coordinator_seating import (
    MAX_ATTEMPTS,
    MAX_PLANS,
    MAX_ROUNDS,
    Batch,
    Seating,
    current_problems,
    day_of,
    seat,
)
from maitred.services.coordinator_timelines import Timelines
from maitred.services.guards import Breaker, RateLimit
from maitred.services.telemetry import PIPELINE, Telemetry
from maitred.store.assignments import AssignmentRepository
from maitred.store.db import Database, UnitOfWork
from maitred.store.records import Booking

__all__ = ["ACTOR", "FINAL", "MAX_ATTEMPTS", "MAX_PLANS", "MAX_ROUNDS", "QUEUE", "TASK",
           "TRIGGERS", "Coordinator", "Outcome", "TryAgain", "defer", "enqueue"]

TRIGGERS = ("creation", "modification", "retry")


@dataclass(slots=True)
class Coordinator:
    """The pipeline's use case over a database, with its guards and telemetry.

    ``batch``: bookings one transaction may settle (the job's own and others queued for the
    same restaurant); 1 settles the job's booking alone. Only with PostgreSQL locks: a
    Redis lock is taken around a transaction, per booking.
    """

    db: Database
    settings: Settings
    telemetry: Telemetry = PIPELINE
    rate: RateLimit | None = None
    breaker: Breaker | None = None
    booking_locks: locks.BookingLocks | None = None  # None: PostgreSQL advisory locks
    batch: int = 1
    timelines: Timelines = field(default_factory=Timelines)

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
        along: list[Outcome] = []
        batch = Batch()
        try:
            with held.around(booking_id) as fence, \
                    self.db.uow(actor=ACTOR, correlation_id=cid) as tx:
                batching = self.batch > 1 and isinstance(held, locks.PostgresLocks)
                if batching:
                    # One batch per restaurant at a time (see locks.serialize).
                    locks.serialize(tx, AssignmentRepository(tx.conn).restaurant_of(booking_id),
                                    telemetry=self.telemetry)
                outcome = self.process_in(tx, booking_id, trigger, version, cid, fence=fence,
                                          held=held, batch=batch if batching else None)
                if batching:
                    assert isinstance(held, locks.PostgresLocks)
                    along = self.take_along(tx, outcome.restaurant_id, held, batch)
        except errors.DatabaseUnavailable:
            if self.breaker is not None:
                self.breaker.failed()
            raise
        if self.breaker is not None:
            self.breaker.succeeded()
        self.telemetry.process_seconds.observe(time.perf_counter() - started)
        for done in (outcome, *along):
            self.telemetry.outcomes.labels(done.outcome).inc()
            self.telemetry.emit("booking.processed", done.correlation_id or cid,
                                booking_id=done.booking_id, trigger=done.trigger,
                                outcome=done.outcome, reason=done.reason, tables=done.tables,
                                replayed=done.replayed, along_with=(
                                    None if done is outcome else booking_id))
        return outcome

    def process_in(self, tx: UnitOfWork, booking_id: int, trigger: str, version: int | None,
                   cid: str, *, fence: int | None = None,
                   held: locks.BookingLocks | None = None, nowait: bool = False,
                   batch: Batch | None = None) -> Outcome:
        """:meth:`process` inside the caller's transaction (a whole-day run).

        ``nowait``: never wait for another transaction's table locks (a booking taken along
        with another; see :class:`~.coordinator_seating.Seating`). ``batch``: what the
        bookings settled in this transaction share.
        """
        repo = AssignmentRepository(tx.conn)
        held = held or locks.PostgresLocks(self.telemetry)
        # The booking under its row lock, and the outcome already recorded for this
        # (booking, trigger, version) if any, in one round trip (with the booking's advisory
        # lock, for PostgreSQL locks).
        if isinstance(held, locks.PostgresLocks):
            booking, done = held.booking_within(tx, booking_id, trigger, version)
            restaurant_id = booking.restaurant_id
        else:
            restaurant_id = repo.restaurant_of(booking_id)
            held.within(tx, booking_id)
            booking, done = repo.booking_and_processed(restaurant_id, booking_id, trigger,
                                                       version)
        # Under the row lock: a lock token older than one already seen means our lock
        # expired while we were paused and someone else took over. Write nothing.
        if fence is not None and not repo.advance_fence(booking_id, fence):
            raise locks.LockLost(booking_id, fence)
        key = version if version is not None else booking.version
        if done is not None:
            return Outcome(**{**done.result, "replayed": True})
        run = Seating(tx, repo, self.settings, self.telemetry, trigger, cid, nowait,
                      self.timelines, batch)
        outcome = self._decide(run, booking)
        if outcome.final:
            repo.record_processed(restaurant_id, booking_id, trigger, key, outcome.outcome,
                                  outcome.to_json())
        return outcome

    # -- the decision ---------------------------------------------------------------------

    def _decide(self, run: Seating, booking: Booking) -> Outcome:
        tx, trigger = run.tx, run.trigger
        rid, bid = booking.restaurant_id, booking.id
        ended = ending(booking, trigger, run.cid)
        if booking.state in factory.CLOSED_STATES:
            reason = f"booking is {booking.state}; nothing to seat"
            tx.events.append(rid, "booking.failed", {"trigger": trigger, "reason": reason},
                             booking_id=bid)
            run.repo.add_attempt(rid, bid, trigger=trigger, result="skipped", reason=reason,
                                 correlation_id=run.cid)
            return ended("cancelled" if booking.state == "cancelled" else "skipped", reason,
                         booking)
        # The floor view carries the restaurant row: its flags come from there.
        snap = day_of(tx, self.settings, booking, batch=run.batch)
        flags = self.settings.feature_flags() | snap.view.restaurant.policy
        if not flags.get("auto_assignment_enabled", True):
            return ended("skipped", "automatic assignment is switched off here; the booking "
                         "waits for staff", booking)
        day = locks.day_name(rid, snapshot.service_day(booking, snap.zone))
        if run.batch is None or day not in run.batch.days:  # held until the commit
            locks.take(tx, day, shared=True, booking_id=bid, telemetry=self.telemetry)
            if run.batch is not None:
                run.batch.days.add(day)
        if booking.state in ("assigned", "seated"):
            if trigger != "modification" or booking.state == "seated" or booking.locked:
                return ended("skipped", f"booking is {booking.state} already", booking)
            problems = current_problems(snap, booking)
            if not problems:
                return ended("skipped", "its tables still fit after the change", booking)
            # The change broke the seating (a bigger party): the old tables go back first.
            tx.allocations.unassign(rid, bid)
            booking = factory.transition(
                tx, rid, bid, "assignment_pending", expected_version=booking.version,
                actor=ACTOR, reason="tables no longer fit: " + problems[0], current=booking)
            snap = day_of(tx, self.settings, booking, batch=run.batch)
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
                                         reason=claimed_reason(trigger),
                                         current=booking)
        return seat(run, booking, snap, flags, ended)

    # -- taking other queued bookings along -----------------------------------------------

    def take_along(self, tx: UnitOfWork, restaurant_id: int, held: locks.PostgresLocks,
                    batch: Batch) -> list[Outcome]:
        """Settle other queued bookings of the restaurant in this transaction, in queue
        order: the plain ones at the head of the queue in one bulk write
        (:mod:`.coordinator_bulk`), the rest each in a savepoint; stop at the first that
        cannot be settled without waiting (its job, and the rest, stay queued)."""
        claimed = claim_ready(tx, restaurant_id, self.batch - 1)
        run = Seating(tx, AssignmentRepository(tx.conn), self.settings, self.telemetry, "",
                      tx.correlation_id or "", True, self.timelines, batch)
        settled = bulk.settle(run, restaurant_id, held, batch, claimed, self.rate)
        jobs = claimed[:len(settled)]
        for job in claimed[len(settled):]:
            cid = job.correlation_id or f"job:{job.id}"
            mark = tx.events.mark()
            try:
                with tx.conn.transaction():
                    outcome = self.process_in(tx, job.booking_id, job.trigger, job.version,
                                              cid, held=held, nowait=True, batch=batch)
                    if not outcome.final:
                        raise _NotSettled
            except (_NotSettled, errors.MaitredError, psycopg.DatabaseError) as exc:
                # The savepoint undid its work (and its events); its own job will do it
                # (and report any error). Later bookings wait too: they are seated in queue
                # order.
                tx.events.forget_since(mark)
                self.telemetry.emit("booking.left_to_its_job", cid, booking_id=job.booking_id,
                                    reason=type(exc).__name__)
                break
            settled.append(outcome)
            jobs.append(job)
        finished(tx, jobs)
        return settled


class _NotSettled(Exception):
    """A booking taken along did not reach a final outcome: undo, leave it to its job."""


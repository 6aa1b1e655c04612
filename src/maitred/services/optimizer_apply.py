"""Apply the optimizer's proposal: one transaction, only when it is worth it, race-safe.

:func:`attempt` proposes (:func:`maitred.services.optimizer.propose`) and, when the
proposal *qualifies*, writes it in the caller's transaction:

- **Qualifies**: the score (covers seated among the day's not-yet-seated bookings) grows
  by at least the restaurant's ``optimizer_threshold`` (policy key, default 0.10) of the
  score before, i.e. ``after >= before * (1 + threshold)`` and ``after > before`` (from an
  empty day any gain qualifies); or the proposal seats a booking waiting in
  ``manual_review``, whatever the gain. Otherwise nothing is written and the answer says
  why (``nothing to do``, ``below threshold``).
- **Writing**: each moved booking is re-read under its row lock (in id order) and must be
  as the proposal saw it (state, version); then the tables every move touches (from and
  to) are locked, in id order (:meth:`AllocationRepository.lock_tables`, as every
  allocating write does: bookings before tables, like the coordinator), each booking must
  still hold exactly its proposed "from" tables, and its new tables must be free but for
  the moved bookings' own rows.
  With ``allocations_no_overlap`` deferred, the moves are written booking by booking (old
  tables freed, new ones assigned with source ``optimizer``), so a swap needs no
  particular order; the constraint is checked again (``IMMEDIATE``) before the event is
  queued. Newly seated bookings go to ``assigned`` through the logged transition; a
  moved ``assigned`` booking gets a ``booking_state_history`` row (assigned to assigned,
  the tables in its metadata). One ``optimizer.applied`` event carries every move.
- **Races**: anything seen to have changed since the proposal raises :class:`LostRace`;
  the caller rolls the whole transaction back (the events queued with it vanish) and
  calls :func:`with_retries` again on fresh data, at most ``MAX_ATTEMPTS`` times. After
  that the answer is the fresh proposal, not applied, "lost a race N times". The
  exclusion constraint stays the real guard: nothing here can double-book a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from psycopg import errors as pg

from maitred import errors
from maitred.config import Settings
from maitred.services import bookings as factory
from maitred.services.optimizer import OPEN, Proposal, propose
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

MAX_ATTEMPTS = 3
ACTOR = "optimizer"
SOURCE = "optimizer"
EVENT = "optimizer.applied"

R = TypeVar("R")
Hook = Callable[[UnitOfWork, Proposal, int], None]
Work = Callable[[UnitOfWork], "Outcome"]


class LostRace(Exception):
    """The day changed between the proposal and its writing; roll back and try again."""


@dataclass(frozen=True, slots=True)
class Outcome:
    proposal: Proposal
    applied: bool
    reason: str
    threshold: float
    attempts: int


def qualifies(proposal: Proposal, threshold: float) -> tuple[bool, str]:
    """Whether the proposal is worth writing, and the reason in words."""
    if not proposal.moves:
        return False, "nothing to do: the day is already the best plan within the moves"
    if proposal.manual_review_seated:
        ids = ", ".join(str(b) for b in proposal.manual_review_seated)
        return True, f"seats bookings waiting in manual_review ({ids})"
    before, after = proposal.score_before, proposal.score_after
    if after > before and after >= before * (1 + threshold):
        gain = "from an empty day" if before == 0 else f"+{(after - before) / before:.1%}"
        return True, f"covers {before} -> {after} ({gain}, threshold {threshold:.0%})"
    share = 0.0 if before == 0 else (after - before) / before
    return False, (f"below threshold: covers {before} -> {after} ({share:+.1%}, "
                   f"needs {threshold:.0%})")


def attempt(tx: UnitOfWork, settings: Settings, restaurant_id: int, day: date, *,
            max_moves: int | None = None, apply: bool = True, number: int = 1,
            hook: Hook | None = None) -> Outcome:
    """Propose, and write the proposal if it qualifies (see the module docstring).

    ``hook`` (tests): called between the proposal and the writing, with the attempt number.
    Raises :class:`LostRace` when the day changed under the proposal.
    """
    proposal = propose(tx, settings, restaurant_id, day, max_moves=max_moves)
    threshold = proposal.threshold
    if not apply:
        return Outcome(proposal, False, "proposal only (apply: false)", threshold, number)
    worth, reason = qualifies(proposal, threshold)
    if not worth:
        return Outcome(proposal, False, reason, threshold, number)
    if hook is not None:
        hook(tx, proposal, number)
    _write(tx, proposal, reason)
    return Outcome(proposal, True, reason, threshold, number)


def with_retries(run: Callable[[Work], R], settings: Settings,
                 restaurant_id: int, day: date, *, max_moves: int | None = None,
                 hook: Hook | None = None) -> R:
    """:func:`attempt` in a fresh transaction each time (``run`` opens it and returns what
    its work returns), at most ``MAX_ATTEMPTS`` times; then the fresh proposal, unapplied."""
    for number in range(1, MAX_ATTEMPTS + 1):
        def work(tx: UnitOfWork, number: int = number) -> Outcome:
            return attempt(tx, settings, restaurant_id, day, max_moves=max_moves,
                           number=number, hook=hook)
        try:
            return run(work)
        except LostRace:
            continue

    def gave_up(tx: UnitOfWork) -> Outcome:
        last = attempt(tx, settings, restaurant_id, day, max_moves=max_moves, apply=False,
                       number=MAX_ATTEMPTS)
        return replace(last, reason=f"lost a race {MAX_ATTEMPTS} times: the day kept "
                                    "changing under the proposal; try again")
    return run(gave_up)


def _write(tx: UnitOfWork, proposal: Proposal, reason: str) -> None:
    try:
        current = _recheck(tx, proposal)
        with tx.conn.transaction():
            tx.conn.execute("SET CONSTRAINTS allocations_no_overlap DEFERRED")
            for move in sorted(proposal.moves, key=lambda m: m.booking_id):
                _move(tx, proposal, move.booking_id, current[move.booking_id])
            tx.conn.execute("SET CONSTRAINTS allocations_no_overlap IMMEDIATE")
    except (pg.ExclusionViolation, pg.DeadlockDetected, pg.SerializationFailure) as exc:
        raise LostRace(f"the database refused the moves: {exc.diag.message_primary}") from exc
    except (errors.StaleVersion, errors.TableUnavailable, errors.IllegalTransition) as exc:
        raise LostRace(str(exc)) from exc
    tx.events.append(proposal.restaurant_id, EVENT, {
        "date": proposal.day.isoformat(),
        "reason": reason,
        "covers_before": proposal.covers_before,
        "covers_after": proposal.covers_after,
        "requested_by": tx.actor or ACTOR,
        "moves": [{"booking_id": m.booking_id, "from_table_ids": list(m.from_table_ids),
                   "to_table_ids": list(m.to_table_ids), "why": m.why}
                  for m in proposal.moves],
    }, actor=ACTOR)


def _recheck(tx: UnitOfWork, proposal: Proposal) -> dict[int, Booking]:
    """Lock what the moves touch and check the day is still as proposed.

    Booking rows first (in id order), then the tables (in id order): the order the
    coordinator takes them in, so the two never wait on each other in a circle.
    """
    rid = proposal.restaurant_id
    moves = sorted(proposal.moves, key=lambda m: m.booking_id)
    moved = {m.booking_id for m in moves}
    current: dict[int, Booking] = {}
    for move in moves:
        booking = tx.bookings.get(rid, move.booking_id, for_update=True)
        if (booking.version != proposal.versions[move.booking_id]
                or booking.state not in OPEN):
            raise LostRace(f"booking {booking.id} changed since the proposal")
        current[booking.id] = booking
    tables = sorted({t for m in moves for t in (*m.from_table_ids, *m.to_table_ids)})
    tx.allocations.lock_tables(tables)
    tx.allocations.expire_stale_holds(rid, tables)
    for move in moves:
        mine = tx.allocations.for_booking(rid, move.booking_id)
        if ({a.table_id for a in mine if a.kind == "assignment"} != set(move.from_table_ids)
                or any(a.kind == "hold" for a in mine)):
            raise LostRace(f"booking {move.booking_id}'s tables changed since the proposal")
        start_at, end_at = proposal.windows[move.booking_id]
        wanted = set(move.to_table_ids)
        taken = [a for a in tx.allocations.in_window(rid, start_at, end_at)
                 if a.table_id in wanted and a.booking_id not in moved]
        if taken:
            raise LostRace(f"table {taken[0].table_id} was taken by booking "
                           f"{taken[0].booking_id} since the proposal")
    return current


def _move(tx: UnitOfWork, proposal: Proposal, booking_id: int, booking: Booking) -> None:
    rid = proposal.restaurant_id
    move = next(m for m in proposal.moves if m.booking_id == booking_id)
    start_at, end_at = proposal.windows[booking_id]
    if move.from_table_ids:
        tx.allocations.unassign(rid, booking_id)
    tx.allocations.assign(rid, booking_id, list(move.to_table_ids), start_at, end_at,
                          source=SOURCE)
    tables = "+".join(move.to_tables)
    metadata = {"from_table_ids": list(move.from_table_ids),
                "to_table_ids": list(move.to_table_ids), "why": move.why,
                "requested_by": tx.actor or ACTOR}
    if booking.state == "assigned":
        tx.history.add(booking, "assigned", actor=ACTOR, metadata=metadata,
                       reason=f"moved by the optimizer from {'+'.join(move.from_tables)} "
                              f"to {tables}")
    else:
        factory.transition(tx, rid, booking_id, "assigned", expected_version=booking.version,
                           actor=ACTOR, reason=f"seated at {tables} by the optimizer",
                           metadata=metadata, assignment_strategy=SOURCE, current=booking)

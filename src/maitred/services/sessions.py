"""Manual assignment sessions: a host picks tables for one booking, and nobody races them.

One session per booking and staff member (DESIGN.md §4)::

    PROPOSED --(valid selection, hold acquired)--> HELD --(confirm)--> CONFIRMED
       |  ^                                         |  |
       |  +-------(selection changed)---------------+  +--(TTL passed)--> EXPIRED
       +--(cancel)--> CANCELLED <--(cancel)---------+

Every move is a compare-and-set on the session row that writes a history row and an
event in the same transaction; a move the diagram does not draw is
:class:`~maitred.errors.IllegalTransition` naming the current state. A selection is
judged by the same constraint engine as automatic placement
(:func:`maitred.engine.rules.check`), and when it passes, the hold is taken in the same
transaction, so "valid" and "held" can never drift apart. When two hosts want one table
at once, the database's exclusion constraint decides; the loser's session stays
``PROPOSED`` and says which table, held by which booking and whom, free again when.

Time is the database's clock: a ``HELD`` session past its ``expires_at`` is ``EXPIRED``
the moment it lapses, whether or not the sweeper has been round yet.

A booking already assigned may be re-seated the same way: only the tables it does not sit
at yet are held (it cannot overlap itself), and confirming gives back the tables it
leaves in the same transaction. Confirming also ends any other host's open session for
the booking, so their hold does not linger until its TTL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from maitred import errors
from maitred.config import Settings
from maitred.services import bookings as factory
from maitred.services import floors, snapshot
from maitred.services.session_answers import (
    SessionAnswer,
    ViolationView,
    answer,
    judge,
    table_conflict,
)
from maitred.services.session_errors import EXPIRED as EXPIRED
from maitred.services.session_errors import SelectionRefused as SelectionRefused
from maitred.services.session_errors import SessionExpired as SessionExpired
from maitred.services.session_errors import StaleSelection as StaleSelection
from maitred.services.session_errors import TableHeld as TableHeld
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking
from maitred.store.sessions import Session, SessionRepository

PROPOSED, HELD, CONFIRMED, CANCELLED = "PROPOSED", "HELD", "CONFIRMED", "CANCELLED"
ACTIVE = frozenset({PROPOSED, HELD})

# The diagram above, as data: every move not listed here is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    PROPOSED: frozenset({PROPOSED, HELD, CANCELLED, EXPIRED}),
    HELD: frozenset({PROPOSED, HELD, CONFIRMED, CANCELLED, EXPIRED}),
    CONFIRMED: frozenset(),
    CANCELLED: frozenset(),
    EXPIRED: frozenset(),
}

# A session left PROPOSED this long (no hold, nobody touching it) is orphaned: the host
# walked away. Ending it frees the one-active-session slot for that booking and host. The
# default of the restaurant policy key ``session_idle_seconds``.
IDLE_SECONDS = 30 * 60
IDLE_POLICY_KEY = "session_idle_seconds"


def idle_seconds(policy: Mapping[str, Any]) -> int:
    """How long a restaurant lets a PROPOSED session sit idle (its policy, else 30 min)."""
    return int(policy.get(IDLE_POLICY_KEY, IDLE_SECONDS))

# Bookings still waiting for tables; an ``assigned`` one may also be re-seated by hand.
OPEN_BOOKINGS = frozenset({"pending", "assignment_pending", "manual_review"})
RESEATABLE = OPEN_BOOKINGS | {"assigned"}


@dataclass(frozen=True, slots=True)
class Actor:
    """The staff member acting, as history rows and events name them."""

    staff_id: int

    @property
    def name(self) -> str:
        return f"staff:{self.staff_id}"


# -- the use cases --------------------------------------------------------------------------


def open_session(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, booking_id: int, actor: Actor,
    table_ids: Sequence[int] | None, *, booking: Booking | None = None,
) -> SessionAnswer:
    """Find or start the host's session for the booking and, if given, set its tables.

    ``booking``: the booking as this transaction just read it (not read again).
    """
    repo = SessionRepository(tx.conn)
    if booking is None or booking.id != booking_id or booking.restaurant_id != restaurant_id:
        booking = tx.bookings.get(restaurant_id, booking_id)
    _check_bookable(booking)
    session, created = repo.open(restaurant_id, booking_id, actor.staff_id,
                                 idle_seconds=IDLE_SECONDS)
    if session.lapsed:  # a session that ran out is ended, and a fresh one begins
        expire(tx, session, reason="ran out before the host came back")
        session, created = repo.open(restaurant_id, booking_id, actor.staff_id,
                                     idle_seconds=IDLE_SECONDS)
    if table_ids is None:
        if created:
            _record(tx, session, None, PROPOSED, actor.name, "opened", "session.opened")
        return _keep_alive(tx, settings, session, booking)
    # A new session (PROPOSED, so _select judges its tables) has its "opened" written
    # with its first selection, in one round trip.
    opened = _Move(session, None, PROPOSED, actor.name, "opened", "session.opened")
    return _select(tx, settings, session, booking, list(table_ids), actor,
                   earlier=[opened] if created else [])


def get_session(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, session_id: int, *,
    session: Session | None = None,
) -> SessionAnswer:
    """The session as it stands, re-judged against the floor right now.

    ``session``: the row as this transaction just read it (not read again).
    """
    if not _same(session, restaurant_id, session_id):
        session = SessionRepository(tx.conn).get(restaurant_id, session_id)
    assert session is not None
    booking = tx.bookings.get(restaurant_id, session.booking_id)
    return answer(tx, settings, session, booking)


def change_selection(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, session_id: int, actor: Actor,
    table_ids: Sequence[int], selection_version: int, *, session: Session | None = None,
) -> SessionAnswer:
    """Set new tables, if the host saw the latest selection (else :class:`StaleSelection`).

    ``session``: the row as this transaction just read and locked it (not read again).
    """
    session = _mine(tx, restaurant_id, session_id, actor, wanted=HELD, locked=session)
    if session.selection_version != selection_version:
        booking = tx.bookings.get(restaurant_id, session.booking_id)
        current = answer(tx, settings, session, booking).to_json()
        raise StaleSelection(session_id, selection_version, session.selection_version,
                             current)
    booking = tx.bookings.get(restaurant_id, session.booking_id)
    return _select(tx, settings, session, booking, list(table_ids), actor)


def confirm(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, session_id: int, actor: Actor,
    *, session: Session | None = None,
) -> SessionAnswer:
    """Turn the session's hold into the booking's assignment, in this one transaction.

    ``session``: the row as this transaction just read and locked it (not read again).
    """
    session = _mine(tx, restaurant_id, session_id, actor, wanted=CONFIRMED, locked=session)
    if session.state != HELD:
        raise errors.IllegalTransition("session", session_id, session.state, CONFIRMED)
    booking = tx.bookings.get(restaurant_id, session.booking_id, for_update=True)
    _check_bookable(booking)
    snap = snapshot.for_booking(tx, settings, booking)
    violations = judge(snap, booking, session.selection, session.hold_id)
    current = snap.assigned_to(booking.id)
    if not violations and session.hold_id is None and not set(session.selection) <= set(current):
        # Nothing was held because the party sat there; it has been moved since.
        raise errors.Conflict(f"session {session_id}: booking {booking.id} was moved since "
                              "its tables were chosen; choose them again")
    if violations:
        raise SelectionRefused(session_id, [v.to_json() for v in violations])
    # A re-seat: the tables the party leaves go back first, then the held ones are theirs.
    leaving = [t for t in current if t not in session.selection]
    if leaving:
        tx.allocations.unassign(restaurant_id, booking.id, leaving)
    if session.hold_id is not None:
        tx.allocations.confirm_hold(restaurant_id, session.hold_id, source="manual",
                                    assigned_by=actor.staff_id, fetch=False)
    if booking.state in OPEN_BOOKINGS:
        # ``current``: the row is locked above and unchanged since; not read again.
        booking = factory.transition(tx, restaurant_id, booking.id, "assigned",
                                     expected_version=booking.version, actor=actor.name,
                                     reason=f"seated by hand (session {session_id})",
                                     assignment_strategy="manual", current=booking)
    repo = SessionRepository(tx.conn)
    done = repo.save(session, state=CONFIRMED)
    _record(tx, done, HELD, CONFIRMED, actor.name, "confirmed", "session.confirmed")
    # Another host's session for this booking has nothing left to do: its hold goes back.
    for other in repo.others_active(done):
        if other.lapsed:
            expire(tx, other)
            continue
        if other.state == HELD and other.hold_id is not None:
            _release(tx, restaurant_id, other.hold_id)
        ended = repo.save(other, state=CANCELLED)
        _record(tx, ended, other.state, CANCELLED, actor.name,
                f"booking seated in session {session_id}", "session.cancelled")
    return answer(tx, settings, done, booking)


def cancel(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, session_id: int, actor: Actor,
    *, session: Session | None = None,
) -> SessionAnswer:
    """End the session and give its tables back.

    ``session``: the row as this transaction just read and locked it (not read again).
    """
    repo = SessionRepository(tx.conn)
    if not _same(session, restaurant_id, session_id):
        session = repo.get(restaurant_id, session_id, for_update=True)
    assert session is not None
    _owner(session, actor)
    booking = tx.bookings.get(restaurant_id, session.booking_id)
    if session.lapsed:  # it ran out already: record that, tables are back either way
        return answer(tx, settings, expire(tx, session, reason="ran out"), booking)
    _check_move(session, CANCELLED)
    if session.state == HELD and session.hold_id is not None:
        _release(tx, restaurant_id, session.hold_id)
    done = repo.save(session, state=CANCELLED)
    _record(tx, done, session.state, CANCELLED, actor.name, "cancelled", "session.cancelled")
    return answer(tx, settings, done, booking)


def expire(tx: UnitOfWork, session: Session, *, actor: str = "sweeper",
           reason: str = "hold ran out") -> Session:
    """End a session past its time (the sweeper, or any write that finds it lapsed)."""
    if EXPIRED not in TRANSITIONS[session.state]:  # the stored state: it has not moved yet
        raise errors.IllegalTransition("session", session.id, session.state, EXPIRED)
    if session.hold_id is not None:
        hold = tx.allocations.get_hold(session.restaurant_id, session.hold_id)
        if hold.status == "active":
            tx.allocations.expire_stale_holds(session.restaurant_id, hold.table_ids)
    done = SessionRepository(tx.conn).save(session, state=EXPIRED)
    _record(tx, done, session.state, EXPIRED, actor, reason, "session.expired")
    return done


def expire_lapsed(
    tx: UnitOfWork, *, restaurant_id: int | None = None,
    table_ids: Sequence[int] | None = None, limit: int = 100,
) -> list[int]:
    """Expire sessions past their time (only those holding ``table_ids``, if given).

    A PROPOSED session is past its time once idle for its restaurant's current
    ``session_idle_seconds``, even if it was saved under a longer one.
    """
    repo = SessionRepository(tx.conn)
    ended = []
    for session_id, owner in repo.lapsed(restaurant_id=restaurant_id, table_ids=table_ids,
                                         limit=limit, idle_seconds=IDLE_SECONDS):
        expire(tx, repo.get(owner, session_id))
        ended.append(session_id)
    return ended


# -- choosing tables ------------------------------------------------------------------------


def _select(
    tx: UnitOfWork, settings: Settings, session: Session, booking: Booking,
    table_ids: list[int], actor: Actor, *, earlier: Sequence[_Move] = (),
) -> SessionAnswer:
    """Judge the tables; hold them if they pass; record the move (after ``earlier``
    moves not yet written) either way."""
    repo = SessionRepository(tx.conn)
    chosen = sorted(set(table_ids))
    if (session.state == HELD and chosen == session.selection
            and len(chosen) == len(table_ids)):
        return _keep_alive(tx, settings, session, booking)
    restaurant_id = session.restaurant_id
    if session.state == HELD and session.hold_id is not None:
        # The old tables go back before the new ones are judged: a host moving a party
        # from T4 to T4+T5 must not be told T4 is held (by themselves).
        _release(tx, restaurant_id, session.hold_id)
    snap = snapshot.for_booking(tx, settings, booking)
    policy = snap.view.policy
    end_at = booking.end_at + timedelta(minutes=policy.buffer_minutes)
    violations: list[ViolationView] = judge(snap, booking, table_ids, None)
    # Tables the party already sits at need no hold (and cannot have one: the database
    # would see the party overlapping itself); only the new ones are held.
    current = set(snap.assigned_to(booking.id))
    to_hold = [t for t in chosen if t not in current]
    hold_id = None
    held = False
    if not violations and not to_hold:
        held = True
    elif not violations:
        # Clear on write: a dead sweeper never blocks these tables past their TTL. (The
        # lapsed sessions behind those holds already read as EXPIRED; the sweeper writes
        # their history.) Done here, outside the savepoint below, so a refused hold does
        # not undo the expiry while its event stays queued.
        tx.allocations.expire_stale_holds(restaurant_id, to_hold)
        try:
            with tx.conn.transaction():  # a refusal undoes the half-made hold only
                hold = tx.allocations.hold(
                    restaurant_id, booking.id, to_hold, booking.start_at, end_at,
                    ttl_seconds=policy.hold_ttl_seconds, session_id=session.id,
                    source="manual", created_by=actor.staff_id, expire=False)
            hold_id, held = hold.id, True
        except errors.TableUnavailable as exc:
            violations = [table_conflict(tx, snap, exc, booking, end_at)]
    state = HELD if held else PROPOSED
    digest, parts = snapshot.fingerprint(snap, booking, chosen, end_at, own_hold=hold_id)
    versions = snap.versions(booking, end_at)
    saved = repo.save(
        session, state=state, selection=chosen,
        selection_version=session.selection_version + 1,
        context_version=snapshot.context_version(snap, booking, end_at),
        policy_version=snap.view.restaurant.policy_version, snapshot_hash=digest,
        snapshot_parts=parts, hold_id=hold_id,
        tables_version=versions.tables, adjacency_version=versions.adjacency,
        flags_version=versions.flags, window_version=versions.window,
        holds_version=versions.holds, assignments_version=versions.assignments,
        ttl_seconds=(policy.hold_ttl_seconds if held
                     else idle_seconds(snap.view.restaurant.policy)))
    why = "tables held" if held else (
        "selection contested" if violations else "selection changed")
    _record(tx, saved, session.state, state, actor.name, why,
            "session.held" if held else "session.proposed",
            {"selection": chosen, "violations": [v.kind for v in violations]},
            earlier=earlier)
    return answer(tx, settings, saved, booking, snap=snap, violations=violations)


def _keep_alive(
    tx: UnitOfWork, settings: Settings, session: Session, booking: Booking
) -> SessionAnswer:
    """The host is still at it: a held session's hold lives on from now."""
    repo = SessionRepository(tx.conn)
    if session.state == HELD:
        ttl = floors.policy_of(tx, settings, session.restaurant_id).hold_ttl_seconds
        if session.hold_id is not None:
            tx.allocations.touch_hold(session.restaurant_id, session.hold_id, ttl_seconds=ttl)
        session = repo.save(session, ttl_seconds=ttl)
    elif session.state == PROPOSED:
        policy = tx.restaurants.get(session.restaurant_id).policy
        session = repo.save(session, ttl_seconds=idle_seconds(policy))
    return answer(tx, settings, session, booking)


# -- rules of the machine -------------------------------------------------------------------


def _release(tx: UnitOfWork, restaurant_id: int, hold_id: int) -> None:
    """Give a session's hold back (one statement), as the allocation store would."""
    released = SessionRepository(tx.conn).release_hold(restaurant_id, hold_id)
    if released is None:  # not live: the allocation store names its state in the refusal
        tx.allocations.release_hold(restaurant_id, hold_id)
        return
    booking_id, tables = released
    tx.events.append(restaurant_id, "hold.released", {"hold_id": hold_id, "tables": tables},
                     booking_id=booking_id)


def _check_move(session: Session, to_state: str) -> None:
    state = EXPIRED if session.lapsed else session.state
    if to_state not in TRANSITIONS[state]:
        if state == EXPIRED:
            raise SessionExpired(session.id, to_state)
        raise errors.IllegalTransition("session", session.id, state, to_state)


def _owner(session: Session, actor: Actor) -> None:
    # A session is one host's work in progress: others may look, not steer.
    if session.created_by != actor.staff_id:
        raise errors.Forbidden(f"session {session.id} belongs to another staff member")


def _mine(
    tx: UnitOfWork, restaurant_id: int, session_id: int, actor: Actor, *, wanted: str,
    locked: Session | None = None,
) -> Session:
    session = (locked if _same(locked, restaurant_id, session_id)
               else SessionRepository(tx.conn).get(restaurant_id, session_id, for_update=True))
    assert session is not None
    _owner(session, actor)
    _check_move(session, wanted)
    return session


def _same(session: Session | None, restaurant_id: int, session_id: int) -> bool:
    """Whether a row handed in by the caller is the one asked for (else it is read)."""
    return (session is not None and session.id == session_id
            and session.restaurant_id == restaurant_id)


def _check_bookable(booking: Booking) -> None:
    if booking.state not in RESEATABLE:
        raise errors.IllegalTransition(
            "booking", booking.id, booking.state, "seated by hand",
            f"booking {booking.id} is {booking.state}; only a booking waiting for tables or "
            "assigned (not yet seated) can be seated in a session")


@dataclass(frozen=True, slots=True)
class _Move:
    """One move of a session, for its history row and its event."""

    session: Session
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    event: str
    extra: dict[str, Any] | None = None


def _record(
    tx: UnitOfWork, session: Session, from_state: str | None, to_state: str, actor: str,
    reason: str, event: str, extra: dict[str, Any] | None = None, *,
    earlier: Sequence[_Move] = (),
) -> None:
    """History row and event for one move (after ``earlier`` moves not yet written), in
    the move's transaction; the history rows go in one round trip."""
    moves = [*earlier, _Move(session, from_state, to_state, actor, reason, event, extra)]
    for move in moves:
        if move.from_state is not None and move.to_state not in TRANSITIONS[move.from_state]:
            raise errors.IllegalTransition("session", move.session.id, move.from_state,
                                           move.to_state)
    SessionRepository(tx.conn).add_histories([
        (m.session, m.from_state, m.to_state, m.actor, m.reason,
         {"selection": m.session.selection, "selection_version": m.session.selection_version,
          **(m.extra or {})}) for m in moves])
    for m in moves:
        tx.events.append(m.session.restaurant_id, m.event, {
            "session_id": m.session.id, "from": m.from_state, "to": m.to_state,
            "selection": m.session.selection, "staff_id": m.session.created_by,
        }, booking_id=m.session.booking_id, actor=m.actor)

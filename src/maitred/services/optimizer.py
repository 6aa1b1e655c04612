"""Re-plan one restaurant's day within a move budget and propose the moves (no writes).

The optimizer of issue 6: :func:`propose` reads the day in one transaction, re-plans the
day's not-yet-seated bookings with the bounded re-plan
(:func:`maitred.engine.replan.replan`), and answers a *proposal*: which bookings would
move, from which tables to which, why, and the covers seated before and after. Nothing is
written here; :mod:`maitred.services.optimizer_apply` writes a proposal that qualifies.

What never moves:

- bookings seated, completed or otherwise closed (their tables are simply taken);
- bookings placed by a person: an assignment whose source is anything other than
  ``auto`` or ``optimizer`` (``manual`` sessions, ``ops``, ``import``);
- bookings staff ``locked``;
- bookings a host is working on right now (a live hold), and every held table over the
  hold's window;
- bookings currently on a table staff blocked for automatic plans (and blocked tables take
  no one new);
- and every currently assigned booking keeps a table: the proposal never unseats anyone.

Moves are the assigned bookings whose table set changes plus the waiting bookings newly
seated; at most ``max_moves`` of them. The bounded re-plan itself is the pure engine's
:func:`maitred.engine.replan.replan` (``maitred bench optimize`` measures the same code):
the most covers any plan within ``max_moves`` of the current one can seat, never dropping
an assigned booking. Applying a proposal is :mod:`maitred.services.optimizer_apply`.

The engine sees every fixed party as a booking pinned to its tables; to pin parties to
their allocation windows exactly, windows are given to the engine with the turnover
buffer already folded in (the engine's policy buffer is set to zero). Engine minutes are
from the local midnight of the service date (:mod:`maitred.services.snapshot`).

The score is the covers seated among the day's not-yet-seated bookings (what the re-plan
maximises); the engine's status, covers bound (for plans within ``max_moves``) and
optimality gap are passed on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from maitred import errors
from maitred.config import Settings
from maitred.engine.booking import Booking as EngineBooking
from maitred.engine.day import default_time_limit
from maitred.engine.replan import Replan, replan
from maitred.services import snapshot
from maitred.store.db import UnitOfWork
from maitred.store.records import Booking

# States of a booking not yet seated: the optimizer may re-plan these.
OPEN = ("pending", "assignment_pending", "assigned", "manual_review")
# Assignment sources the optimizer may undo: the machine's own decisions.
MOVABLE_SOURCES = frozenset({"auto", "optimizer"})
DEFAULT_MAX_MOVES = 20


@dataclass(frozen=True, slots=True)
class Move:
    booking_id: int
    party_size: int
    from_table_ids: tuple[int, ...]
    to_table_ids: tuple[int, ...]
    from_tables: tuple[str, ...]
    to_tables: tuple[str, ...]
    why: str


@dataclass(frozen=True, slots=True)
class Proposal:
    restaurant_id: int
    day: date
    max_moves: int
    moves: tuple[Move, ...]
    covers_before: int
    covers_after: int
    covers_total: int
    bookings_considered: int
    bookings_fixed: tuple[int, ...]
    manual_review_seated: tuple[int, ...]       # waiting in manual_review, seated by it
    waiting_before: tuple[int, ...]
    waiting_after: tuple[int, ...]
    engine_status: str | None
    covers_bound: int | None
    gap: float | None
    runs: int
    seconds: float
    threshold: float                            # the restaurant's optimizer_threshold
    versions: Mapping[int, int]                 # moved booking -> version it was read at
    windows: Mapping[int, tuple[datetime, datetime]]  # moved booking -> new window

    @property
    def moves_used(self) -> int:
        return len(self.moves)

    # The score the threshold judges: covers seated among the day's not-yet-seated bookings.
    @property
    def score_before(self) -> int:
        return self.covers_before

    @property
    def score_after(self) -> int:
        return self.covers_after


@dataclass(slots=True)
class _Day:
    """The day as the optimizer reads it."""

    snap: snapshot.Snapshot
    bookings: dict[int, Booking]                 # open bookings of the day, by id
    current: dict[int, tuple[str, ...]]          # open booking -> its current table labels
    fixed: set[int]                              # open bookings that may not move
    excluded: set[int]                           # open bookings left out altogether
    blockers: list[EngineBooking]                # every other busy window, pinned


def propose(
    tx: UnitOfWork, settings: Settings, restaurant_id: int, day: date, *,
    max_moves: int | None = None, time_limit: float | None = None,
) -> Proposal:
    """The day's re-plan as a proposal of moves; see the module docstring."""
    cap = DEFAULT_MAX_MOVES if max_moves is None else max_moves
    if cap < 0:
        raise errors.InvalidInput("maxMoves", "must be 0 or more")
    read = _read(tx, settings, restaurant_id, day)
    floor = read.snap.view.floor
    limit = time_limit if time_limit is not None else default_time_limit(floor)
    engine = _engine_bookings(read)
    current = {str(b): tables for b, tables in read.current.items()}
    policy = dataclasses.replace(read.snap.view.policy, buffer_minutes=0)
    try:
        found = replan(floor, engine, policy, current, max_moves=cap, time_limit=limit)
    except ValueError as exc:
        raise errors.Conflict(f"the day cannot be re-planned as it stands: {exc}") from exc
    return _proposal(read, found, restaurant_id, day, cap)


# -- reading the day -----------------------------------------------------------------------

def _read(tx: UnitOfWork, settings: Settings, restaurant_id: int, day: date) -> _Day:
    snap = snapshot.load(tx, settings, restaurant_id, day)
    view = snap.view
    labels = view.labels
    listed = tx.bookings.list(restaurant_id, snap.origin, snap.origin + timedelta(days=1),
                              states=OPEN)
    bookings = {b.id: b for b in listed}
    current: dict[int, tuple[str, ...]] = {}
    fixed: set[int] = set()
    excluded: set[int] = set()
    held: set[int] = set()
    # The busy rows of open bookings' own assignments are what the engine re-plans; every
    # other row (holds, seated parties, other days, unknown tables) is a pinned blocker.
    own: set[int] = set()
    for i, row in enumerate(snap.busy):
        if row.booking_id in bookings and row.kind == "assignment":
            own.add(i)
        if row.booking_id in bookings and row.kind == "hold":
            held.add(row.booking_id)
    for booking in listed:
        tables = [r.table_id for r in snap.busy
                  if r.booking_id == booking.id and r.kind == "assignment"]
        if any(t not in labels for t in tables):
            excluded.add(booking.id)                 # on a table the floor no longer has
            continue
        names = tuple(sorted({labels[t] for t in tables}))
        if names:
            current[booking.id] = names
            sources = {a.source for a in tx.allocations.assignments(restaurant_id, booking.id)}
            if (booking.locked or not sources <= MOVABLE_SOURCES or booking.id in held
                    or set(names) & view.blocked):
                fixed.add(booking.id)
        elif booking.locked or booking.id in held:
            excluded.add(booking.id)                 # staff are deciding this one by hand
    for b in excluded:
        current.pop(b, None)
    busy_kept = [row for i, row in enumerate(snap.busy)
                 if i not in own or row.booking_id in excluded]
    blockers: list[EngineBooking] = []
    for n, row in enumerate(busy_kept):
        label = labels.get(row.table_id)
        if label is None:
            continue
        start = snap.minutes(row.start_at)
        end = snap.minutes(row.end_at, up=True)
        blockers.append(EngineBooking(f"busy:{n}", 1, start, max(1, end - start),
                                      locked_tables=(label,)))
    return _Day(snap, bookings, current, fixed, excluded, blockers)


def _window(read: _Day, booking: Booking, *, pinned: bool) -> tuple[int, int]:
    """(start, duration) in engine minutes, the turnover buffer included."""
    snap = read.snap
    start = snap.minutes(booking.start_at)
    mine = [r for r in snap.busy if r.booking_id == booking.id and r.kind == "assignment"]
    if pinned and mine:
        # A pinned party keeps exactly the window its allocations hold.
        begin = min(snap.minutes(r.start_at) for r in mine)
        end = max(snap.minutes(r.end_at, up=True) for r in mine)
        return begin, max(1, end - begin)
    return start, booking.duration_minutes + snap.view.policy.buffer_minutes


# -- running the engine --------------------------------------------------------------------

def _engine_bookings(read: _Day) -> list[EngineBooking]:
    """Every busy window pinned, fixed parties locked to their tables, the rest free."""
    engine: list[EngineBooking] = list(read.blockers)
    for booking_id, booking in sorted(read.bookings.items()):
        if booking_id in read.excluded:
            continue
        base = read.snap.booking(booking)
        pin = read.current[booking_id] if booking_id in read.fixed else None
        start, duration = _window(read, booking, pinned=pin is not None)
        engine.append(dataclasses.replace(base, start=start, duration=duration,
                                          locked_tables=pin))
    engine.extend(_blocked_table_fences(read, engine))
    return engine


def _blocked_table_fences(read: _Day, engine: Sequence[EngineBooking]) -> list[EngineBooking]:
    """Pinned placeholders over every free stretch of a blocked table: no one new sits there."""
    blocked = read.snap.view.blocked
    if not blocked or not engine:
        return []
    low = min(b.start for b in engine) - 1
    high = max(b.start + b.duration for b in engine) + 1
    fences: list[EngineBooking] = []
    for label in sorted(blocked):
        taken = sorted((b.start, b.start + b.duration) for b in engine
                       if b.locked_tables and label in b.locked_tables)
        at = low
        for start, end in [*taken, (high, high)]:
            if start > at:
                fences.append(EngineBooking(f"blocked:{label}:{at}", 1, at, start - at,
                                            locked_tables=(label,)))
            at = max(at, end)
    return fences


def _moved(before: Sequence[str], after: Sequence[str]) -> bool:
    return tuple(sorted(before)) != tuple(sorted(after))


# -- the answer ----------------------------------------------------------------------------

def _proposal(read: _Day, found: Replan, restaurant_id: int, day: date,
              cap: int) -> Proposal:
    ids = read.snap.view.table_ids
    placed = {int(k): v for k, v in found.assignments.items() if k.isdigit()}
    considered = [b for b in sorted(read.bookings) if b not in read.excluded]
    moves: list[Move] = []
    seated_newly = [b for b in considered if not read.current.get(b) and placed.get(b)]
    buffer = timedelta(minutes=read.snap.view.policy.buffer_minutes)
    for b in considered:
        before = read.current.get(b, ())
        after = placed.get(b, ())
        if not _moved(before, after):
            continue
        booking = read.bookings[b]
        if not before:
            why = (f"seats a party of {booking.party_size} that was waiting "
                   f"({booking.state})")
        else:
            why = (f"moves a party of {booking.party_size} from {'+'.join(before)} to "
                   f"{'+'.join(after)} to make room"
                   + (f" for {len(seated_newly)} waiting "
                      f"{'party' if len(seated_newly) == 1 else 'parties'}"
                      if seated_newly else " for a better day"))
        moves.append(Move(b, booking.party_size, tuple(ids[t] for t in before),
                          tuple(ids[t] for t in after), before, after, why))
    moved = [m.booking_id for m in moves]
    covers_before = sum(read.bookings[b].party_size for b in considered if read.current.get(b))
    covers_after = sum(read.bookings[b].party_size for b in considered if placed.get(b))
    return Proposal(
        restaurant_id=restaurant_id, day=day, max_moves=cap, moves=tuple(moves),
        covers_before=covers_before, covers_after=covers_after,
        covers_total=sum(read.bookings[b].party_size for b in considered),
        bookings_considered=len(considered),
        bookings_fixed=tuple(sorted(read.fixed)),
        manual_review_seated=tuple(b for b in seated_newly
                                   if read.bookings[b].state == "manual_review"),
        waiting_before=tuple(b for b in considered if not read.current.get(b)),
        waiting_after=tuple(b for b in considered if not placed.get(b)),
        engine_status=found.status, covers_bound=found.covers_bound, gap=found.gap,
        runs=1, seconds=found.solver_seconds,
        threshold=read.snap.view.policy.optimizer_threshold,
        versions={b: read.bookings[b].version for b in moved},
        windows={b: (read.bookings[b].start_at, read.bookings[b].end_at + buffer)
                 for b in moved})

"""Seat a whole day: the public entry point of day assignment.

Two ways a restaurant meets its day:

- ``online``: bookings in the order they were made, each accepted or refused on arrival
  from what is known so far; a yes is never taken back, though the party may be moved to
  other tables while later bookings arrive (:mod:`maitred.engine.online`);
- ``offline``: the whole day known at once — the nightly or on-demand re-plan — built and
  then improved towards the most covers (:mod:`maitred.engine.offline`).

Both honour locked tables (``Booking.locked_tables`` and the ``locked`` mapping): those
parties sit exactly where staff put them. The result is a :class:`DayPlan` of plain values.

Purity: no I/O, no logging. The one clock read is ``time.perf_counter``: it keeps the
offline search within its time limit and reports the seconds spent. The online mode never
depends on it (its exact checks use CP-SAT's deterministic time), so the same day always
gets the same answers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from maitred.engine import offline, online
from maitred.engine.booking import Booking
from maitred.engine.dayindex import DayIndex
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy
from maitred.engine.repair import UNSEATED, Seating

Mode = Literal["online", "offline"]

# Default offline budgets (seconds, model building included): a floor of up to 60 tables
# is planned within 2 s, a 150-table floor within 10 s, leaving room to read and write.
SMALL_FLOOR_TABLES = 60
SMALL_FLOOR_SECONDS = 1.7
LARGE_FLOOR_SECONDS = 8.0


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Tables per seated booking, the bookings left out, and how the plan was made."""

    assignments: Mapping[str, tuple[str, ...]]
    unassigned: tuple[str, ...]
    stats: Mapping[str, Any] = field(default_factory=dict)


def default_time_limit(floor: Floor) -> float:
    """Offline budget for a floor: small floors must answer in about a second."""
    return SMALL_FLOOR_SECONDS if len(floor.tables) <= SMALL_FLOOR_TABLES \
        else LARGE_FLOOR_SECONDS


def assign_day(
    floor: Floor,
    bookings: Sequence[Booking],
    policy: Policy,
    *,
    mode: Mode = "offline",
    time_limit: float | None = None,
    locked: Mapping[str, tuple[str, ...]] | None = None,
) -> DayPlan:
    """Seat ``bookings`` on ``floor`` under ``policy``; see the module docstring.

    ``time_limit`` bounds the offline search (default by floor size); the online mode has
    its own fixed, deterministic effort per arrival and ignores it. Raises ``ValueError``
    for an impossible request (unknown booking in ``locked``, locked tables unknown to the
    floor, two locked parties on one table at once).
    """
    if mode not in ("online", "offline"):
        raise ValueError(f"mode must be 'online' or 'offline', not {mode!r}")
    if time_limit is not None and time_limit <= 0:
        raise ValueError("time_limit must be positive")
    known = {b.id for b in bookings}
    strangers = sorted(set(locked or {}) - known)
    if strangers:
        raise ValueError(f"locked names unknown bookings {strangers}")
    began = time.perf_counter()
    index = DayIndex(floor, bookings, policy, locked)
    _check_locks(index)
    stats: dict[str, Any] = {"mode": mode}
    if mode == "online":
        host = online.run(index)
        seat_of = tuple(host.seating.seat_of)
        stats.update(status="ONLINE", moves=host.moves, exact_checks=host.exact_checks,
                     price_updates=host.price_updates, refused=len(host.refused))
    else:
        limit = time_limit if time_limit is not None else default_time_limit(floor)
        # The budget covers the index built above as well.
        remaining = max(0.05, limit - (time.perf_counter() - began))
        result = offline.plan(index, time_limit=remaining, clock=time.perf_counter)
        seat_of = result.seat_of
        stats.update(status=result.status, construct_covers=result.construct_covers,
                     solver_rounds=result.rounds, time_limit=limit)
        if result.covers_bound is not None:
            covers = index.covers([b for b, s in enumerate(seat_of) if s != UNSEATED])
            bound = max(covers, min(result.covers_bound, sum(index.party)))
            stats.update(covers_bound=bound,
                         gap=round((bound - covers) / bound, 4) if bound else 0.0)
    return _plan(index, seat_of, stats, began)


def _check_locks(index: DayIndex) -> None:
    """Two parties pinned to one table at once is a staff mistake no plan can honour."""
    pinned = Seating(index)
    for b in range(index.size):
        if index.locked[b]:
            clash = pinned.clashes(b, index.choices[b][0])
            if clash:
                other = index.bookings[clash[0]].id
                raise ValueError(f"bookings {other} and {index.bookings[b].id} are locked "
                                 "to the same table at overlapping times")
            pinned.place(b, index.choices[b][0])


def _plan(index: DayIndex, seat_of: Sequence[int], stats: dict[str, Any],
          began: float) -> DayPlan:
    assignments: dict[str, tuple[str, ...]] = {}
    unassigned: list[str] = []
    empty_seats = joined = 0
    for b, booking in enumerate(index.bookings):
        seat = seat_of[b]
        if seat == UNSEATED:
            unassigned.append(booking.id)
            continue
        option = index.seats[seat]
        assignments[booking.id] = tuple(sorted(index.table_ids[t] for t in option.tables))
        empty_seats += max(0, option.capacity - booking.party_size)
        joined += option.joined
    seated = [b for b, s in enumerate(seat_of) if s != UNSEATED]
    stats.update(
        covers_seated=index.covers(seated),
        covers_total=sum(index.party),
        bookings_seated=len(seated),
        bookings_total=index.size,
        empty_seats=empty_seats,
        combinations_used=joined,
        seconds=round(time.perf_counter() - began, 3),
    )
    return DayPlan(MappingProxyType(assignments), tuple(unassigned), MappingProxyType(stats))

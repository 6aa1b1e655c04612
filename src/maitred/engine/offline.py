"""The whole day known at once (the nightly or on-demand re-plan): construct, then improve.

1. *Guide*: a small table-kind linear programme (:mod:`maitred.engine.lp`) says which
   parties a covers-maximal evening seats and at which kind of table.
2. *Construct*: seat those parties by arrival time on the kinds the guide chose, then the
   rest, each with short ejection chains (:mod:`maitred.engine.repair`). Up to mid-sized
   days a second guide (price-aware rather than strictly covers-first) gives a second
   start; the better one is kept.
3. *Small days* (few (booking, option) pairs): a quick repair pass, then the exact
   set-packing model (:mod:`maitred.engine.solver`) on the whole day, which CP-SAT solves
   or nearly solves within the budget; its bound is reported.
4. *Larger days*: a large neighbourhood search. Sweep after sweep, neighbourhoods are
   re-solved exactly with everyone else fixed: groups of 12, 20 or 30 neighbouring tables
   of one zone with their parties and every party not seated, two whole zones at a time
   (a party may change rooms), and slices of the evening over the whole floor. A change
   is kept only when it seats more covers (or as many, more tidily), so the answer never
   gets worse than the construction. Up to ``RELAX_PAIRS`` pairs the exact whole-day
   relaxation (:mod:`maitred.engine.bound`) runs first: it proves a covers ceiling
   (reported as the bound and gap), its rounding is a start, and it aims the search:
   before each kind of neighbourhood come *targeted* ones, one per party the relaxation
   seats but the plan keeps waiting (its tables, where the parties in its way would sit,
   and so on three steps deep); and every other step leaves the parties the relaxation
   does not seat out of the models, which makes each re-solve cheaper on a busy evening.
   When sweeps stop gaining covers the search walks the plateau: the same neighbourhoods
   re-solved with random secondary prices, taking any plan of as many covers, so the
   next exact re-solve starts from somewhere new. Within the default budgets it changed
   no shared day's covers; given 20 s, two 150-table days gained 1 and 2 covers.

Where the time goes (measured on the 60- and 150-table benchmark days, 2 cores):

- The whole-day relaxation took about 0.6 s at 11k pairs, half of it adding coefficients
  one by one through the solver's Python wrapper; :mod:`maitred.engine.bound` now loads
  the model in one call (0.4 s, GLOP's own 0.25 s included). At 38k-67k pairs GLOP alone
  takes 3-4 s: with model building that was over half the 150-table budget, and GLOP often
  hit its limit, leaving the search about two seconds and no relaxation. So it runs only
  up to ``RELAX_PAIRS`` (35k) pairs; above that the search has the whole budget.
- Where the relaxation runs on a larger day, its rounding is the start; the table-kind
  construction is built only if the relaxation fails (its start was always worse there).
- The search stops ``RESERVE`` seconds before the deadline (most neighbourhoods take
  10-100 ms), and it keeps its wall-clock promise: building a model, outside CP-SAT's own
  clock, grows with parties free times tables open, so each solve's limit leaves room for
  that at the worst rate seen so far, and a neighbourhood too large for the time left is
  skipped. Two rooms together are tried only up to ``ROOMS_TABLES`` tables: two rooms of
  80 tables took 1.3 s (17k pairs), a sixth of the 150-table budget.

- Each neighbourhood is solved by one CP-SAT worker, not two. Most are tiny (tens to a
  few thousand pairs, proved in 5-100 ms), where a second worker only adds start-up time;
  and with two workers the answer among equally good ones depended on which finished
  first, so the search took a different path each run and the same day ended one to three
  covers apart (543 to 548 of 549 on the 60-table l1.3 day). With one worker the path is
  the same every run up to the deadline, and about half again as many neighbourhoods fit.

Time: the caller gives a budget in seconds; ``clock`` measures it (``time.perf_counter`` in
practice, injected so the engine stays free of hidden clocks and tests can fake it).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from itertools import pairwise

from maitred.engine import bound, lp, repair, solver
from maitred.engine.dayindex import DayIndex
from maitred.engine.repair import UNSEATED, Seating

# Above this many (booking, option) pairs the whole-day model spends its budget in presolve;
# zone-sized neighbourhoods are solved instead.
WHOLE_DAY_PAIRS = 4_000
# Up to this many pairs a second, differently guided construction is worth its time.
SECOND_START_PAIRS = 16_000
# Neighbourhoods: groups of this many tables of one zone (0: two whole zones; -1: slices of
# the evening over the whole floor), in the order of a schedule, each solved exactly for
# at most this long.
SCHEDULE = (12, 20, 0, 30, -1)
SLICE_PAIRS = 2_500
# Two rooms together only up to this many tables: on the 150-table floor two rooms of 80
# tables took 1.3 s to build and solve (17k pairs), a sixth of the budget, where a
# 20-table group takes 0.1-0.5 s; the time slices still let parties change rooms there.
ROOMS_TABLES = 60
NEIGHBOURHOOD_SECONDS = 0.6
# The search stops this long before its deadline (a neighbourhood takes 10-100 ms).
RESERVE = 0.1
# Up to this many pairs the whole-day relaxation (:mod:`maitred.engine.bound`) is worth
# its time: it proves a covers ceiling, its rounding is the best start, and it aims the
# targeted neighbourhoods. It takes about 0.6 s at 11k pairs but 5 s at 38k-67k (model
# building included), over half the 150-table budget: there the search gains more.
RELAX_PAIRS = 35_000
# Below this many pairs CP-SAT proves the whole day at once and needs no guide; above
# it, on a small day, the rounded relaxation is a better hint for CP-SAT.
RELAX_MIN_PAIRS = 1_000
# How much of the secondary price the relaxation sees: enough to break its ties towards
# snug tables, too little to loosen the covers ceiling by a tenth of a cover.
RELAX_TIDINESS = 1e-5
# A party the relaxation seats less than this much is left out of table-group models.
HOPELESS = 0.01
# Targeted neighbourhoods (around a party the relaxation seats but the plan does not):
# their schedule code and their most tables.
TARGETED = -2
TARGET_TABLES = 24
TARGET_DEPTH = 3
# A party counts as wanted when the relaxation seats at least this much of it.
WANTED = 0.5
# When two sweeps in a row gain no cover, the plan sits on a plateau the exact re-solves
# cannot leave: each neighbourhood is already at its best. The search then walks the
# plateau: the schedule goes on, but each neighbourhood is re-solved with a random amount up
# to ``PLATEAU_NOISE`` added to every option's secondary price (the real ones are 0-10), and
# a plan of as many covers is taken whatever its real price; the best plan seen is kept. A
# cover more is often one neighbourhood away from some other plan of the plateau. The
# noise is seeded, so two runs that reach the same neighbourhoods take the same walk.
WALK_AFTER = 2
PLATEAU_NOISE = 100
PLATEAU_SEED = 7
# The quick repair pass after construction (the neighbourhoods do the heavy lifting).
IMPROVE_ROUNDS = 1
IMPROVE_TRIES = 30


@dataclass(frozen=True, slots=True)
class OfflineResult:
    seat_of: tuple[int, ...]
    status: str
    covers_bound: int | None
    construct_covers: int
    rounds: int


def plan(index: DayIndex, *, time_limit: float, clock: Callable[[], float]) -> OfflineResult:
    """The best day plan found within ``time_limit`` seconds of ``clock``."""
    began = clock()

    def left() -> float:
        return time_limit - (clock() - began)

    pairs = sum(len(c) for b, c in enumerate(index.choices) if not index.locked[b])
    small = pairs <= WHOLE_DAY_PAIRS
    relaxing = RELAX_MIN_PAIRS <= pairs <= RELAX_PAIRS
    starts: list[Seating] = []
    ceiling = None
    # Left out of the neighbourhoods while unseated (only the exact relaxation says so:
    # the table-kind guide's view of it cost covers on the largest floors).
    hopeless: set[int] = set()
    wanted: dict[int, tuple[int, ...]] = {}
    if relaxing:
        relaxed = bound.relax(index, tidiness=RELAX_TIDINESS, time_limit=left() / 2)
        if relaxed is not None:
            ceiling = relaxed.covers_bound
            starts.append(_round(index, relaxed))
            hopeless = _hopeless(index, relaxed)
            wanted = _wanted(relaxed)
    if small or not starts:
        # The table-kind start: on a larger day only when the relaxation gave none (its
        # rounding is the better start there, and the search needs the time).
        starts.append(_construct(index, covers_first=True)[0])
        if pairs <= SECOND_START_PAIRS and (small or not relaxing):
            # Cheap here: a second, differently shaped start.
            starts.append(_construct(index, covers_first=False)[0])
    starts.sort(key=lambda s: (-s.covers(), s.price()))
    construct_covers = starts[0].covers()

    if small:
        best = starts[0]
        repair.improve(best, rounds=IMPROVE_ROUNDS, tries=IMPROVE_TRIES)
        seat_of = tuple(best.seat_of)
        if left() <= 0.05:
            return OfflineResult(seat_of, "HEURISTIC", None, construct_covers, 0)
        found = solver.solve(index, seat_of, time_limit=max(0.05, left() - 0.05))
        if (found.covers, -_price(index, found.seat_of)) >= _rank(index, seat_of):
            seat_of = found.seat_of
        proven = found.covers_bound if ceiling is None else min(ceiling, found.covers_bound)
        return OfflineResult(seat_of, found.status, proven, construct_covers, 1)

    seat_of, rounds = _search(index, tuple(starts[0].seat_of), clock() + left(), clock,
                              hopeless, wanted)
    return OfflineResult(seat_of, "NEIGHBOURHOOD", ceiling, construct_covers, rounds)


def _wanted(relaxed: bound.Relaxation) -> dict[int, tuple[int, ...]]:
    """Parties the relaxation seats (``WANTED``), with the options it gives them."""
    shares: dict[int, list[tuple[float, int]]] = {}
    for (b, seat, _), share in zip(relaxed.profits, relaxed.shares, strict=True):
        if share > 0.01:
            shares.setdefault(b, []).append((share, seat))
    return {b: tuple(seat for _, seat in sorted(mine, reverse=True))
            for b, mine in shares.items() if sum(share for share, _ in mine) >= WANTED}


def _targeted(index: DayIndex, seat_of: tuple[int, ...],
              wanted: Mapping[int, tuple[int, ...]], *, shift: bool) -> list[Neighbourhood]:
    """For each party the relaxation seats but the plan leaves waiting: the tables the
    relaxation gave it, and the tables where the parties now in its way would sit in the
    relaxation (so the exact re-solve can move them aside), up to ``TARGET_TABLES``."""
    on_table: dict[int, list[int]] = {}
    for b, s in enumerate(seat_of):
        if s != UNSEATED:
            for t in index.seats[s].tables:
                on_table.setdefault(t, []).append(b)
    waiting = sorted((b for b in wanted if seat_of[b] == UNSEATED),
                     key=lambda b: (-index.party[b], index.start[b], b))
    if shift:
        waiting.reverse()
    groups: list[Neighbourhood] = []
    for b in waiting:
        tables: list[int] = []
        # Breadth first: the party's tables, then where those in its way would go, ...
        frontier = [b]
        for _ in range(TARGET_DEPTH):
            following: list[int] = []
            for party in frontier:
                for seat in wanted.get(party, ()):
                    for t in index.seats[seat].tables:
                        if t in tables:
                            continue
                        tables.append(t)
                        following.extend(x for x in on_table.get(t, ())
                                         if x not in following and index.overlaps(party, x))
            frontier = following
        groups.append((tables[:TARGET_TABLES], []))
    return groups


def _hopeless(index: DayIndex, relaxed: bound.Relaxation) -> set[int]:
    """Parties the relaxation leaves (all but) entirely out of the evening: a plan
    rarely gains by seating them, and leaving them out keeps each neighbourhood small."""
    seated = [0.0] * index.size
    for (b, _, _), share in zip(relaxed.profits, relaxed.shares, strict=True):
        seated[b] += share
    return {b for b in range(index.size) if not index.locked[b] and seated[b] < HOPELESS}


def _round(index: DayIndex, relaxed: bound.Relaxation) -> Seating:
    """A start from the relaxation: the parties it seats most surely first (by arrival),
    each on the tables it gave them most."""
    shares: list[list[tuple[float, int]]] = [[] for _ in range(index.size)]
    for (b, seat, _), share in zip(relaxed.profits, relaxed.shares, strict=True):
        shares[b].append((share, seat))
    ranked = []
    seated = []
    for b in range(index.size):
        mine = sorted(shares[b], key=lambda p: -p[0])
        first = tuple(seat for _, seat in mine)
        ranked.append(first + tuple(s for s in index.choices[b] if s not in first))
        seated.append(sum(share for share, _ in mine))

    def order_key(b: int) -> tuple[float, int, int]:
        return (-1.0 if seated[b] > 0.99 else -round(seated[b], 2), index.start[b], b)

    start = repair.construct(index, sorted(range(index.size), key=order_key), ranked=ranked,
                             doubtful={b for b in range(index.size) if seated[b] <= 0.01})
    # No repair pass: a small day gives its chosen start one, and on a larger day the
    # search that follows makes better use of the 0.05-0.1 s.
    return start


def _search(index: DayIndex, seat_of: tuple[int, ...], deadline: float,
            clock: Callable[[], float], hopeless: Collection[int] = (),
            wanted: Mapping[int, tuple[int, ...]] | None = None,
            ) -> tuple[tuple[int, ...], int]:
    """Large neighbourhood search: re-solve neighbourhoods exactly, sweep after sweep, in
    the order of ``SCHEDULE``, until ``deadline`` or two whole cycles gain no cover; while
    ``WALK_AFTER`` sweeps or more have gained none, with noisy prices (a walk over the plans
    of as many covers). Returns the best plan seen and the number of solves.
    ``hopeless`` parties, while unseated, are left out of the models every other step.
    ``wanted``: parties the relaxation seats, and where; while one of them waits, the
    tables it was given and those of the parties in its way form a neighbourhood."""
    # Targeted neighbourhoods are cheap and aimed: they come before every other kind.
    schedule = tuple(x for size in SCHEDULE for x in (TARGETED, size)) if wanted else SCHEDULE

    def left() -> float:
        return deadline - clock()

    # The time a call spends outside CP-SAT's own clock (building and loading the model)
    # grows with the parties free to move times the tables they may use: the most seen
    # per unit so far. The solver's limit leaves room for it, so a large neighbourhood
    # started near the end does not run past the deadline.
    rate = 0.0
    sweep, idle, rounds = 0, 0, 0
    # The plan and the best one seen, with their ranks (covers, then lower price).
    best = seat_of
    rank = best_rank = _rank(index, seat_of)
    noise = random.Random(PLATEAU_SEED)
    while idle < 2 * len(schedule) and left() > RESERVE:
        improved = False
        walking = idle >= WALK_AFTER
        # Every other step of the schedule leaves the hopeless out (cheap models, more
        # rounds); the steps between keep them in, since the relaxation is degenerate and
        # a best plan may seat a party its answer left out.
        left_out = hopeless if (sweep // 2) % 2 == 0 else ()
        size = schedule[(sweep // 2) % len(schedule)]
        if size == TARGETED:
            todo = _targeted(index, seat_of, wanted or {}, shift=sweep % 2 == 1)
        else:
            todo = _neighbourhoods(index, size, shift=sweep % 2 == 1)
        sweep += 1
        for tables, moving in todo:
            budget = left()
            if budget < RESERVE:
                break
            if tables is not None:  # the group's parties as they sit now, and the unseated
                inside = set(tables)
                moving = [b for b, s in enumerate(seat_of) if not index.locked[b] and (
                    (s == UNSEATED and b not in left_out)
                    or (s != UNSEATED and inside.issuperset(index.seats[s].tables)))]
            else:
                moving = [b for b in moving if b not in left_out or seat_of[b] != UNSEATED]
            extent = len(moving) * (len(index.table_ids) if tables is None else len(tables))
            limit = min(budget - RESERVE / 2 - rate * extent, NEIGHBOURHOOD_SECONDS)
            if limit < RESERVE / 2:
                continue  # too large for the time left; a smaller one may still fit
            began = clock()
            found = solver.solve(index, seat_of, time_limit=limit, free=moving,
                                 tables=tables, light=True, workers=1,
                                 prices=_noisy(index, moving, noise) if walking else None)
            rate = max(rate, (clock() - began - found.solver_seconds) / max(1, extent))
            rounds += 1
            found_rank = (found.covers, -_price(index, found.seat_of))
            if found_rank > rank or (walking and found.covers >= rank[0]):
                seat_of, rank = found.seat_of, found_rank
            if rank > best_rank:
                improved = improved or rank[0] > best_rank[0]
                best, best_rank = seat_of, rank
        idle = 0 if improved else idle + 1
    return best, rounds


def _noisy(index: DayIndex, moving: Collection[int], noise: random.Random,
           ) -> list[tuple[int, ...]]:
    """The secondary prices with a random amount up to ``PLATEAU_NOISE`` added to each
    option of the ``moving`` parties: the solver then prefers some other plan of as many
    covers, picked at random."""
    prices = list(index.price)
    for b in moving:
        prices[b] = tuple(p + noise.randrange(PLATEAU_NOISE + 1) for p in prices[b])
    return prices


Neighbourhood = tuple[list[int] | None, list[int]]


def _neighbourhoods(index: DayIndex, size: int, *, shift: bool) -> list[Neighbourhood]:
    """The parts of the day re-solved exactly in one sweep, as (tables, bookings free to
    move; for table groups the bookings are filled in at the group's turn). ``size`` > 0:
    groups of about ``size`` neighbouring tables of one zone (tables
    are listed in floor order, so joinable tables mostly fall in one group) with their
    parties and every party not seated; ``shift`` moves the group boundaries by half a
    group so a join cut in one sweep is whole in the next. 0: two whole zones at a time.
    -1: the whole floor over a slice of the evening (parties arriving in it)."""
    if size < 0:
        return _time_slices(index, shift=shift)
    by_zone: dict[str, list[int]] = {}
    for number, table_id in sorted(enumerate(index.table_ids), key=lambda p: _natural(p[1])):
        by_zone.setdefault(index.floor.tables[table_id].zone, []).append(number)
    if size == 0:  # two whole rooms: lets a party change rooms to free a table for another
        rooms = list(by_zone.values())
        groups = [a + b for i, a in enumerate(rooms) for b in rooms[i + 1:]
                  if len(a) + len(b) <= ROOMS_TABLES] or rooms
    else:
        groups = []
        for members in by_zone.values():
            cut = size // 2 if shift and len(members) > size else 0
            if cut:
                groups.append(members[:cut])
            groups.extend(members[i:i + size] for i in range(cut, len(members), size))
    # The parties free to move are read from the plan as it stands when each group's turn
    # comes (an earlier group of the sweep may have moved some).
    return [(tables, []) for tables in groups]


def _time_slices(index: DayIndex, *, shift: bool) -> list[Neighbourhood]:
    """Slices of arrival times holding about ``SLICE_PAIRS`` (booking, option) pairs."""
    order = sorted((b for b in range(index.size) if not index.locked[b]),
                   key=lambda b: index.start[b])
    slices: list[list[int]] = [[]]
    pairs = 0
    for b in order:
        pairs += len(index.choices[b])
        slices[-1].append(b)
        if pairs >= SLICE_PAIRS:
            slices.append([])
            pairs = 0
    slices = [s for s in slices if s]
    if shift and len(slices) > 1:  # overlapping halves, so a slice edge moves
        halves = [s[len(s) // 2:] + n[:len(n) // 2] for s, n in pairwise(slices)]
        slices = halves
    return [(None, s) for s in slices]


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    """``T2`` before ``T10``."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", key))


def _construct(index: DayIndex, *, covers_first: bool) -> tuple[Seating, list[float]]:
    """A start guided by the table-kind relaxation, and how surely it seats each party."""
    shares, ranked = lp.guide(index, covers_first=covers_first)

    def order_key(b: int) -> tuple[int, float, int, int, int]:
        sure = shares[b] > 0.99
        band = 0 if sure else 1 if shares[b] > 0.01 else 2
        # Sure parties by arrival time (packs tables tightly), the doubtful by how sure.
        return (band, index.start[b] if sure else -shares[b], index.start[b],
                -index.party[b], b)

    doubtful = {b for b in range(index.size) if shares[b] <= 0.01}
    return repair.construct(index, sorted(range(index.size), key=order_key), ranked=ranked,
                            doubtful=doubtful), shares


def _better(a: Seating, b: Seating) -> bool:
    return (a.covers(), -a.price()) > (b.covers(), -b.price())


def _covers(index: DayIndex, seat_of: tuple[int, ...]) -> int:
    return sum(index.party[b] for b, s in enumerate(seat_of) if s != UNSEATED)


def _rank(index: DayIndex, seat_of: tuple[int, ...]) -> tuple[int, int]:
    """Plans compare by covers, then by the lower secondary price."""
    return _covers(index, seat_of), -_price(index, seat_of)


def _price(index: DayIndex, seat_of: tuple[int, ...]) -> int:
    return sum(index.price[b][index.choices[b].index(s)]
               for b, s in enumerate(seat_of) if s != UNSEATED)

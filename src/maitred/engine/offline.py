"""The whole day known at once (the nightly or on-demand re-plan): construct, then improve.

1. *Guide*: a small table-kind linear programme (:mod:`maitred.engine.lp`) says which
   parties a covers-maximal evening seats and at which kind of table.
2. *Construct*: seat those parties by arrival time on the kinds the guide chose, then the
   rest, each with short ejection chains (:mod:`maitred.engine.repair`); two guides (strict
   covers-first and price-aware) give two starts, the better one is kept.
3. *Improve*: offer every party left out a deeper chain or a trade against smaller parties.
4. *Prove*: the exact set-packing model (:mod:`maitred.engine.solver`) on the whole day when
   it is small enough to solve within the time limit, otherwise zone by zone (a large
   neighbourhood search: one zone's tables and every party not yet seated), always starting
   from the best plan so far, so the answer never gets worse than the construction.

Time: the caller gives a budget in seconds; ``clock`` measures it (``time.perf_counter`` in
practice, injected so the engine stays free of hidden clocks and tests can fake it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from maitred.engine import lp, repair, solver
from maitred.engine.dayindex import DayIndex
from maitred.engine.repair import UNSEATED, Seating

# Above this many (booking, option) pairs the whole-day model spends its budget in presolve;
# zone-sized neighbourhoods are solved instead.
WHOLE_DAY_PAIRS = 16_000


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

    best: Seating | None = None
    for covers_first in (True, False):
        if best is not None and left() < 0.5 * time_limit:
            break
        seating = _construct(index, covers_first)
        if best is None or _better(seating, best):
            best = seating
    assert best is not None
    construct_covers = best.covers()
    repair.improve(best, rounds=2, tries=60)
    seat_of = tuple(best.seat_of)

    pairs = sum(len(c) for b, c in enumerate(index.choices) if not index.locked[b])
    status, bound, rounds = "HEURISTIC", None, 0
    if pairs <= WHOLE_DAY_PAIRS:
        if left() > 0.05:
            found = solver.solve(index, seat_of, time_limit=max(0.05, left() - 0.05))
            rounds = 1
            if (found.covers, -_price(index, found.seat_of)) >= \
                    (_covers(index, seat_of), -_price(index, seat_of)):
                seat_of = found.seat_of
            status, bound = found.status, found.covers_bound
        return OfflineResult(seat_of, status, bound, construct_covers, rounds)

    zones = sorted({index.floor.tables[t].zone for t in index.table_ids})
    tables_of = {z: [i for i, t in enumerate(index.table_ids)
                     if index.floor.tables[t].zone == z] for z in zones}
    # Biggest rooms first: they decide the most covers.
    zones.sort(key=lambda z: -len(tables_of[z]))
    improved = True
    while improved and left() > 0.3:
        improved = False
        for zone in zones:
            budget = left()
            if budget < 0.3:
                break
            inside = set(tables_of[zone])
            free = [b for b, s in enumerate(seat_of) if not index.locked[b] and (
                s == UNSEATED or inside.issuperset(index.seats[s].tables))]
            found = solver.solve(index, seat_of, time_limit=min(budget - 0.1, 1.5),
                                 free=free, tables=tables_of[zone], light=True)
            rounds += 1
            if (found.covers, -_price(index, found.seat_of)) > \
                    (_covers(index, seat_of), -_price(index, seat_of)):
                improved = improved or found.covers > _covers(index, seat_of)
                seat_of = found.seat_of
    return OfflineResult(seat_of, "NEIGHBOURHOOD", None, construct_covers, rounds)


def _construct(index: DayIndex, covers_first: bool) -> Seating:
    shares, ranked = lp.guide(index, covers_first=covers_first)

    def order_key(b: int) -> tuple[int, float, int, int, int]:
        sure = shares[b] > 0.99
        band = 0 if sure else 1 if shares[b] > 0.01 else 2
        # Sure parties by arrival time (packs tables tightly), the doubtful by how sure.
        return (band, index.start[b] if sure else -shares[b], index.start[b],
                -index.party[b], b)

    return repair.construct(index, sorted(range(index.size), key=order_key), ranked=ranked)


def _better(a: Seating, b: Seating) -> bool:
    return (a.covers(), -a.price()) > (b.covers(), -b.price())


def _covers(index: DayIndex, seat_of: tuple[int, ...]) -> int:
    return sum(index.party[b] for b, s in enumerate(seat_of) if s != UNSEATED)


def _price(index: DayIndex, seat_of: tuple[int, ...]) -> int:
    return sum(index.price[b][index.choices[b].index(s)]
               for b, s in enumerate(seat_of) if s != UNSEATED)

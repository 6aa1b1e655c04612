"""What a table is worth at each moment of the evening, for the host taking bookings.

Revenue managers call it a *bid price*: the covers a seat is expected to bring later if it
is kept free now. A party is worth taking when its covers pay at least the bid prices of
the table time it would use. The prices come from the duals of the table-kind linear
programme (:mod:`maitred.engine.lp`) over the promises already made plus the demand still
expected: the bookings seen so far, repeated ``future`` times over (parties book in a
random order of their dining times, so what came so far is the best guess of what is still
to come). ``future`` follows from the floor: a restaurant expects about ``expected_load``
of its seat-minutes to be asked for in a day; what has not been asked for yet is still to
come. Nothing here looks at a booking that has not arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from maitred.engine.dayindex import DayIndex


@dataclass(frozen=True, slots=True)
class BidPrices:
    """Dual price per (table kind, arrival moment); ``cost`` prices one seating."""

    kind_of: tuple[int, ...]
    moments: tuple[int, ...]
    price: tuple[tuple[float, ...], ...]  # [kind][moment]

    def cost(self, index: DayIndex, booking: int, seat: int) -> float:
        start, end = index.start[booking], index.end[booking]
        total = 0.0
        for table in index.seats[seat].tables:
            row = self.price[self.kind_of[table]]
            for i, moment in enumerate(self.moments):
                if start <= moment < end:
                    total += row[i]
        return total


def table_kinds(index: DayIndex) -> tuple[tuple[int, ...], list[int]]:
    """Kind number per table (same zone and seat range), and how many tables each kind has."""
    kinds: dict[tuple[str, int, int], int] = {}
    kind_of = []
    for table_id in index.table_ids:
        table = index.floor.tables[table_id]
        kind_of.append(kinds.setdefault((table.zone, table.min_party, table.max_party),
                                        len(kinds)))
    count = [0] * len(kinds)
    for k in kind_of:
        count[k] += 1
    return tuple(kind_of), count


def future_share(index: DayIndex, seen: Sequence[int], expected_load: float) -> float:
    """How many more times the demand seen so far is still expected to come."""
    if not seen:
        return 0.0
    seats = sum(index.floor.tables[t].max_party for t in index.table_ids)
    span = max(index.end[b] for b in seen) - min(index.start[b] for b in seen)
    asked = sum(index.party[b] * (index.end[b] - index.start[b]) for b in seen)
    if asked <= 0:
        return 0.0
    return max(0.0, expected_load * seats * span - asked) / asked


def bid_prices(index: DayIndex, promised: Sequence[int], seen: Sequence[int],
               future: float, weights: Sequence[float] | None = None) -> BidPrices | None:
    """Duals of the relaxed evening: ``promised`` parties seated for sure, and every
    ``seen`` booking coming again up to ``future`` times, all competing for table kinds."""
    kind_of, count = table_kinds(index)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    objective = lp.Objective()
    objective.SetMaximization()
    moments = sorted({index.start[b] for b in seen} | {index.start[b] for b in promised})
    usage: list[dict[int, list[tuple[pywraplp.Variable, int]]]] = [{} for _ in count]
    sure = set(promised)
    classes_of: dict[tuple[int, ...], set[tuple[int, ...]]] = {}
    weight_of = dict(zip(seen, weights, strict=True)) if weights is not None else {}
    for b in [*promised, *(b for b in seen if future > 0)]:
        choices = index.choices[b]
        if choices not in classes_of:  # parties of one size share their table kinds
            classes_of[choices] = {tuple(sorted(kind_of[t] for t in index.seats[s].tables))
                                   for s in choices}
        if b in sure:
            row = lp.Constraint(1.0, 1.0)
            sure.discard(b)  # a promised party also appears among the seen: price it once
        else:
            row = lp.Constraint(0.0, future * weight_of.get(b, 1.0))
        present = [m for m in moments if index.start[b] <= m < index.end[b]]
        for key in classes_of[choices]:
            var = lp.NumVar(0.0, pywraplp.Solver.infinity(), "")
            row.SetCoefficient(var, 1.0)
            objective.SetCoefficient(var, float(index.party[b]))
            for kind in set(key):
                for m in present:
                    usage[kind].setdefault(m, []).append((var, key.count(kind)))
    rows: dict[tuple[int, int], pywraplp.Constraint] = {}
    for kind, at in enumerate(usage):
        for moment, terms in at.items():
            row = lp.Constraint(0.0, float(count[kind]))
            for var, taken in terms:
                row.SetCoefficient(var, float(taken))
            rows[kind, moment] = row
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    price = tuple(tuple(max(0.0, rows[k, m].dual_value()) if (k, m) in rows else 0.0
                        for m in moments) for k in range(len(count)))
    return BidPrices(kind_of, tuple(moments), price)

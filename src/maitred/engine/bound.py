"""How many covers the day could seat at best, and which seatings an optimal day can use.

The linear relaxation of the whole-day set-packing model (one row per booking, one
``AtMostOne`` row per table per arrival time: the cliques of the interval graph) is tight
on restaurant days: its value is within a cover of the true optimum. Solved once with GLOP
it gives two things the exact search needs:

- a *proven ceiling* on covers. It is computed from the dual prices by weak duality
  (prices clipped to be non-negative, every seating's reduced profit counted), so it is a
  valid bound even when the LP solver's answer is slightly off;
- a *guide*: how much the relaxation seats each party, and where. Booking by booking
  it is nearly whole (a few dozen parties of hundreds are in doubt), so it says well which
  parties a full evening leaves out, and rounding it gives a good start.

The reduced profit of every seating is kept too (``profits``): a plan seating ``target``
covers can use no seating whose loss exceeds ``ceiling - target`` (reduced-cost fixing).
On these days the relaxation is so degenerate that this rules out only a fifth of the
pairs at a margin of zero, so the offline search does not use it yet.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ortools.linear_solver import linear_solver_pb2, pywraplp

from maitred.engine.dayindex import DayIndex

Key = TypeVar("Key")

# Tolerance on the LP's arithmetic when comparing a reduced profit with the margin.
EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The covers ceiling of the day and every open seating's reduced profit."""

    ceiling: float  # proven: no plan seats more covers (locked parties included)
    locked_covers: int
    # (booking, option, reduced profit) for every open pair the LP saw.
    profits: tuple[tuple[int, int, float], ...]
    # The relaxation's value of each of those pairs (0..1), same order: a guide.
    shares: tuple[float, ...]

    @property
    def covers_bound(self) -> int:
        return int(self.ceiling + EPSILON)


def relax(index: DayIndex, *, tidiness: float = 0.0,
          time_limit: float | None = None) -> Relaxation | None:
    """Solve the relaxation of the day; ``None`` if GLOP gives no answer.

    ``tidiness`` (>= 0) takes that much of each seating's secondary price off its covers:
    the relaxation then prefers snug tables and its answer is far closer to whole numbers
    (a better guide). The ceiling and the reduced profits stay valid bounds on covers: the
    largest price anyone could pay is added back. ``time_limit`` (seconds) caps GLOP."""
    party, start, end = index.party, index.start, index.end
    held: list[list[tuple[int, int]]] = [[] for _ in index.table_ids]
    locked_covers = 0
    for b in range(index.size):
        if index.locked[b]:
            locked_covers += party[b]
            for table in index.seats[index.choices[b][0]].tables:
                held[table].append((start[b], end[b]))

    # The model is written as one protocol buffer (whole rows at a time) and loaded in one
    # call: adding tens of thousands of coefficients one by one through the solver's
    # Python wrapper took as long as GLOP's solve.
    model = linear_solver_pb2.MPModelProto(maximize=True)
    pairs: list[tuple[int, int]] = []
    coefficients: list[float] = []
    on_table: list[list[tuple[int, int, int]]] = [[] for _ in index.table_ids]
    rows: list[list[int]] = []  # per row, the pairs in it
    rows_of: list[list[int]] = []  # per pair, the rows it sits in
    for b in range(index.size):
        if index.locked[b]:
            continue
        mine: list[int] = []
        for rank, seat in enumerate(index.choices[b]):
            used = index.seats[seat].tables
            if any(s < end[b] and start[b] < e for t in used for s, e in held[t]):
                continue  # a locked party sits there
            coefficients.append(party[b] - tidiness * index.price[b][rank])
            rows_of.append([len(rows)])
            mine.append(len(pairs))
            for t in used:
                on_table[t].append((start[b], end[b], len(pairs)))
            pairs.append((b, seat))
        rows.append(mine)
    for members in on_table:
        for clique in maximal_cliques(members):
            if len(clique) < 2:
                continue
            for j in clique:
                rows_of[j].append(len(rows))
            rows.append(clique)
    model.variable.extend(
        linear_solver_pb2.MPVariableProto(lower_bound=0.0, upper_bound=1.0,
                                          objective_coefficient=c) for c in coefficients)
    model.constraint.extend(
        linear_solver_pb2.MPConstraintProto(lower_bound=0.0, upper_bound=1.0, var_index=row,
                                            coefficient=[1.0] * len(row)) for row in rows)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None or lp.LoadModelFromProto(model):  # pragma: no cover - GLOP ships with OR-Tools
        return None
    if time_limit is not None:
        lp.SetTimeLimit(max(1, int(time_limit * 1000)))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    # Weak duality with the prices made valid by hand: any y >= 0 bounds the optimum by
    # sum(y) + sum(max(0, reduced profit)).
    price = [max(0.0, row.dual_value()) for row in lp.constraints()]
    profits = []
    ceiling = sum(price)
    for j, (b, seat) in enumerate(pairs):
        profit = coefficients[j] - sum(price[r] for r in rows_of[j])
        ceiling += max(0.0, profit)
        profits.append((b, seat, profit))
    # A plan's covers exceed its tidied value by its price, at most everyone's worst price.
    ceiling += tidiness * sum(max(index.price[b], default=0) for b in range(index.size)
                              if not index.locked[b])
    return Relaxation(ceiling + locked_covers, locked_covers, tuple(profits),
                      tuple(var.solution_value() for var in lp.variables()))


def maximal_cliques(parties: list[tuple[int, int, Key]]) -> list[list[Key]]:
    """The (start, end, key) parties present together at one table at each arrival time,
    keeping only the sets not contained in the next one (nobody left before it)."""
    if not parties:
        return []
    # Sorted by time only: the keys (ints, solver variables) need not be comparable.
    parties = sorted(parties, key=lambda p: (p[0], p[1]))
    arrivals = sorted({p[0] for p in parties})
    found: list[list[Key]] = []
    present: list[tuple[int, int, Key]] = []
    cursor = 0
    for i, moment in enumerate(arrivals):
        present = [p for p in present if p[1] > moment]
        while cursor < len(parties) and parties[cursor][0] == moment:
            present.append(parties[cursor])
            cursor += 1
        following = arrivals[i + 1] if i + 1 < len(arrivals) else None
        if following is not None and min(p[1] for p in present) > following:
            continue  # everyone present now is still here at the next arrival
        found.append([p[2] for p in present])
    return found

"""Is this party worth a yes: the evening's expected covers with it and without it.

When a booking arrives, the host compares two evenings, each relaxed to a small linear
programme over *table kinds* (zone and seat range, :func:`maitred.engine.bidprice.
table_kinds`: a party mostly cares about the kind, not the table, and on identical tables
"no more parties at each moment than tables" is exactly what a plan needs):

- the parties already promised, seated for sure, plus the demand still expected;
- the same, with the newcomer seated for sure as well.

The newcomer is taken when the second evening's covers (its own included) are at least
the first's minus ``slack``: it then costs the later parties no more covers than it
brings. This is the expected-value test of scenario-based online optimisation with the
expected future as its one scenario, solved as a relaxation. Compared with pricing the
newcomer's table time by the first evening's dual prices (:mod:`maitred.engine.bidprice`),
the difference of values sees the whole block of table time a party takes, not a marginal
price degenerate at every moment: with the true rest of the day as the expected demand,
the value test seats about 0.96 of the reference on the hardest shared days, the dual
prices 0.90.

The expected demand is given by the caller as (booking, weight) pairs: parties like those
already seen, each expected ``weight`` more times. Parties alike (same seats, same
times) share one row, so the programme stays small on a 150-table floor. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from maitred.engine.bidprice import table_kinds
from maitred.engine.dayindex import DayIndex

# Demand rows smaller than this are dropped (they cannot change a decision).
NEGLIGIBLE = 1e-6



@dataclass(frozen=True, slots=True)
class Party:
    """A party as the relaxation sees it: the options it may use (sorted), its window in
    minutes and its covers. Parties alike share one row of the programme."""

    options: tuple[int, ...]
    start: int
    end: int
    size: int


def party_of(index: DayIndex, b: int) -> Party:
    # Sorted: two parties of one size list the same options in their own preference order.
    return Party(tuple(sorted(index.choices[b])), index.start[b], index.end[b], index.party[b])


def value_of_accepting(index: DayIndex, promised: Sequence[int], newcomer: int,
                       expected: Sequence[tuple[Party, float]],
                       volumes: Sequence[float] = (1.0,)) -> list[float] | None:
    """Relaxed covers of the evening with ``newcomer`` seated minus without it (its own
    covers included), once per volume; ``None`` if the solver gives no answer.

    ``expected``: the parties still expected, each with how many of it are expected (any
    non-negative number); ``volumes``: scenarios of the demand still to come, as
    multiples of ``expected`` (the programme is built once and re-solved per volume)."""
    kind_of, count = table_kinds(index)
    sure: dict[Party, float] = {}
    maybe: dict[Party, float] = {}
    for b in promised:
        key = party_of(index, b)
        sure[key] = sure.get(key, 0.0) + 1.0
    for key, weight in expected:
        if weight > NEGLIGIBLE:
            maybe[key] = maybe.get(key, 0.0) + weight
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    objective = lp.Objective()
    objective.SetMaximization()
    rows = [(key, n, n) for key, n in sure.items()] + \
        [(key, 0.0, n) for key, n in maybe.items()] + [(party_of(index, newcomer), 0.0, 0.0)]
    moments = sorted({key.start for key, _, _ in rows})
    usage: list[dict[int, list[tuple[pywraplp.Variable, int]]]] = [{} for _ in count]
    classes_of: dict[tuple[int, ...], set[tuple[int, ...]]] = {}
    demand_rows: list[tuple[pywraplp.Constraint, float]] = []
    newcomer_row = None
    for number, (key, low, high) in enumerate(rows):
        if key.options not in classes_of:  # parties of one size share their table kinds
            classes_of[key.options] = {tuple(sorted(kind_of[t] for t in index.seats[s].tables))
                                       for s in key.options}
        row = lp.Constraint(low, high)
        if len(sure) <= number < len(rows) - 1:
            demand_rows.append((row, high))
        newcomer_row = row
        present = [m for m in moments if key.start <= m < key.end]
        for kinds in classes_of[key.options]:
            var = lp.NumVar(0.0, pywraplp.Solver.infinity(), "")
            row.SetCoefficient(var, 1.0)
            objective.SetCoefficient(var, float(key.size))
            for kind in set(kinds):
                for m in present:
                    usage[kind].setdefault(m, []).append((var, kinds.count(kind)))
    for kind, at in enumerate(usage):
        for terms in at.values():
            capacity = lp.Constraint(0.0, float(count[kind]))
            for var, taken in terms:
                capacity.SetCoefficient(var, float(taken))
    assert newcomer_row is not None  # the newcomer's row is always the last one
    values = []
    for volume in volumes:
        for row, high in demand_rows:
            row.SetBounds(0.0, high * volume)
        newcomer_row.SetBounds(0.0, 0.0)
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        without = objective.Value()
        newcomer_row.SetBounds(1.0, 1.0)
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        values.append(float(objective.Value() - without))
    return values

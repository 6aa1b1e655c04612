"""Which parties a full evening should seat, estimated by a small linear programme.

A restaurant's tables come in a few kinds (zone, seat range); a party mostly cares about
the kind, not the exact table. Counting tables per kind at every arrival time gives a
linear programme a hundred times smaller than the exact one, solved by GLOP in a fraction
of a second. Its answer ``y[b]`` (0..1) says how much booking ``b`` belongs in a covers-
maximal evening; seating parties in decreasing ``y`` order packs the day far better than
taking them by arrival time. It is a guide for the construction, never a proof.
"""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from maitred.engine.bidprice import table_kinds
from maitred.engine.dayindex import DayIndex


def guide(index: DayIndex, *, covers_first: bool = True,
          ) -> tuple[list[float], list[tuple[int, ...]]]:
    """``y[b]``, how much each booking is seated in the relaxed evening (1.0 = surely), and
    each booking's options re-ranked: the kinds of table the relaxation gave it first.

    ``covers_first`` weighs one cover above any secondary price; otherwise one cover is
    worth just more than one booking's worst price, which steers the relaxation towards
    tidier seatings (two differently shaped starts for the construction)."""
    kind_of, count = table_kinds(index)

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
        return [1.0] * index.size, list(index.choices)
    objective = lp.Objective()
    objective.SetMaximization()
    worst = [max(p, default=0) for p in index.price]
    weight = 1 + (sum(worst) if covers_first else max(worst, default=0))
    arrivals = sorted(set(index.start))
    # usage[kind][arrival] -> list of (variable, tables of that kind it takes)
    usage: list[dict[int, list[tuple[pywraplp.Variable, int]]]] = [{} for _ in count]
    per_booking: list[dict[tuple[int, ...], pywraplp.Variable]] = []
    class_of: list[list[tuple[int, ...]]] = []
    for b in range(index.size):
        classes: dict[tuple[int, ...], int] = {}
        keys = []
        for seat, price in zip(index.choices[b], index.price[b], strict=True):
            key = tuple(sorted(kind_of[t] for t in index.seats[seat].tables))
            keys.append(key)
            classes[key] = min(price, classes.get(key, price))
        class_of.append(keys)
        row = lp.Constraint(1.0 if index.locked[b] else 0.0, 1.0)
        mine: dict[tuple[int, ...], pywraplp.Variable] = {}
        present = [a for a in arrivals if index.start[b] <= a < index.end[b]]
        for key, price in classes.items():
            var = lp.NumVar(0.0, 1.0, "")
            mine[key] = var
            row.SetCoefficient(var, 1.0)
            objective.SetCoefficient(var, weight * index.party[b] - price)
            for kind in set(key):
                taken = key.count(kind)
                for a in present:
                    usage[kind].setdefault(a, []).append((var, taken))
        per_booking.append(mine)
    for kind, moments in enumerate(usage):
        for terms in moments.values():
            if sum(n for _, n in terms) <= count[kind]:
                continue  # can never bind
            row = lp.Constraint(0.0, float(count[kind]))
            for var, taken in terms:
                row.SetCoefficient(var, float(taken))
    if lp.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return [1.0] * index.size, list(index.choices)
    seated = [sum(v.solution_value() for v in mine.values()) for mine in per_booking]
    ranked = []
    for b, mine in enumerate(per_booking):
        value = {key: var.solution_value() for key, var in mine.items()}
        # Stable sort: within a kind the cheapest option stays first.
        keys = class_of[b]
        order = sorted(range(len(keys)), key=lambda i: -round(value[keys[i]], 2))
        ranked.append(tuple(index.choices[b][i] for i in order))
    return seated, ranked

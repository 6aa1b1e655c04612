"""The exact day plan: a set-packing model solved by OR-Tools CP-SAT within a time limit.

One yes/no decision per (booking, option it may use). A table can hold one party at a
time; on an interval graph that is exactly "at most one of the parties present at each
moment a party arrives" — one ``AtMostOne`` per table per arrival time (the maximal cliques
of the interval graph). That model's LP relaxation is tight for restaurant days, so CP-SAT
proves the covers optimal quickly, where a scheduling model (optional intervals with
``NoOverlap``) keeps a large gap.

Objective, lexicographic through one weight: covers first, then the secondary price
(empty seats, joined tables, missed preferences) of :mod:`maitred.engine.dayindex`.

CP-SAT measures its own time; the limit given here is its wall-clock budget. This module
does no I/O and reads no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from maitred.engine.bound import maximal_cliques
from maitred.engine.dayindex import DayIndex
from maitred.engine.repair import UNSEATED

# The machine is shared: two search workers is the most a day plan may take.
WORKERS = 2


@dataclass(frozen=True, slots=True)
class Solution:
    """What the solver found: an option per booking (or ``UNSEATED``) and its proof state."""

    seat_of: tuple[int, ...]
    status: str
    covers: int
    covers_bound: int
    solver_seconds: float
    variables: int
    cliques: int


def solve(
    index: DayIndex,
    hint: Sequence[int],
    *,
    time_limit: float,
    deterministic: bool = False,
    must_seat: Sequence[int] = (),
    free: Sequence[int] | None = None,
    tables: Sequence[int] | None = None,
    light: bool = False,
    workers: int = WORKERS,
    prices: Sequence[Sequence[int]] | None = None,
) -> Solution:
    """Best plan CP-SAT finds within ``time_limit`` seconds, starting from ``hint``.

    ``must_seat`` bookings are seated in any answer (the online host's promises);
    locked bookings keep their one option. With ``deterministic`` the limit is CP-SAT's
    deterministic time, so the same input always gives the same plan (online mode needs
    that: a decision must not depend on machine load).

    A *neighbourhood* solve (large neighbourhood search): only the ``free`` bookings may
    change, and only onto options made of ``tables``; everyone else keeps the seat the
    hint gives them and blocks it. ``workers`` (at most ``WORKERS``): one suits a small
    neighbourhood, whose answer then depends on nothing but the input and the time limit.
    ``prices``: secondary prices to use instead of the index's (same shape), e.g. noisy
    ones that steer the solver to another plan of as many covers.
    """
    model = cp_model.CpModel()
    party, start, end = index.party, index.start, index.end
    must = set(must_seat)
    price_of = index.price if prices is None else prices
    weight = 1 + sum(max(mine, default=0) for mine in price_of)

    movable = [False] * index.size
    for b in range(index.size) if free is None else free:
        movable[b] = not index.locked[b]
    # Options made of the neighbourhood's tables (all of them when it has none).
    allowed = set(tables) if tables is not None else None
    within = [allowed is None or allowed.issuperset(seat.tables) for seat in index.seats]
    # Fixed bookings (locked, or outside the neighbourhood) keep their tables.
    held: list[list[tuple[int, int]]] = [[] for _ in index.table_ids]
    for b in range(index.size):
        seat = index.choices[b][0] if index.locked[b] else hint[b]
        if not movable[b] and seat != UNSEATED:
            for table in index.seats[seat].tables:
                held[table].append((start[b], end[b]))

    decisions: dict[tuple[int, int], cp_model.IntVar] = {}
    on_table: list[list[tuple[int, int, cp_model.IntVar]]] = [[] for _ in index.table_ids]
    objective = []
    for b in range(index.size):
        if not movable[b]:
            continue
        mine = []
        for seat, price in zip(index.choices[b], price_of[b], strict=True):
            if not within[seat]:
                continue
            used = index.seats[seat].tables
            if any(s < end[b] and start[b] < e for t in used for s, e in held[t]):
                continue
            var = model.new_bool_var(f"b{b}s{seat}")
            decisions[b, seat] = var
            mine.append(var)
            objective.append((weight * party[b] - price, var))
            for t in used:
                on_table[t].append((start[b], end[b], var))
        if b in must:
            model.add_exactly_one(mine)
        elif len(mine) > 1:
            model.add_at_most_one(mine)

    cliques = 0
    for parties in on_table:
        for clique in maximal_cliques(parties):
            if len(clique) > 1:
                model.add_at_most_one(clique)
                cliques += 1

    model.maximize(cp_model.LinearExpr.weighted_sum([v for _, v in objective],
                                                    [c for c, _ in objective]))
    for (b, seat), var in decisions.items():
        model.add_hint(var, hint[b] == seat)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1 if deterministic else min(workers, WORKERS)
    if deterministic:
        params.max_deterministic_time = time_limit
    else:
        params.max_time_in_seconds = time_limit
    params.random_seed = 7
    if light:
        # Stop once the bound is within a cover of the best found: proving the tidiest
        # seating of a small neighbourhood is not worth the time the next one needs. It
        # may stop while a cover more at a higher price is still possible; a stop that
        # rules that out (gap weight - 1 - the free parties' highest prices) made each
        # solve slower and gained no covers (docs/decisions.md, offline search).
        params.absolute_gap_limit = weight - 1
        params.symmetry_level = 0
        params.cp_model_probing_level = 0
        params.max_presolve_iterations = 1
    status = solver.solve(model)

    fixed_covers = sum(party[b] for b in range(index.size)
                       if not movable[b] and (index.locked[b] or hint[b] != UNSEATED))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        seat_of = tuple(hint)
        covers = sum(party[b] for b, s in enumerate(seat_of) if s != UNSEATED)
        bound = covers if status == cp_model.INFEASIBLE else sum(party)
        return Solution(seat_of, solver.status_name(status), covers, bound,
                        solver.wall_time, len(decisions), cliques)
    seat_list = list(hint)
    for b in range(index.size):
        if index.locked[b]:
            seat_list[b] = index.choices[b][0]
        elif movable[b]:
            seat_list[b] = UNSEATED
    for (b, seat), var in decisions.items():
        if solver.boolean_value(var):
            seat_list[b] = seat
    covers = sum(party[b] for b, s in enumerate(seat_list) if s != UNSEATED)
    # Prices are >= 0 and sum below ``weight``, so the bound on covers is the ceiling.
    bound = fixed_covers + int((solver.best_objective_bound + weight - 1) // weight)
    return Solution(tuple(seat_list), solver.status_name(status), covers, max(covers, bound),
                    solver.wall_time, len(decisions), cliques)

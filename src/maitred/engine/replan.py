"""The bounded re-plan: the best day reachable from the current one in a few moves.

The optimizer (issue 6) and ``maitred bench optimize`` both call :func:`replan`. Given the
floor, the day's bookings, the plan as it stands and a budget of ``max_moves``, it returns
the plan seating the most covers that differs from the current one in at most
``max_moves`` bookings. A *move* is a seated booking put on other tables, or a waiting
booking newly seated.

Rules it keeps, whatever the budget:

- a booking with ``locked_tables`` (staff placed it, the guests sit there, or it is a
  placeholder for a busy table) and every booking named in ``fixed`` keep their tables;
- a booking seated now stays seated: the re-plan may move it, never drop it (a yes given
  to a guest is a promise);
- a seated booking whose current tables are not one of its seating options (staff placed
  it on an odd set) keeps them.

The model is the exact set-packing model of :mod:`maitred.engine.solver` (one yes/no
per (booking, option), one ``AtMostOne`` per table per arrival time) with, per booking, a
``changed`` literal (off its current option, or newly seated) and
``sum(changed) <= max_moves``. The objective is lexicographic through one weight: covers
first, then fewer moves. CP-SAT starts from the current plan (a hint that is always
feasible) and its bound gives the optimality gap of the bounded problem.

Large days are kept to a few seconds by leaving out the options that cannot matter: a
waiting party's options are all kept, but a seated party may move only to options whose
tables someone it could make room for (a waiting party, or a seated party already in
the model) could use, widened twice. On the 60-table shared days this keeps every
option the best 20-move plans used while cutting the model by more than half.

Pure: no I/O, no clock (CP-SAT measures its own time budget).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from maitred.engine.booking import Booking
from maitred.engine.bound import maximal_cliques
from maitred.engine.dayindex import DayIndex
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy
from maitred.engine.repair import UNSEATED

# Two search workers at most: the machine is shared (as in solver.py).
WORKERS = 2
# Above this many (booking, option) pairs the model is narrowed (see the docstring).
NARROW_PAIRS = 3_000
# Narrowing keeps the pairs the LP relaxation uses or whose reduced profit is within this
# many covers of zero; LP_MOVE_COST (covers) makes moving cost something in the LP.
FIRST_PAIRS = 1_000
SECOND_PAIRS = 2_500
LP_MOVE_COST = 0.01
# Share of the budget the first (LP-support) model may take, and the least time worth
# giving the wider second one.
FIRST_SHARE = 0.6
MIN_SECOND_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Replan:
    """The re-planned day: tables of every seated booking and which bookings changed."""

    assignments: Mapping[str, tuple[str, ...]]
    moved: tuple[str, ...]           # seated elsewhere or newly seated, in booking order
    covers_before: int
    covers_after: int
    status: str                      # CP-SAT's status, or ``UNCHANGED`` (nothing to do)
    covers_bound: int | None         # most covers any plan within ``max_moves`` could seat
    variables: int
    solver_seconds: float

    @property
    def gap(self) -> float | None:
        """(bound - covers) / bound, as the engine reports it; None without a bound."""
        if self.covers_bound is None:
            return None
        return round((self.covers_bound - self.covers_after) / self.covers_bound, 4) \
            if self.covers_bound else 0.0


def replan(
    floor: Floor,
    bookings: Sequence[Booking],
    policy: Policy,
    current: Mapping[str, Sequence[str]],
    *,
    max_moves: int,
    time_limit: float,
    fixed: Collection[str] = (),
) -> Replan:
    """The best plan within ``max_moves`` of ``current``; see the module docstring.

    ``current`` maps booking id to its tables now (absent or empty: waiting). Raises
    ``ValueError`` for a negative budget, a non-positive time limit, or a ``current`` or
    ``fixed`` naming a booking not in ``bookings``.
    """
    if max_moves < 0:
        raise ValueError("max_moves must be 0 or more")
    if time_limit <= 0:
        raise ValueError("time_limit must be positive")
    known = {b.id for b in bookings}
    strangers = sorted((set(current) | set(fixed)) - known)
    if strangers:
        raise ValueError(f"current or fixed name unknown bookings {strangers}")
    now = {b: tuple(sorted(t)) for b, t in current.items() if t}
    # First pass: which seated bookings sit on one of their own options.
    probe = DayIndex(floor, bookings, policy)
    pins: dict[str, tuple[str, ...]] = {}
    for number, booking in enumerate(probe.bookings):
        tables = now.get(booking.id)
        if booking.locked_tables is not None or not tables:
            continue
        if booking.id in fixed or _option_of(probe, number, tables) is None:
            pins[booking.id] = tables
    index = DayIndex(floor, bookings, policy, pins) if pins else probe
    hint = [UNSEATED] * index.size
    for number, booking in enumerate(index.bookings):
        tables = now.get(booking.id) or (booking.locked_tables or ())
        if index.locked[number]:
            hint[number] = index.choices[number][0]
        elif tables:
            seat = _option_of(index, number, tables)
            assert seat is not None  # pinned above otherwise
            hint[number] = seat
    covers_before = sum(index.party[b] for b, s in enumerate(hint) if s != UNSEATED
                        and not _placeholder(index, b, now))
    movable = [b for b in range(index.size) if not index.locked[b]]
    if max_moves == 0 or not any(hint[b] == UNSEATED for b in movable):
        # Nothing waits: covers cannot grow, and tidying alone is not worth a move.
        return _answer(index, hint, hint, now, covers_before, "UNCHANGED",
                       covers_before, 0, 0.0)
    found = _best_within(index, hint, movable, max_moves, time_limit)
    covers_bound = None if found.covers_bound is None \
        else found.covers_bound - _placeholder_covers(index, now)
    return _answer(index, hint, found.seat_of, now, covers_before, found.status,
                   covers_bound, found.variables, found.seconds)


def _option_of(index: DayIndex, booking: int, tables: Sequence[str]) -> int | None:
    wanted = set(tables)
    for seat in index.choices[booking]:
        if {index.table_ids[t] for t in index.seats[seat].tables} == wanted:
            return seat
    return None


def _placeholder(index: DayIndex, booking: int, now: Mapping[str, tuple[str, ...]]) -> bool:
    """A locked booking with no current plan entry stands for a busy table, not a party
    the caller counts (the service's blockers); locked parties in ``current`` count."""
    return index.locked[booking] and index.bookings[booking].id not in now


def _placeholder_covers(index: DayIndex, now: Mapping[str, tuple[str, ...]]) -> int:
    return sum(index.party[b] for b in range(index.size) if _placeholder(index, b, now))


def _options(index: DayIndex, hint: Sequence[int], movable: Sequence[int],
             held: Sequence[Sequence[tuple[int, int]]]) -> dict[int, list[int]]:
    """Per movable booking, its options clear of every locked party (its current one
    always included)."""
    end, start = index.end, index.start
    options: dict[int, list[int]] = {}
    for b in movable:
        options[b] = [seat for seat in index.choices[b]
                      if seat == hint[b] or not any(
                          s < end[b] and start[b] < e for t in index.seats[seat].tables
                          for s, e in held[t])]
    return options


@dataclass(frozen=True, slots=True)
class _Relaxed:
    pairs: tuple[tuple[int, int], ...]
    values: tuple[float, ...]
    reduced: tuple[float, ...]
    covers_bound: float


def _relax(index: DayIndex, hint: Sequence[int], movable: Sequence[int],
           options: Mapping[int, list[int]], max_moves: int) -> _Relaxed | None:
    """The LP relaxation of the bounded problem (GLOP); None if it gives no answer."""
    party, start, end = index.party, index.start, index.end
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    objective = lp.Objective()
    objective.SetMaximization()
    pairs: list[tuple[int, int]] = []
    variables: list[pywraplp.Variable] = []
    on_table: list[list[tuple[int, int, int]]] = [[] for _ in index.table_ids]
    # sum(changed) <= max_moves, with changed = 1 - x[current] for a seated party and
    # sum(x) for a waiting one: the seated parties' constant 1 moves to the right side.
    seated = sum(1 for b in movable if hint[b] != UNSEATED)
    budget = lp.Constraint(-lp.infinity(), float(max_moves - seated))
    for b in movable:
        row = lp.Constraint(1.0 if hint[b] != UNSEATED else 0.0, 1.0)
        for seat in options[b]:
            var = lp.NumVar(0.0, 1.0, "")
            row.SetCoefficient(var, 1.0)
            stays = seat == hint[b]
            if hint[b] == UNSEATED:
                budget.SetCoefficient(var, 1.0)
            elif stays:
                budget.SetCoefficient(var, -1.0)
            objective.SetCoefficient(var, party[b] - (0.0 if stays else LP_MOVE_COST))
            for t in index.seats[seat].tables:
                on_table[t].append((start[b], end[b], len(pairs)))
            pairs.append((b, seat))
            variables.append(var)
    for members in on_table:
        for clique in maximal_cliques(members):
            if len(clique) > 1:
                row = lp.Constraint(0.0, 1.0)
                for j in clique:
                    row.SetCoefficient(variables[j], 1.0)
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    # Each move cost the LP at most LP_MOVE_COST: add it back for a bound on covers.
    ceiling = objective.Value() + LP_MOVE_COST * max_moves
    return _Relaxed(tuple(pairs), tuple(v.solution_value() for v in variables),
                    tuple(v.reduced_cost() for v in variables), ceiling)


def _narrowed(options: Mapping[int, list[int]], hint: Sequence[int], relaxed: _Relaxed,
              size: int) -> dict[int, list[int]]:
    """The pairs the LP uses, then the ``size`` best by reduced profit (those the LP
    nearly uses), and every party's current option."""
    ranked = sorted(range(len(relaxed.pairs)),
                    key=lambda j: (relaxed.values[j] <= 1e-6, -relaxed.reduced[j]))
    kept = {relaxed.pairs[j] for j in ranked[:size]}
    kept.update(pair for pair, value in zip(relaxed.pairs, relaxed.values, strict=True)
                if value > 1e-6)
    return {b: [s for s in mine if s == hint[b] or (b, s) in kept]
            for b, mine in options.items()}


@dataclass(frozen=True, slots=True)
class _Solved:
    seat_of: list[int]
    status: str
    covers_bound: int | None      # proven for the model solved (all options: the problem)
    variables: int
    seconds: float


def _solve(index: DayIndex, hint: Sequence[int], start_from: Sequence[int],
           movable: Sequence[int], options: Mapping[int, list[int]], max_moves: int,
           time_limit: float) -> _Solved:
    """CP-SAT on the bounded model over ``options``, hinted with ``start_from``."""
    party, start, end = index.party, index.start, index.end
    locked_covers = sum(party[b] for b in range(index.size) if index.locked[b])
    model = cp_model.CpModel()
    weight = max_moves + 1                # one cover outweighs every move the budget allows
    decisions: dict[tuple[int, int], cp_model.IntVar] = {}
    on_table: list[list[tuple[int, int, cp_model.IntVar]]] = [[] for _ in index.table_ids]
    terms: list[cp_model.LinearExprT] = []
    changed: list[cp_model.LinearExprT] = []
    for b in movable:
        mine = []
        for seat in options[b]:
            var = model.new_bool_var(f"b{b}s{seat}")
            decisions[b, seat] = var
            mine.append(var)
            terms.append(weight * party[b] * var)
            for t in index.seats[seat].tables:
                on_table[t].append((start[b], end[b], var))
        if hint[b] != UNSEATED:
            model.add_exactly_one(mine)   # seated now: stays seated
            if len(mine) > 1:
                changed.append(1 - decisions[b, hint[b]])
        elif mine:
            model.add_at_most_one(mine)
            changed.append(sum(mine))
    for parties in on_table:
        for clique in maximal_cliques(parties):
            if len(clique) > 1:
                model.add_at_most_one(clique)
    moves = cp_model.LinearExpr.sum(changed)
    if changed:
        model.add(moves <= max_moves)
    model.maximize(cp_model.LinearExpr.sum(terms) - moves)
    for (b, seat), var in decisions.items():
        model.add_hint(var, start_from[b] == seat)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = WORKERS
    params.max_time_in_seconds = max(0.05, time_limit)
    params.random_seed = 7
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved(list(start_from), solver.status_name(status), None, len(decisions),
                       solver.wall_time)
    seat_of = list(hint)
    for b in movable:
        seat_of[b] = UNSEATED
    for (b, seat), var in decisions.items():
        if solver.boolean_value(var):
            seat_of[b] = seat
    # objective = weight * covers - moves, moves <= max_moves: covers <= (bound + max) / w.
    bound = locked_covers + int((solver.best_objective_bound + max_moves) // weight)
    covers = sum(party[b] for b, s in enumerate(seat_of) if s != UNSEATED)
    return _Solved(seat_of, solver.status_name(status), max(bound, covers), len(decisions),
                   solver.wall_time)


def _best_within(index: DayIndex, hint: Sequence[int], movable: Sequence[int],
                 max_moves: int, time_limit: float) -> _Solved:
    """Small days: the whole bounded model. Large ones: first the pairs the LP uses (CP-SAT
    proves that small model in a second or two), then, with the time left and that answer
    as the start, a wider model (``WIDE_MARGIN``)."""
    held: list[list[tuple[int, int]]] = [[] for _ in index.table_ids]
    for b in range(index.size):
        if index.locked[b]:
            for t in index.seats[hint[b]].tables:
                held[t].append((index.start[b], index.end[b]))
    options = _options(index, hint, movable, held)
    if sum(len(v) for v in options.values()) <= NARROW_PAIRS:
        return _solve(index, hint, hint, movable, options, max_moves, time_limit)
    relaxed = _relax(index, hint, movable, options, max_moves)
    if relaxed is None:
        return _solve(index, hint, hint, movable, options, max_moves, time_limit)
    locked_covers = sum(index.party[b] for b in range(index.size) if index.locked[b])
    ceiling = locked_covers + int(relaxed.covers_bound + 1e-6)
    first = _solve(index, hint, hint, movable, _narrowed(options, hint, relaxed, FIRST_PAIRS),
                   max_moves, time_limit * FIRST_SHARE)
    best, seconds, variables = first.seat_of, first.seconds, first.variables
    status = "NARROWED_" + first.status

    def covers(seat_of: Sequence[int]) -> int:
        return sum(index.party[b] for b, s in enumerate(seat_of) if s != UNSEATED)

    left = time_limit - seconds
    if covers(best) < ceiling and left > MIN_SECOND_SECONDS:
        second = _solve(index, hint, best, movable,
                        _narrowed(options, hint, relaxed, SECOND_PAIRS), max_moves, left)
        seconds += second.seconds
        variables = max(variables, second.variables)
        if covers(second.seat_of) > covers(best):
            best, status = second.seat_of, "NARROWED_" + second.status
    return _Solved(best, status, max(ceiling, covers(best)), variables, seconds)


def _answer(index: DayIndex, hint: Sequence[int], seat_of: Sequence[int],
            now: Mapping[str, tuple[str, ...]], covers_before: int, status: str,
            covers_bound: int | None, variables: int, seconds: float) -> Replan:
    assignments: dict[str, tuple[str, ...]] = {}
    moved: list[str] = []
    covers_after = 0
    for b, booking in enumerate(index.bookings):
        seat = seat_of[b]
        if seat == UNSEATED:
            continue
        assignments[booking.id] = tuple(sorted(index.table_ids[t]
                                               for t in index.seats[seat].tables))
        if not _placeholder(index, b, now):
            covers_after += index.party[b]
        if seat != hint[b]:
            moved.append(booking.id)
    return Replan(MappingProxyType(assignments), tuple(moved), covers_before, covers_after,
                  status, covers_bound, variables, round(seconds, 3))

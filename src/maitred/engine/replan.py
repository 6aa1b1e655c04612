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

Small days (up to ``NARROW_PAIRS`` pairs) get the whole model. On larger ones CP-SAT
alone rarely finds an improving chain of moves in seconds (on the 60-table shared days it
often returned the current plan after 30 s), so :func:`_best_within` narrows the model
with the LP relaxation of the bounded problem (its value is also the proven ceiling
reported as ``covers_bound``) and searches in three steps: a small bounded model, a
*loose* one allowed to over-spend the budget whose changes are then cut into independent
chains and re-assembled within the budget (a knapsack), and a wider bounded model from the
best of those. The time limit bounds the CP-SAT searches; building the models and the LP
adds about a second on a 60-table day.

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
# Narrowed models keep the pairs the LP relaxation uses plus this many more, those with the
# best reduced profit (every party's current option is always kept). LP_MOVE_COST (covers)
# makes a move cost something in the LP, so its answer does not move parties for nothing.
FIRST_PAIRS = 1_000
SECOND_PAIRS = 2_500
LP_MOVE_COST = 0.01
# The loose model may spend this many times the move budget.
LOOSE_FACTOR = 3
# Shares of the time left that the first and the loose models may take; the last model
# gets the rest, if at least MIN_SECOND_SECONDS.
FIRST_SHARE = 0.2
LOOSE_SHARE = 0.5
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
    deterministic: bool = False,
) -> Replan:
    """The best plan within ``max_moves`` of ``current``; see the module docstring.

    ``current`` maps booking id to its tables now (absent or empty: waiting). Raises
    ``ValueError`` for a negative budget, a non-positive time limit, or a ``current`` or
    ``fixed`` naming a booking not in ``bookings``. With ``deterministic`` the limit is
    CP-SAT's deterministic time on one worker (as in :mod:`maitred.engine.solver`), so the
    same input gives the same plan however busy the machine is; ``solver_seconds`` is then
    deterministic time too.
    """
    if max_moves < 0:
        raise ValueError("max_moves must be 0 or more")
    if time_limit <= 0:
        raise ValueError("time_limit must be positive")
    index, hint, now = _prepare(floor, bookings, policy, current, fixed)
    covers_before = sum(index.party[b] for b, s in enumerate(hint) if s != UNSEATED
                        and not _placeholder(index, b, now))
    movable = [b for b in range(index.size) if not index.locked[b]]
    if max_moves == 0 or not any(hint[b] == UNSEATED for b in movable):
        # Nothing waits: covers cannot grow, and tidying alone is not worth a move.
        return _answer(index, hint, hint, now, covers_before, "UNCHANGED",
                       covers_before, 0, 0.0)
    found = _best_within(index, hint, movable, max_moves, time_limit, deterministic)
    covers_bound = None if found.covers_bound is None \
        else found.covers_bound - _placeholder_covers(index, now)
    return _answer(index, hint, found.seat_of, now, covers_before, found.status,
                   covers_bound, found.variables, found.seconds)


def ceiling(
    floor: Floor,
    bookings: Sequence[Booking],
    policy: Policy,
    current: Mapping[str, Sequence[str]],
    *,
    max_moves: int,
    fixed: Collection[str] = (),
) -> int | None:
    """The proven ceiling alone (LP relaxation, no search): the most covers any plan within
    ``max_moves`` of ``current`` that keeps every seated party seated could reach. With a
    budget as large as the day it says what the promises alone allow. None if GLOP fails."""
    if max_moves < 0:
        raise ValueError("max_moves must be 0 or more")
    index, hint, now = _prepare(floor, bookings, policy, current, fixed)
    movable = [b for b in range(index.size) if not index.locked[b]]
    held: list[list[tuple[int, int]]] = [[] for _ in index.table_ids]
    for b in range(index.size):
        if index.locked[b]:
            for t in index.seats[hint[b]].tables:
                held[t].append((index.start[b], index.end[b]))
    relaxed = _relax(index, hint, movable, _options(index, hint, movable, held), max_moves)
    if relaxed is None:
        return None
    locked_covers = sum(index.party[b] for b in range(index.size)
                        if index.locked[b] and not _placeholder(index, b, now))
    return locked_covers + int(relaxed.covers_bound + 1e-6)


def _prepare(floor: Floor, bookings: Sequence[Booking], policy: Policy,
             current: Mapping[str, Sequence[str]], fixed: Collection[str],
             ) -> tuple[DayIndex, list[int], dict[str, tuple[str, ...]]]:
    """The day's index (fixed parties and odd table sets pinned), the current plan as an
    option per booking, and the current tables by booking id."""
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
    return index, hint, now


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
    seconds: float


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
                    tuple(v.reduced_cost() for v in variables), ceiling,
                    lp.WallTime() / 1000)


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
           time_limit: float, deterministic: bool) -> _Solved:
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
    params.random_seed = 7
    if deterministic:
        params.num_workers = 1
        params.max_deterministic_time = max(0.05, time_limit)
    else:
        params.num_workers = WORKERS
        params.max_time_in_seconds = max(0.05, time_limit)
    status = solver.solve(model)
    spent = solver.deterministic_time if deterministic else solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Solved(list(start_from), solver.status_name(status), None, len(decisions),
                       spent)
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
                   spent)


def _best_within(index: DayIndex, hint: Sequence[int], movable: Sequence[int],
                 max_moves: int, time_limit: float, deterministic: bool) -> _Solved:
    """Small days: the whole bounded model. Large ones, narrowed by the LP relaxation:

    1. the bounded model over the ``FIRST_PAIRS`` pairs the LP likes best (proved fast);
    2. a *loose* model over ``SECOND_PAIRS`` pairs with ``LOOSE_FACTOR`` times the move
       budget (CP-SAT finds improving chains far more easily when it may over-spend);
       its changes fall apart into independent chains, and the best set of whole chains
       within the budget is picked (a knapsack), giving a plan within ``max_moves``;
    3. the bounded model over the ``SECOND_PAIRS`` pairs, started from the better of the
       two, for the time left.
    """
    held: list[list[tuple[int, int]]] = [[] for _ in index.table_ids]
    for b in range(index.size):
        if index.locked[b]:
            for t in index.seats[hint[b]].tables:
                held[t].append((index.start[b], index.end[b]))
    options = _options(index, hint, movable, held)
    if sum(len(v) for v in options.values()) <= NARROW_PAIRS:
        return _solve(index, hint, hint, movable, options, max_moves, time_limit,
                      deterministic)
    relaxed = _relax(index, hint, movable, options, max_moves)
    if relaxed is None:
        return _solve(index, hint, hint, movable, options, max_moves, time_limit,
                      deterministic)
    locked_covers = sum(index.party[b] for b in range(index.size) if index.locked[b])
    ceiling = locked_covers + int(relaxed.covers_bound + 1e-6)
    # The LP's wall time counts against a wall-clock budget only.
    lp_seconds = 0.0 if deterministic else relaxed.seconds
    left = time_limit - lp_seconds

    def key(seat_of: Sequence[int]) -> tuple[int, int]:
        covers = sum(index.party[b] for b, s in enumerate(seat_of) if s != UNSEATED)
        return covers, -sum(1 for b, s in enumerate(seat_of) if s != hint[b])

    first = _solve(index, hint, hint, movable, _narrowed(options, hint, relaxed, FIRST_PAIRS),
                   max_moves, left * FIRST_SHARE, deterministic)
    best, seconds, variables = first.seat_of, lp_seconds + first.seconds, first.variables
    status = "NARROWED_" + first.status
    wide = _narrowed(options, hint, relaxed, SECOND_PAIRS)
    left = time_limit - seconds
    if key(best)[0] < ceiling and left > MIN_SECOND_SECONDS:
        loose = _solve(index, hint, best, movable, wide, LOOSE_FACTOR * max_moves,
                       left * LOOSE_SHARE, deterministic)
        seconds += loose.seconds
        picked = _whole_chains(index, hint, loose.seat_of, max_moves)
        if key(picked) > key(best):
            best, status = picked, "NARROWED_CHAINS"
    left = time_limit - seconds
    if key(best)[0] < ceiling and left > MIN_SECOND_SECONDS:
        final = _solve(index, hint, best, movable, wide, max_moves, left, deterministic)
        seconds += final.seconds
        variables = max(variables, final.variables)
        if key(final.seat_of) > key(best):
            best, status = final.seat_of, "NARROWED_" + final.status
    return _Solved(best, status, max(ceiling, key(best)[0]), variables, seconds)


def _whole_chains(index: DayIndex, hint: Sequence[int], loose: Sequence[int],
                  max_moves: int) -> list[int]:
    """The best plan within ``max_moves`` made of whole chains of ``loose``'s changes.

    Two changed bookings are in one chain when one's new tables overlap, in time, the
    other's old ones. Undoing a whole chain puts its bookings back where they were, which
    clashes with nobody (no one outside the chain took their old places), so any set of
    chains is a valid plan. Chains are picked by a knapsack on covers gained per move."""
    moved = [b for b in range(index.size) if loose[b] != hint[b]]
    parent = {b: b for b in moved}

    def root(b: int) -> int:
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    old_on: dict[int, list[int]] = {}
    for b in moved:
        if hint[b] != UNSEATED:
            for t in index.seats[hint[b]].tables:
                old_on.setdefault(t, []).append(b)
    for b in moved:
        if loose[b] == UNSEATED:
            continue
        for t in index.seats[loose[b]].tables:
            for other in old_on.get(t, ()):
                if other != b and index.overlaps(b, other):
                    parent[root(b)] = root(other)
    chains: dict[int, list[int]] = {}
    for b in moved:
        chains.setdefault(root(b), []).append(b)
    items = []
    for members in chains.values():
        gain = sum(index.party[b] for b in members if hint[b] == UNSEATED)
        if gain > 0 and len(members) <= max_moves:
            items.append((gain, members))
    # best[m]: (covers gained, chains used) with at most m moves.
    best: list[tuple[int, list[int]]] = [(0, []) for _ in range(max_moves + 1)]
    for number, (gain, members) in enumerate(items):
        cost = len(members)
        for m in range(max_moves, cost - 1, -1):
            candidate = best[m - cost][0] + gain
            if candidate > best[m][0]:
                best[m] = (candidate, [*best[m - cost][1], number])
    plan = list(hint)
    for number in best[max_moves][1]:
        for b in items[number][1]:
            plan[b] = loose[b]
    return plan


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

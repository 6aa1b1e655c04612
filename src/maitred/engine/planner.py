"""Where can this party sit: every feasible option, scored, ranked and explained.

:func:`candidates` lists every single table and combination that fits the party and is
free over its window, in exactly the terms of :func:`maitred.engine.rules.check` (a
property test holds the two together). :func:`quote` runs the strategies over those
candidates, picks the winner on the one scoring scale, and says in words why it won, why
the next-best lost, and, when nothing fits, why not.

Ranking is deterministic: higher score first, then strategy priority (a single table
before a join), then the sorted table ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from maitred.engine import rules
from maitred.engine import strategies as _strategies  # aliased: ``Quote.strategies`` is a field
from maitred.engine.booking import Booking, Window
from maitred.engine.demand import Demand
from maitred.engine.floor import Floor, Option
from maitred.engine.policy import Policy
from maitred.engine.scoring import DEFAULT_WEIGHTS, TERMS, BookingScorer, Score, Weights
from maitred.engine.timeline import Timeline

SINGLE = "best_single_fit"
JOINED = "adjacent_combination"

TERM_WORDS = {
    "seat_waste": "empty seats",
    "fragmentation": "gaps left on the table",
    "preference": "guest preference",
    "combination": "joining tables",
    "large_table_protection": "seats needed by larger parties later",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """One way to seat one booking, with its score and the reasons in words."""

    booking_id: str
    tables: tuple[str, ...]
    option_key: str
    score: Score
    strategy: str
    reasons: tuple[str, ...] = ()
    seats: int = 0
    preference_met: bool | None = None  # None: the guests asked for nothing


@dataclass(frozen=True, slots=True)
class Quote:
    """The planner's answer for one booking, with everything staff need to trust it."""

    booking_id: str
    best: Plan | None
    alternatives: tuple[Plan, ...]
    losers: tuple[tuple[Plan, str], ...]
    strategies: tuple[_strategies.StrategyResult, ...]
    reason: str | None


def rank_key(plan: Plan) -> tuple[float, int, tuple[str, ...]]:
    """Best first: score, then strategy priority, then sorted table ids."""
    return (-plan.score.total, _strategies.priority(plan.strategy), plan.tables)


def feasible_options(
    booking: Booking, floor: Floor, timeline: Timeline, policy: Policy
) -> list[Option]:
    """Options that fit the party and are free over its window, as ``check`` judges."""
    if not policy.within_service(booking.start, booking.start + booking.duration):
        return []
    party = booking.party_size
    if booking.locked_tables is not None:
        pool: Iterable[Option] = [o for o in floor.options_with_tables(booking.locked_tables)
                                  if o.fits(party)]
    else:
        pool = floor.options_for(party)
    window = booking.window(policy.buffer_minutes)
    free: dict[str, bool] = {}
    found: list[Option] = []
    seen: set[tuple[str, ...]] = set()
    for option in pool:
        if option.is_combination and not policy.merges_enabled:
            continue
        if option.tables in seen:  # two listed joins of the same tables: one is enough
            continue
        ok = True
        for table_id in option.tables:
            known = free.get(table_id)
            if known is None:
                known = free[table_id] = timeline.is_free(table_id, window,
                                                          ignore_booking=booking.id)
            if not known:
                ok = False
                break
        if ok:
            seen.add(option.tables)
            found.append(option)
    return found


def candidates(
    booking: Booking,
    floor: Floor,
    timeline: Timeline,
    policy: Policy,
    demand: Demand | None = None,
    *,
    explain: bool = True,
    weights: Weights = DEFAULT_WEIGHTS,
    clock: Callable[[int], str] = rules.default_clock,
) -> list[Plan]:
    """Every feasible option as a scored plan, best first (reasons only if ``explain``)."""
    scorer = BookingScorer(booking, floor, timeline, policy, demand, weights)
    options = {o.tables: o for o in feasible_options(booking, floor, timeline, policy)}
    plans = sorted((_plan(booking, o, scorer) for o in options.values()), key=rank_key)
    if explain:
        plans = [replace(p, reasons=explain_plan(p, options[p.tables], scorer, clock))
                 for p in plans]
    return plans


def quote(
    booking: Booking,
    floor: Floor,
    timeline: Timeline,
    policy: Policy,
    demand: Demand | None = None,
    *,
    limit: int = 5,
    weights: Weights = DEFAULT_WEIGHTS,
    clock: Callable[[int], str] = rules.default_clock,
) -> Quote:
    """The best plan, up to ``limit`` alternatives, why they lost, and every strategy's say."""
    scorer = BookingScorer(booking, floor, timeline, policy, demand, weights)
    options = {o.tables: o for o in feasible_options(booking, floor, timeline, policy)}
    ranked = sorted((_plan(booking, o, scorer) for o in options.values()), key=rank_key)
    results = tuple(s.choose(booking, ranked, demand) for s in _strategies.ALL)
    proposals = [(r.plan, s.priority) for r, s in zip(results, _strategies.ALL, strict=True)
                 if r.plan is not None]
    if not proposals:
        return Quote(booking.id, None, (), (), results,
                     why_nothing_fits(booking, floor, timeline, policy, clock=clock))
    chosen, _ = min(proposals, key=lambda pp: (-pp[0].score.total, pp[1], pp[0].tables))
    won = next(r.reason for r in results if r.strategy == chosen.strategy)
    best = replace(chosen, reasons=(f"{chosen.strategy}: {won}",
                                    *explain_plan(chosen, options[chosen.tables], scorer, clock)))
    rest = [p for p in ranked if p.tables != best.tables][:limit]
    alternatives = tuple(replace(p, reasons=explain_plan(p, options[p.tables], scorer, clock))
                         for p in rest)
    losers = tuple((p, why_lost(p, best)) for p in alternatives)
    return Quote(booking.id, best, alternatives, losers, results, None)


# -- words --------------------------------------------------------------------------------

def explain_plan(
    plan: Plan, option: Option, scorer: BookingScorer, clock: Callable[[int], str]
) -> tuple[str, ...]:
    """What each scoring term saw, one phrase per term that had something to say."""
    party = scorer.booking.party_size
    empty = option.max_party - party
    said = [f"{party} guests at {option.max_party} seats"
            + (f" ({empty} empty)" if empty else " (no empty seats)")]
    for table_id in option.tables:
        before, after = scorer.gaps(table_id)
        if before is not None and before <= 0:
            said.append(f"sits down at {table_id} as the previous party leaves "
                        f"({clock(scorer.window.start)})")
        if after is not None and after <= 0:
            said.append(f"frees {table_id} as the next party arrives "
                        f"({clock(scorer.window.end)})")
        for gap, side in ((before, "before"), (after, "after")):
            if gap is not None and 0 < gap < scorer.shortest_meal:
                said.append(f"leaves an unsellable {gap}-minute gap {side} it on {table_id}")
    booking = scorer.booking
    if booking.zone_preference is not None:
        said.append(f"in the requested {booking.zone_preference}"
                    if option.zone == booking.zone_preference
                    else f"in {option.zone}, not the requested {booking.zone_preference}")
    if booking.tags_preference:
        has = sorted(booking.tags_preference & option.tags)
        lacks = sorted(booking.tags_preference - option.tags)
        said += [f"has {', '.join(has)}"] if has else []
        said += [f"lacks {', '.join(lacks)}"] if lacks else []
    if option.is_combination:
        said.append(f"joins {len(option.tables)} tables ({'+'.join(option.tables)})")
    protection = plan.score.terms.get("large_table_protection", 0.0)
    if protection < 0:
        said.append(f"uses seats larger parties expected {clock(scorer.window.start)}-"
                    f"{clock(scorer.window.end)} will need ({protection:.1f})")
    return tuple(said)


def why_lost(loser: Plan, winner: Plan) -> str:
    """Which terms made the difference between a runner-up and the winner, in words."""
    behind = winner.score.total - loser.score.total
    label = "+".join(loser.tables)
    if behind <= 1e-9:
        return (f"{label} scores the same as {'+'.join(winner.tables)}; the tie goes by "
                "strategy priority, then table ids.")
    worse = sorted(((winner.score.terms.get(t, 0.0) - loser.score.terms.get(t, 0.0), t)
                    for t in TERMS), reverse=True)
    parts = [f"{TERM_WORDS[t]} (-{d:.1f})" for d, t in worse if d > 1e-9]
    return f"{label} scores {behind:.1f} lower: " + ", ".join(parts) + "."


def why_nothing_fits(
    booking: Booking, floor: Floor, timeline: Timeline, policy: Policy,
    *, clock: Callable[[int], str] = rules.default_clock,
) -> str:
    """Why no option is free: wrong hours, pinned tables, too big a party, or all taken."""
    party = booking.party_size
    if booking.locked_tables is not None:
        problems = rules.check(booking.locked_tables, booking, floor, timeline, policy,
                               clock=clock)
        return " ".join(v.message for v in problems) or "its locked tables cannot be used"
    if not policy.within_service(booking.start, booking.start + booking.duration):
        return (f"{clock(booking.start)}-{clock(booking.start + booking.duration)} is outside "
                "service hours")
    fitting = [o for o in floor.options_for(party)
               if policy.merges_enabled or not o.is_combination]
    if not fitting:
        joins = "" if policy.merges_enabled else " (joining tables is turned off)"
        return f"no table or combination seats {party}{joins}"
    window = booking.window(policy.buffer_minutes)
    first, key = _first_free(fitting, window, timeline, booking.id)
    return (f"every table or combination for {party} is taken {clock(window.start)}-"
            f"{clock(window.end)}; the first free is {key} at {clock(first)}")


def _first_free(
    options: Sequence[Option], window: Window, timeline: Timeline, booking_id: str
) -> tuple[int, str]:
    """The option free soonest for the window's length, and from when.

    Each table's own next free time bounds its options from below, so options are tried
    in order of that bound and the search stops once no later one can do better.
    """
    length = window.end - window.start
    known: dict[tuple[str, int], int] = {}

    def table_free(table_id: str, start: int) -> int:
        if (table_id, start) not in known:
            known[table_id, start] = timeline.next_free(table_id, start, length,
                                                        ignore_booking=booking_id)
        return known[table_id, start]

    bounds = sorted(((max(table_free(t, window.start) for t in o.tables), _label(o), o)
                     for o in options), key=lambda b: (b[0], b[1]))
    best: tuple[int, str] | None = None
    for bound, key, option in bounds:
        if best is not None and (bound, key) >= best:
            break
        start = bound
        while True:  # joined tables must all be free at once
            latest = max(table_free(t, start) for t in option.tables)
            if latest == start:
                break
            start = latest
        if best is None or (start, key) < best:
            best = (start, key)
    assert best is not None  # options is never empty here
    return best


def _label(option: Option) -> str:
    """``T4`` for a table, ``C22 (T11+T12)`` for a join: the id staff see and its tables."""
    if not option.is_combination or option.key == "+".join(option.tables):
        return option.key
    return f"{option.key} ({'+'.join(option.tables)})"


def _plan(booking: Booking, option: Option, scorer: BookingScorer) -> Plan:
    met: bool | None = None
    if booking.has_preference:
        met = (booking.zone_preference in (None, option.zone)
               and booking.tags_preference <= option.tags)
    return Plan(booking.id, option.tables, option.key, scorer.score(option),
                JOINED if option.is_combination else SINGLE, (), option.max_party, met)

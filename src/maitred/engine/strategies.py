"""Five ways a maître d' looks for a table, behind one protocol.

Each strategy looks at the feasible plans through its own lens (only single tables, only
joins, only what the guests asked for, least harm to the big parties still to come, the
snuggest fit) and proposes one, or says why it has nothing. Every proposal carries the one
score from :mod:`maitred.engine.scoring`, so :func:`maitred.engine.planner.quote` can pick
the winner on one scale: score, then strategy ``priority`` (lower wins), then table ids.
Strategies that propose the same tables as the winner agree with it; the record of all five
is what the audit trail shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from maitred.engine import planner
from maitred.engine.booking import Booking
from maitred.engine.demand import Demand
from maitred.engine.floor import Floor
from maitred.engine.policy import Policy
from maitred.engine.timeline import Timeline


@dataclass(frozen=True, slots=True)
class StrategyResult:
    """What one strategy proposed (or ``None``) and why, in words."""

    strategy: str
    plan: planner.Plan | None
    reason: str


class Strategy(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def priority(self) -> int: ...

    def propose(
        self, booking: Booking, floor: Floor, timeline: Timeline, policy: Policy,
        demand: Demand | None,
    ) -> StrategyResult: ...

    def choose(
        self, booking: Booking, ranked: Sequence[planner.Plan], demand: Demand | None
    ) -> StrategyResult:
        """Pick from plans already ranked best first (the planner enumerates them once)."""
        ...


class _Lens:
    """A strategy as a filter over the ranked plans plus an ordering of its own."""

    name = ""
    priority = 0

    def propose(
        self, booking: Booking, floor: Floor, timeline: Timeline, policy: Policy,
        demand: Demand | None,
    ) -> StrategyResult:
        ranked = planner.candidates(booking, floor, timeline, policy, demand, explain=False)
        return self.choose(booking, ranked, demand)

    def choose(
        self, booking: Booking, ranked: Sequence[planner.Plan], demand: Demand | None
    ) -> StrategyResult:
        refusal = self.refuse(booking, demand)
        if refusal is not None:
            return StrategyResult(self.name, None, refusal)
        pool = [p for p in ranked if self.admits(p)]
        if not pool:
            return StrategyResult(self.name, None, self.nothing(booking))
        key = self.prefer()
        # ``ranked`` is best-first, so min() keeps the best-ranked among equal preferences.
        chosen = min(pool, key=key) if key is not None else pool[0]
        plan = replace(chosen, strategy=self.name)
        return StrategyResult(self.name, plan, f"{self.found(plan)} (score "
                                               f"{plan.score.total:.2f})")

    # -- what each strategy overrides ----------------------------------------------------

    def refuse(self, booking: Booking, demand: Demand | None) -> str | None:  # noqa: ARG002
        return None

    def admits(self, plan: planner.Plan) -> bool:  # noqa: ARG002
        return True

    def prefer(self) -> Callable[[planner.Plan], float] | None:
        return None

    def nothing(self, booking: Booking) -> str:
        return f"nothing free seats {booking.party_size}"

    def found(self, plan: planner.Plan) -> str:
        return f"proposes {'+'.join(plan.tables)}"


class BestSingleFit(_Lens):
    """One table, the best-scoring one: what a host tries first, no furniture moved."""

    name = "best_single_fit"
    priority = 0

    def admits(self, plan: planner.Plan) -> bool:
        return len(plan.tables) == 1

    def nothing(self, booking: Booking) -> str:
        return f"no single table for {booking.party_size} is free then"

    def found(self, plan: planner.Plan) -> str:
        return f"table {plan.tables[0]} ({plan.seats} seats) is the best single table"


class AdjacentCombination(_Lens):
    """Push tables together when no single table is right for the party."""

    name = "adjacent_combination"
    priority = 1

    def admits(self, plan: planner.Plan) -> bool:
        return len(plan.tables) > 1

    def nothing(self, booking: Booking) -> str:
        return f"no combination for {booking.party_size} is free then (or joins are off)"

    def found(self, plan: planner.Plan) -> str:
        return f"joining {'+'.join(plan.tables)} seats {plan.seats}"


class PreferenceFirst(_Lens):
    """Give the guests the zone and table kind they asked for, if anything free has it."""

    name = "preference_first"
    priority = 2

    def refuse(self, booking: Booking, demand: Demand | None) -> str | None:  # noqa: ARG002
        return None if booking.has_preference else "the guests asked for nothing in particular"

    def admits(self, plan: planner.Plan) -> bool:
        return plan.preference_met is True

    def nothing(self, booking: Booking) -> str:
        wanted = [booking.zone_preference or "", *sorted(booking.tags_preference)]
        return f"nothing free matches {', '.join(w for w in wanted if w)}"

    def found(self, plan: planner.Plan) -> str:
        return f"{'+'.join(plan.tables)} matches what the guests asked for"


class FutureDemandAware(_Lens):
    """Take the option that leaves the most room for the large parties still expected."""

    name = "future_demand_aware"
    priority = 3

    def refuse(self, booking: Booking, demand: Demand | None) -> str | None:  # noqa: ARG002
        return None if demand is not None else "no demand forecast to protect big tables for"

    def prefer(self) -> Callable[[planner.Plan], float]:
        return lambda p: -p.score.terms.get("large_table_protection", 0.0)

    def found(self, plan: planner.Plan) -> str:
        cost = plan.score.terms.get("large_table_protection", 0.0)
        return (f"{'+'.join(plan.tables)} costs the later large parties least "
                f"({cost:.2f})")


class GapMinimizing(_Lens):
    """Fit the meal snugly between the table's other parties, leaving no unsellable gaps."""

    name = "gap_minimizing"
    priority = 4

    def prefer(self) -> Callable[[planner.Plan], float]:
        return lambda p: -p.score.terms.get("fragmentation", 0.0)

    def found(self, plan: planner.Plan) -> str:
        return f"{'+'.join(plan.tables)} leaves the fewest unusable gaps"


ALL: tuple[Strategy, ...] = (
    BestSingleFit(), AdjacentCombination(), PreferenceFirst(), FutureDemandAware(),
    GapMinimizing(),
)

_PRIORITY = {s.name: s.priority for s in ALL}


def priority(name: str) -> int:
    """A strategy's tie-break rank; unknown names (plans made elsewhere) go last."""
    return _PRIORITY.get(name, len(_PRIORITY))

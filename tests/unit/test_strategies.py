"""The five strategies: each looks through its own lens and says what it found or why not."""

from __future__ import annotations

from tests.builders import at, bistro, booking, busy, floor, table

from maitred.engine import strategies
from maitred.engine.demand import Demand
from maitred.engine.planner import candidates
from maitred.engine.policy import Policy
from maitred.engine.strategies import (
    AdjacentCombination,
    BestSingleFit,
    FutureDemandAware,
    GapMinimizing,
    PreferenceFirst,
)
from maitred.engine.timeline import Timeline

POLICY = Policy()


def test_there_are_at_least_five_strategies_in_priority_order() -> None:
    names = [s.name for s in strategies.ALL]
    assert names == ["best_single_fit", "adjacent_combination", "preference_first",
                     "future_demand_aware", "gap_minimizing"]
    assert [s.priority for s in strategies.ALL] == sorted(s.priority for s in strategies.ALL)
    assert strategies.priority("made_elsewhere") > max(s.priority for s in strategies.ALL)


def test_best_single_fit_takes_the_best_single_table() -> None:
    result = BestSingleFit().propose(booking(party=3), bistro(), Timeline(), POLICY, None)
    assert result.plan is not None
    assert result.plan.tables == ("T3",)
    assert result.plan.strategy == "best_single_fit"
    assert "T3" in result.reason


def test_best_single_fit_says_when_no_single_table_is_free() -> None:
    timeline = Timeline([busy("T5", at("18:00"), at("22:00"), "B3")])
    result = BestSingleFit().propose(booking(party=6), bistro(), timeline, POLICY, None)
    assert result.plan is None
    assert result.reason == "no single table for 6 is free then"


def test_adjacent_combination_joins_tables_for_a_big_party() -> None:
    result = AdjacentCombination().propose(booking(party=6), bistro(), Timeline(), POLICY, None)
    assert result.plan is not None
    assert result.plan.tables == ("T3", "T4")
    assert "joining T3+T4 seats 6" in result.reason


def test_adjacent_combination_has_nothing_when_merges_are_off() -> None:
    policy = Policy(merges_enabled=False)
    result = AdjacentCombination().propose(booking(party=6), bistro(), Timeline(), policy, None)
    assert result.plan is None
    assert "no combination for 6" in result.reason


def test_preference_first_gives_the_guests_what_they_asked_for() -> None:
    # A party of five asking for the main room: the patio table scores better (no join),
    # but only the main-room join honours the request.
    guests = booking(party=5, zone="main")
    result = PreferenceFirst().propose(guests, bistro(), Timeline(), POLICY, None)
    assert result.plan is not None
    assert result.plan.tables == ("T3", "T4")
    assert result.plan.preference_met is True


def test_preference_first_steps_aside_when_nothing_was_asked_or_nothing_matches() -> None:
    none_asked = PreferenceFirst().propose(booking(party=2), bistro(), Timeline(), POLICY, None)
    assert none_asked.plan is None
    assert none_asked.reason == "the guests asked for nothing in particular"
    booth = PreferenceFirst().propose(booking(party=2, zone="patio", tags={"booth"}), bistro(),
                                      Timeline(), POLICY, None)
    assert booth.plan is None
    assert booth.reason == "nothing free matches patio, booth"


def test_future_demand_aware_leaves_the_big_table_for_the_big_parties() -> None:
    room = floor([table("A", 4), table("B", 4), table("C", 7)], [("A", "B")])
    sevens = Demand.from_bookings([booking(f"L{i}", party=7, start=at("19:30"))
                                   for i in range(2)])
    result = FutureDemandAware().propose(booking(party=5), room, Timeline(), POLICY, sevens)
    assert result.plan is not None
    assert result.plan.tables == ("A", "B")
    blind = FutureDemandAware().propose(booking(party=5), room, Timeline(), POLICY, None)
    assert blind.plan is None
    assert blind.reason == "no demand forecast to protect big tables for"


def test_gap_minimizing_fits_the_meal_snugly_even_at_a_bigger_table() -> None:
    timeline = Timeline([busy("T3", at("17:30"), at("19:00"), "B0")])
    guests = booking(party=2, start=at("19:00"))
    result = GapMinimizing().propose(guests, bistro(), timeline, POLICY, None)
    assert result.plan is not None
    assert result.plan.tables == ("T3",)
    assert "fewest unusable gaps" in result.reason


def test_choose_over_ranked_candidates_equals_propose() -> None:
    guests = booking(party=4, tags={"quiet"})
    ranked = candidates(guests, bistro(), Timeline(), POLICY, explain=False)
    for strategy in strategies.ALL:
        assert strategy.choose(guests, ranked, None) == strategy.propose(
            guests, bistro(), Timeline(), POLICY, None)
